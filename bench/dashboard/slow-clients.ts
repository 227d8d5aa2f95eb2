// What pages that never read their event stream cost the server (design: "slow clients do not
// grow memory"). One process: a Placement app with the dashboard on a SQLite store of HOSTS
// hosts, CLIENTS raw sockets that ask for /dashboard/api/events and then never read, and WRITES
// store writes, each a new state for every stream. Printed: the frame size, the frames the feed
// rendered, and the server's memory before and after, beside a run with one reading client.
//   node dist/bench/dashboard/slow-clients.js [CLIENTS=30] [WRITES=300] [HOSTS=200]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPlacementApp } from '../../src/api/app.js';
import { dashboardExtension } from '../../src/dashboard/routes.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../src/placement/standard-names.js';
import { openStore } from '../../src/store/open.js';

const [clients = 30, writes = 300, hosts = 200] = process.argv.slice(2).map(Number);

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
function memory(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

async function run(slow: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-bench-dash-'));
  const store = await openStore(join(dir, 'db.sqlite'));
  await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
  const roots: string[] = [];
  for (let i = 0; i < hosts; i++) {
    const uuid = randomUUID();
    roots.push(uuid);
    await store.createProvider({ uuid, name: `host-${i}`, parentUuid: null });
  }
  const ext = dashboardExtension({ pollMs: 20, maxClients: clients + 1, script: '' });
  const app = createPlacementApp({ store, logger: false, extensions: [ext] });
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
  const sockets: Socket[] = [];
  let read = 0;
  const n = slow ? clients : 1;
  for (let i = 0; i < n; i++) {
    const s = connect(Number(url.port), '127.0.0.1');
    s.write(`GET /dashboard/api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nx-auth-token: admin\r\n\r\n`);
    if (slow) s.pause();
    else s.on('data', (b: Buffer) => (read += b.length));
    sockets.push(s);
  }
  await sleep(500);
  const before = memory();
  let peak = before;
  const frame = JSON.stringify(
    await (await fetch(`${url.origin}/dashboard/api/state`, { headers: { 'x-auth-token': 'admin' } })).json(),
  ).length;
  for (let i = 0; i < writes; i++) {
    await store.createProvider({ uuid: randomUUID(), name: `child-${i}`, parentUuid: roots[i % hosts]! });
    await sleep(25);
    if (i % 50 === 0) peak = Math.max(peak, memory());
  }
  await sleep(500);
  const after = memory();
  peak = Math.max(peak, after);
  for (const s of sockets) s.destroy();
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { n, frame, before, after, peak, read };
}

const reading = await run(false);
const slow = await run(true);
for (const [label, r] of [
  ['1 reading client', reading],
  [`${clients} clients that never read`, slow],
] as const) {
  console.log(
    `${label}: state frame ${(r.frame / 1024).toFixed(0)} KiB at start, ${writes} writes; server memory ${mib(r.before)} -> ${mib(r.after)} (peak ${mib(r.peak)}, growth ${mib(r.peak - r.before)})${r.read ? `; read ${mib(r.read)}` : ''}`,
  );
}
console.log(
  `unbounded buffering would have queued about ${mib((slow.frame * writes * clients) / 1)} for the slow clients`,
);
