// Concurrent claims: 3 vfnet server processes on one PostgreSQL database, two PFs with 16
// SRIOV_NET_VF in total, 64 clients claiming, reading back, releasing and re-claiming one VF
// each for ~10 s, spread over the 3 servers. No over-allocation may ever be observed, every
// successful claim must be visible through another process, every 409 must be a generation
// conflict or the capacity error, and a final claim-and-keep round must end with exactly 16
// holders listed identically by every server. The claims/s figure is printed, not asserted.
// VFNET_API_PEER=1 also runs the same load against real Placement (uwsgi, 3 processes, SQLite).
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type LoadResult, runClaimLoad, seedPool } from './support/claim-load.js';
import { PlacementClient } from './support/client.js';
import { ensureDeps } from './support/deps.js';
import { KnownGaps } from './support/known-gaps.js';
import { apiPaths } from './support/paths.js';
import { startPostgres } from './support/postgres.js';
import { type RunningServer, startPeer, startVfnet } from './support/servers.js';

const paths = apiPaths();
const gaps = new KnownGaps(paths.sourceDir);
const CLIENTS = 64;
const DURATION_MS = Number(process.env.VFNET_CONCURRENCY_MS ?? 10_000);

function report(t: TestContext, who: string, r: LoadResult): void {
  const line =
    `${who}: ${r.claims} claims in ${r.durationS.toFixed(1)} s = ${(r.claims / r.durationS).toFixed(0)} claims/s; ` +
    `409 capacity ${r.conflicts.capacity}, 409 concurrent_update ${r.conflicts.concurrentUpdate}; ` +
    `claim latency p50 ${r.claimLatencyMsP50.toFixed(1)} ms, p90 ${r.claimLatencyMsP90.toFixed(1)} ms; ` +
    `max held ${r.maxHeldSeen}, max usage seen ${r.maxUsageSeen} over ${r.usagePolls} polls; final holders ${r.finalHolders}`;
  t.diagnostic(line);
  console.log(line);
}

async function check(t: TestContext, r: LoadResult, forVfnet: boolean): Promise<void> {
  const step = (name: string, fn: () => void) => gaps.check(t, 'concurrency', name, forVfnet, fn);
  await step('no invariant violated', () => assert.deepEqual(r.violations, []));
  await step('claims succeeded and were released', () => {
    assert.ok(r.claims > 0, 'no claim succeeded');
    assert.equal(r.releases, r.claims);
  });
  await step('never more than capacity in use', () => {
    assert.ok(r.maxUsageSeen <= 16 && r.maxHeldSeen <= 16, `max usage ${r.maxUsageSeen}, max held ${r.maxHeldSeen}`);
  });
  await step('final round fills the pool exactly', () => assert.equal(r.finalHolders, 16));
}

test('concurrent claims: 3 vfnet processes on one PostgreSQL', async (t) => {
  const deps = await ensureDeps(paths.root, ['postgres']);
  if (!deps.ok) {
    t.skip(deps.skip);
    return;
  }
  const pg = await startPostgres(paths.root);
  const servers: RunningServer[] = [];
  try {
    const db = await pg.createDatabase('vfnet_concurrency');
    // The first process creates the schema; the others start on it.
    servers.push(await startVfnet({ serverJs: paths.serverJs, db }));
    servers.push(
      ...(await Promise.all([
        startVfnet({ serverJs: paths.serverJs, db }),
        startVfnet({ serverJs: paths.serverJs, db }),
      ])),
    );
    const pool = await seedPool(new PlacementClient(servers[0]!.url), 8, 2);
    const r = await runClaimLoad({ urls: servers.map((s) => s.url), pool, clients: CLIENTS, durationMs: DURATION_MS });
    report(t, 'vfnet, 3 processes, PostgreSQL', r);
    await check(t, r, true);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await pg.stop();
  }
});

test('concurrent claims: real Placement 8.0.0, 3 uwsgi processes, SQLite (VFNET_API_PEER=1)', {
  skip: process.env.VFNET_API_PEER !== '1' && 'set VFNET_API_PEER=1 to measure the peer under the same load',
}, async (t) => {
  const deps = await ensureDeps(paths.root, ['peer']);
  if (!deps.ok) {
    t.skip(deps.skip);
    return;
  }
  const server = await startPeer({ gabbiDir: paths.gabbiDir, env: { PROCESSES: '3', THREADS: '1' } });
  try {
    const pool = await seedPool(new PlacementClient(server.url), 8, 2);
    const r = await runClaimLoad({ urls: [server.url], pool, clients: CLIENTS, durationMs: DURATION_MS });
    report(t, 'real Placement 8.0.0, 3 processes, SQLite', r);
    await check(t, r, false);
  } finally {
    await server.stop();
  }
});
