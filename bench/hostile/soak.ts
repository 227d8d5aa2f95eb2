// The soak of issue 12, run by hand (not part of npm test): one `vfnet serve` on loopback over a
// SQLite file, populated by populate.py, under mixed reads, writes and the hostile requests of
// attacks.ts, for --minutes (30 by default). Measured: the server's RSS over time, the latency
// of `GET /` and of populate.py's q1 while the attacks run (p50, p99, max), and the writes lost:
// at the end the server is SIGKILLed while the writers still write, started again on the same
// file, and every acknowledged write (a claim or a release of a VF) must be found as acknowledged.
//   node dist/bench/hostile/soak.js [--minutes 30] [--hosts 100] [--json out.json]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PlacementClient } from '../../test/api/support/client.js';
import { apiPaths } from '../../test/api/support/paths.js';
import { run } from '../../test/api/support/processes.js';
import { memoryOf } from '../../test/api/support/raw-http.js';
import { type RunningServer, startVfnet } from '../../test/api/support/servers.js';
import { attacks } from './attacks.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    hosts: { type: 'string', default: '100' },
    writers: { type: 'string', default: '4' },
    json: { type: 'string' },
    'server-js': { type: 'string' },
  },
});
const paths = apiPaths();
const serverJs = values['server-js'] ?? paths.serverJs;
const durationMs = Number(values.minutes) * 60_000;
const PROJECT = '50a50000-0000-4000-8000-000000000001';
const USER = '50a50000-0000-4000-8000-000000000002';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}

/** A tree for the candidate explosion (8 PFs of a class of its own) and one for the writers' claims. */
async function prepare(c: PlacementClient): Promise<{ bombQuery: string; writePfs: string[] }> {
  const mk = async (name: string, parent?: string) => {
    const uuid = randomUUID();
    await c.ok('POST', '/resource_providers', {
      body: { name, uuid, ...(parent ? { parent_provider_uuid: parent } : {}) },
    });
    return uuid;
  };
  const inv = (uuid: string, rc: string, total: number) =>
    c.ok('PUT', `/resource_providers/${uuid}/inventories`, {
      body: { resource_provider_generation: 0, inventories: { [rc]: { total, max_unit: Math.min(total, 8) } } },
    });
  await c.request('PUT', '/resource_classes/CUSTOM_SOAK_BOMB');
  const bomb = await mk('soak-bomb');
  for (let i = 0; i < 8; i++) await inv(await mk(`soak-bomb-pf${i}`, bomb), 'CUSTOM_SOAK_BOMB', 8);
  const writes = await mk('soak-writes');
  const writePfs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const pf = await mk(`soak-writes-pf${i}`, writes);
    await inv(pf, 'SRIOV_NET_VF', 1_000_000);
    writePfs.push(pf);
  }
  const groups = Array.from({ length: 8 }, (_, i) => `resources${i + 1}=CUSTOM_SOAK_BOMB:1`).join('&');
  return { bombQuery: `group_policy=none&${groups}`, writePfs };
}

/** What the store must hold for each consumer: its acknowledged state, and a state in flight (either may be found). */
interface Expected {
  acked: string | null;
  pending?: string | null;
}

async function writer(
  url: string,
  pfs: string[],
  expected: Map<string, Expected>,
  running: () => boolean,
  count: { acked: number },
): Promise<void> {
  const c = new PlacementClient(url, '1.39');
  const mine: string[] = [];
  while (running()) {
    const release = mine.length > 20 && Math.random() < 0.5;
    const consumer = release ? mine.splice(Math.floor(Math.random() * mine.length), 1)[0]! : randomUUID();
    const pf = pfs[Math.floor(Math.random() * pfs.length)]!;
    const e = expected.get(consumer) ?? { acked: null };
    expected.set(consumer, e);
    e.pending = release ? null : pf;
    try {
      const r = release
        ? await c.request('DELETE', `/allocations/${consumer}`)
        : await c.request('PUT', `/allocations/${consumer}`, {
            body: {
              allocations: { [pf]: { resources: { SRIOV_NET_VF: 1 } } },
              consumer_generation: null,
              project_id: PROJECT,
              user_id: USER,
              consumer_type: 'INSTANCE',
            },
          });
      if (r.status === 204) {
        e.acked = e.pending;
        count.acked++;
        if (!release) mine.push(consumer);
      } else if (!release) {
        expected.delete(consumer);
      }
      delete e.pending;
    } catch {
      return; // the server is gone: this write stays pending
    }
  }
}

async function lostWrites(url: string, expected: Map<string, Expected>): Promise<number> {
  const c = new PlacementClient(url, '1.39');
  let lost = 0;
  const all = [...expected];
  for (let i = 0; i < all.length; i += 16) {
    await Promise.all(
      all.slice(i, i + 16).map(async ([consumer, e]) => {
        const r = await c.ok('GET', `/allocations/${consumer}`);
        const pf = Object.keys(r.allocations)[0] ?? null;
        if (pf !== e.acked && !('pending' in e && pf === e.pending)) lost++;
      }),
    );
  }
  return lost;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-soak-'));
  const db = join(dir, 'soak.db');
  let server: RunningServer = await startVfnet({ serverJs, db, maxOpenFiles: 1024 });
  try {
    const pop = await run(
      '/usr/bin/python3',
      [
        join(paths.root, 'bench', 'placement', 'populate.py'),
        server.url,
        '--hosts',
        values.hosts!,
        '--repeat',
        '1',
        '--warmup',
        '0',
        '--workers',
        '4',
      ],
      { timeoutMs: 600_000 },
    );
    if (pop.status !== 0) throw new Error(`populate.py failed: ${pop.stderr.slice(-1000)}`);
    const c = new PlacementClient(server.url);
    const { bombQuery, writePfs } = await prepare(c);
    const start = Date.now();
    const deadline = start + durationMs;
    let attacking = true;
    const rss: Array<{ minute: number; rssMb: number; peakMb: number }> = [];
    const rootMs: number[] = [];
    const q1Ms: number[] = [];
    const failures: string[] = [];
    // Every slow probe with what ran beside it, to tell a stall behind an attack from one behind a commit.
    const slow: Array<{ path: string; atMin: number; ms: number; attack: string }> = [];
    // Which attack ran when (a slow probe is matched to it afterwards; '(pause)' between them).
    const timeline: Array<{ name: string; fromMs: number }> = [];
    const attackAt = (ms: number) => timeline.findLast((a) => a.fromMs <= ms)?.name ?? '(before)';
    // The probes run in a process of their own (probe.ts), so this process's GC pauses are not timed.
    const probes = (async () => {
      const r = await run(
        process.execPath,
        [join(paths.root, 'dist', 'bench', 'hostile', 'probe.js'), server.url, String(durationMs)],
        {
          timeoutMs: durationMs + 180_000,
        },
      );
      if (r.status !== 0) throw new Error(`probe.js failed: ${r.stderr.slice(-1000)}`);
      return JSON.parse(r.stdout) as {
        root: { ms: number[]; slow: Array<{ atMs: number; ms: number }>; failures: string[] };
        q1: { ms: number[]; slow: Array<{ atMs: number; ms: number }>; failures: string[] };
        probeLoopMaxMs: number;
      };
    })();
    // This process's own stalls (GC of the expected writes, the attacks' buffers): for the record.
    const clientLag = monitorEventLoopDelay({ resolution: 10 });
    clientLag.enable();
    const attackLog = new Map<string, { runs: number; unexpected: number; last: string }>();
    const expected = new Map<string, Expected>();
    const count = { acked: 0 };

    const sampler = (async () => {
      while (attacking) {
        const m = memoryOf(server.pid);
        rss.push({
          minute: Number(((Date.now() - start) / 60_000).toFixed(2)),
          rssMb: Math.round(m.rss / 2 ** 20),
          peakMb: Math.round(m.peak / 2 ** 20),
        });
        await sleep(10_000);
      }
    })();
    const attacker = (async () => {
      const list = attacks(server.url, bombQuery);
      for (let i = 0; Date.now() < deadline; i++) {
        const a = list[i % list.length]!;
        const log = attackLog.get(a.name) ?? { runs: 0, unexpected: 0, last: '' };
        attackLog.set(a.name, log);
        timeline.push({ name: a.name, fromMs: Date.now() - start });
        const r = await a.run().catch((e: Error) => ({ seen: `error ${e.message.slice(0, 80)}`, ok: false }));
        log.runs++;
        log.last = r.seen;
        if (!r.ok) log.unexpected++;
        timeline.push({ name: '(pause)', fromMs: Date.now() - start });
        await sleep(500);
      }
    })();
    let writing = true;
    const writers = Array.from({ length: Number(values.writers) }, () =>
      writer(server.url, writePfs, expected, () => writing, count),
    );
    await attacker;
    attacking = false;
    const probed = await probes;
    await sampler;
    clientLag.disable();
    rootMs.push(...probed.root.ms);
    q1Ms.push(...probed.q1.ms);
    failures.push(...probed.root.failures, ...probed.q1.failures);
    for (const [path, series] of [
      ['/', probed.root],
      ['/allocation_candidates', probed.q1],
    ] as const)
      for (const x of series.slow)
        slow.push({ path, atMin: Number((x.atMs / 60_000).toFixed(2)), ms: x.ms, attack: attackAt(x.atMs) });
    // The hardest cut available here, while the writers still write.
    process.kill(server.pid, 'SIGKILL');
    writing = false;
    await Promise.all(writers);
    await server.stop().catch(() => undefined);
    server = await startVfnet({ serverJs, db, maxOpenFiles: 1024 });
    const lost = await lostWrites(server.url, expected);

    const summary = {
      minutes: Number(values.minutes),
      hosts: Number(values.hosts),
      rss,
      rssMaxMb: Math.max(...rss.map((r) => r.rssMb)),
      peakMb: Math.max(...rss.map((r) => r.peakMb)),
      root: {
        n: rootMs.length,
        p50: percentile(rootMs, 0.5),
        p99: percentile(rootMs, 0.99),
        max: Math.max(...rootMs),
        over1s: rootMs.filter((x) => x > 1000).length,
      },
      q1: { n: q1Ms.length, p50: percentile(q1Ms, 0.5), p99: percentile(q1Ms, 0.99), max: Math.max(...q1Ms) },
      attacks: Object.fromEntries(attackLog),
      probeFailures: failures.slice(0, 20),
      probeFailureCount: failures.length,
      probeProcessLoopMaxMs: probed.probeLoopMaxMs,
      soakProcessLoopMaxMs: clientLag.max / 1e6,
      slowCount: slow.length,
      slowest: [...slow].sort((a, b) => b.ms - a.ms).slice(0, 40),
      slow,
      writesAcknowledged: count.acked,
      consumersChecked: expected.size,
      writesLost: lost,
    };
    const round = (x: number) => Number(x.toFixed(1));
    const { slow: _all, ...printed } = summary; // the full slow log goes to --json only
    console.log(JSON.stringify(printed, (_k, v) => (typeof v === 'number' ? round(v) : v), 1));
    if (values.json) writeFileSync(values.json, JSON.stringify(summary, null, 1));
  } finally {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
