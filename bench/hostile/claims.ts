// Claims per second on one vfnet server over a SQLite file: what a synced commit costs
// (synchronous=FULL against NORMAL, docs/benchmarks.md). The load is the API suite's claim
// load (claim a VF, read it back, release it, repeat) from 16 clients, on loopback.
//   node dist/bench/hostile/claims.js [--seconds 20] [--clients 16] [--server-js PATH]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runClaimLoad, seedPool } from '../../test/api/support/claim-load.js';
import { PlacementClient } from '../../test/api/support/client.js';
import { apiPaths } from '../../test/api/support/paths.js';
import { startVfnet } from '../../test/api/support/servers.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '16' },
    'server-js': { type: 'string' },
  },
});
const paths = apiPaths();
const dir = mkdtempSync(join(tmpdir(), 'vfnet-claims-'));
const server = await startVfnet({ serverJs: values['server-js'] ?? paths.serverJs, db: join(dir, 'claims.db') });
try {
  const pool = await seedPool(new PlacementClient(server.url), 32, 2);
  const r = await runClaimLoad({
    urls: [server.url],
    pool,
    clients: Number(values.clients),
    durationMs: Number(values.seconds) * 1000,
  });
  console.log(
    JSON.stringify({
      claims: r.claims,
      seconds: Number(r.durationS.toFixed(1)),
      claimsPerS: Math.round(r.claims / r.durationS),
      p50Ms: Number(r.claimLatencyMsP50.toFixed(1)),
      p90Ms: Number(r.claimLatencyMsP90.toFixed(1)),
      violations: r.violations.length,
    }),
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
