// Concurrent VF claims against one or more Placement servers that share a store.
// Each client owns one consumer and loops: claim SRIOV_NET_VF:1 on a PF (PUT /allocations at
// 1.39 with consumer_generation null), read the claim back through another server, hold it
// briefly, release it under its generation, repeat. A checker polls the PF usages meanwhile.
// Every invariant violation is collected as a message instead of thrown, so one run reports
// all of them.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlacementClient, type Reply } from './client.js';

export interface Pool {
  /** PF uuid -> its SRIOV_NET_VF total */
  pfs: Record<string, number>;
}

export interface LoadResult {
  durationS: number;
  claims: number;
  releases: number;
  conflicts: { capacity: number; concurrentUpdate: number };
  claimLatencyMsP50: number;
  claimLatencyMsP90: number;
  maxHeldSeen: number;
  maxUsageSeen: number;
  usagePolls: number;
  finalHolders: number;
  violations: string[];
}

const PROJECT = 'c0cc0000-0000-4000-8000-0000000000f1';

export async function seedPool(c: PlacementClient, vfsPerPf: number, pfCount: number): Promise<Pool> {
  const root = randomUUID();
  await c.ok('POST', '/resource_providers', { body: { name: 'load-host', uuid: root } });
  const pfs: Record<string, number> = {};
  for (let i = 0; i < pfCount; i++) {
    const pf = randomUUID();
    await c.ok('POST', '/resource_providers', {
      body: { name: `load-host_pf${i}`, uuid: pf, parent_provider_uuid: root },
    });
    await c.ok('PUT', `/resource_providers/${pf}/inventories`, {
      body: { resource_provider_generation: 0, inventories: { SRIOV_NET_VF: { total: vfsPerPf, max_unit: vfsPerPf } } },
    });
    pfs[pf] = vfsPerPf;
  }
  return { pfs };
}

const claimBody = (pf: string | null, generation: number | null) => ({
  allocations: pf ? { [pf]: { resources: { SRIOV_NET_VF: 1 } } } : {},
  consumer_generation: generation,
  project_id: PROJECT,
  user_id: PROJECT,
  consumer_type: 'INSTANCE',
});

type Outcome = 'claimed' | 'capacity' | 'concurrent';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))]!;
}

export interface LoadOptions {
  urls: string[];
  pool: Pool;
  clients: number;
  durationMs: number;
}

export async function runClaimLoad(opts: LoadOptions): Promise<LoadResult> {
  const capacity = Object.values(opts.pool.pfs).reduce((s, n) => s + n, 0);
  const pfs = Object.keys(opts.pool.pfs);
  const servers = opts.urls.map((u) => new PlacementClient(u, '1.39'));
  const violations: string[] = [];
  const latencies: number[] = [];
  const conflicts = { capacity: 0, concurrentUpdate: 0 };
  let claims = 0;
  let releases = 0;
  let held = 0;
  let maxHeldSeen = 0;
  let maxUsageSeen = 0;
  let usagePolls = 0;
  const violate = (msg: string) => {
    if (violations.length < 50) violations.push(msg);
  };

  /** Classifies a claim answer; any answer Placement would not give is a violation. */
  function outcome(r: Reply, what: string): Outcome | undefined {
    if (r.status === 204 || r.status === 200) return 'claimed';
    if (r.status === 409) {
      const e = r.json?.errors?.[0];
      if (e?.code === 'placement.concurrent_update') return 'concurrent';
      if (/would exceed the capacity/.test(String(e?.detail))) return 'capacity';
      violate(`${what}: 409 that is neither placement.concurrent_update nor a capacity error: ${r.text.slice(0, 300)}`);
      return undefined;
    }
    violate(`${what}: unexpected ${r.status} ${r.text.slice(0, 300)}`);
    return undefined;
  }

  async function claim(
    writer: PlacementClient,
    reader: PlacementClient,
    consumer: string,
    pf: string,
  ): Promise<Outcome | undefined> {
    const t0 = performance.now();
    const r = await writer.request('PUT', `/allocations/${consumer}`, { body: claimBody(pf, null) });
    latencies.push(performance.now() - t0);
    const o = outcome(r, `claim ${consumer}`);
    if (o === 'capacity') conflicts.capacity++;
    if (o === 'concurrent') conflicts.concurrentUpdate++;
    if (o !== 'claimed') return o;
    claims++;
    held++;
    maxHeldSeen = Math.max(maxHeldSeen, held);
    if (held > capacity) violate(`${held} clients hold a VF at once; capacity is ${capacity}`);
    // The claim must be visible at once through another server process.
    const back = await reader.request('GET', `/allocations/${consumer}`);
    const amount = back.json?.allocations?.[pf]?.resources?.SRIOV_NET_VF;
    if (back.status !== 200 || amount !== 1 || back.json?.consumer_generation !== 1) {
      violate(
        `claim of ${consumer} on ${pf} not visible through another server: ${back.status} ${back.text.slice(0, 300)}`,
      );
    }
    return o;
  }

  async function release(writer: PlacementClient, consumer: string): Promise<void> {
    held--;
    const r = await writer.request('PUT', `/allocations/${consumer}`, { body: claimBody(null, 1) });
    if (r.status !== 204) violate(`release of ${consumer}: ${r.status} ${r.text.slice(0, 300)}`);
    else releases++;
  }

  const deadline = Date.now() + opts.durationMs;
  let running = true;

  async function client(i: number): Promise<void> {
    const consumer = randomUUID();
    const writer = servers[i % servers.length]!;
    const reader = servers[(i + 1) % servers.length]!;
    while (Date.now() < deadline) {
      const pf = pfs[Math.floor(Math.random() * pfs.length)]!;
      const o = await claim(writer, reader, consumer, pf);
      if (o === 'claimed') {
        await sleep(Math.random() * 5);
        await release(writer, consumer);
      } else {
        // A full pool: back off as a scheduler would, so the holders' own requests (read-back,
        // release) are not queued behind a flood of doomed claims.
        await sleep(5 + Math.random() * 20);
      }
    }
  }

  async function checker(): Promise<void> {
    let k = 0;
    while (running) {
      const c = servers[k++ % servers.length]!;
      const usages = await Promise.all(pfs.map((pf) => c.request('GET', `/resource_providers/${pf}/usages`)));
      let sum = 0;
      usages.forEach((u, j) => {
        const used = Number(u.json?.usages?.SRIOV_NET_VF ?? 0);
        if (u.status !== 200) violate(`usages of ${pfs[j]}: ${u.status}`);
        if (used > opts.pool.pfs[pfs[j]!]!) violate(`PF ${pfs[j]} used ${used} of ${opts.pool.pfs[pfs[j]!]}`);
        sum += used;
      });
      usagePolls++;
      maxUsageSeen = Math.max(maxUsageSeen, sum);
      if (sum > capacity) violate(`usage ${sum} exceeds capacity ${capacity}`);
      await sleep(10);
    }
  }

  const started = performance.now();
  const check = checker();
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
  } finally {
    // also when a client throws (a server died): the checker must not poll forever
    running = false;
  }
  const durationS = (performance.now() - started) / 1000;
  await check;
  const timedClaims = claims;

  // Final round: everyone claims and keeps; exactly `capacity` must succeed, and the
  // providers' allocations must then list exactly those consumers, on every server.
  const holders = new Map<string, string>();
  await Promise.all(
    Array.from({ length: opts.clients }, async (_, i) => {
      const consumer = randomUUID();
      const writer = servers[i % servers.length]!;
      const reader = servers[(i + 1) % servers.length]!;
      for (let attempt = 0; attempt < 200; attempt++) {
        const pf = pfs[(i + attempt) % pfs.length]!;
        const o = await claim(writer, reader, consumer, pf);
        if (o === 'claimed') {
          holders.set(consumer, pf);
          return;
        }
        if (o === undefined) return;
        // full everywhere? then this client is one of those left without a VF
        if (o === 'capacity' && attempt >= pfs.length && holders.size >= capacity) return;
        await sleep(1);
      }
    }),
  );
  if (holders.size !== Math.min(capacity, opts.clients)) {
    violate(`final round: ${holders.size} consumers hold a VF, expected ${Math.min(capacity, opts.clients)}`);
  }
  for (const s of servers) {
    const seen = new Map<string, string>();
    for (const pf of pfs) {
      const r = await s.request('GET', `/resource_providers/${pf}/allocations`);
      for (const consumer of Object.keys(r.json?.allocations ?? {})) seen.set(consumer, pf);
    }
    const want = [...holders.entries()].sort();
    const got = [...seen.entries()].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      violate(
        `final allocations through ${s.url} differ from the successful claims: ${got.length} listed, ${want.length} claimed`,
      );
    }
  }

  latencies.sort((a, b) => a - b);
  return {
    durationS,
    claims: timedClaims,
    releases,
    conflicts,
    claimLatencyMsP50: percentile(latencies, 0.5),
    claimLatencyMsP90: percentile(latencies, 0.9),
    maxHeldSeen,
    maxUsageSeen,
    usagePolls,
    finalHolders: holders.size,
    violations,
  };
}
