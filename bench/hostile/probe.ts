// The soak's latency probes, in a process of their own. The soak's main process runs the attacks
// (60 MB bodies, 1 100 sockets) and remembers every acknowledged write (a million consumers, a heap
// of about 1 GB), so its own garbage collection pauses would be timed as the server's. This process
// holds nothing but its timings: a slow answer here is the server's.
//   node dist/bench/hostile/probe.js URL DURATION_MS   → one JSON line on stdout at the end
import { monitorEventLoopDelay } from 'node:perf_hooks';

const [url, durationArg] = process.argv.slice(2);
const Q1 =
  'resources=VCPU:2,MEMORY_MB:2048&resources1=SRIOV_NET_VF:1&required1=CUSTOM_PHYSNET_PUBLIC&group_policy=isolate';
const start = Date.now();
const deadline = start + Number(durationArg);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Series {
  ms: number[];
  slow: Array<{ atMs: number; ms: number }>;
  failures: string[];
}

async function probe(path: string, everyMs: number, version: string | null): Promise<Series> {
  const out: Series = { ms: [], slow: [], failures: [] };
  const headers: Record<string, string> = { 'x-auth-token': 'admin', accept: 'application/json' };
  if (version) headers['openstack-api-version'] = `placement ${version}`;
  while (Date.now() < deadline) {
    const at = Date.now();
    const t0 = performance.now();
    let status = 0;
    let error = '';
    try {
      const r = await fetch(url + path, { headers, signal: AbortSignal.timeout(60_000) });
      await r.arrayBuffer();
      status = r.status;
    } catch (e) {
      error = `${(e as Error).message} ${((e as Error).cause as Error)?.message ?? ''}`;
    }
    const ms = performance.now() - t0;
    out.ms.push(ms);
    if (ms > 250) out.slow.push({ atMs: at - start, ms: Math.round(ms) });
    if (status !== 200) out.failures.push(`${path.slice(0, 40)} -> ${status} ${error} at ${at - start} ms`);
    await sleep(everyMs);
  }
  return out;
}

// This process's own stalls, to show the probes were not delayed here.
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const [root, q1] = await Promise.all([probe('/', 200, null), probe(`/allocation_candidates?${Q1}`, 1000, '1.36')]);
lag.disable();
process.stdout.write(`${JSON.stringify({ root, q1, probeLoopMaxMs: lag.max / 1e6 })}\n`);
