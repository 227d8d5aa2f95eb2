// Hostile and huge requests against a real `vfnet serve` on loopback (issue 12): each case of
// the issue's "Why" is a test here. Huge bodies are refused before or while being read (413),
// without the process growing; deep nesting and lone surrogates are 400s of Placement's shape;
// a candidate explosion is cut at the cap; bodies are not read before authentication; slow and
// idle clients are cut off or evicted; traits come in Placement's order; a limit spreads over
// trees; and every acknowledged write survives a SIGKILL of the server. Memory bounds are on
// the server's peak RSS (VmHWM), the point of those cases; no test asserts a duration.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PlacementClient } from './support/client.js';
import { apiPaths } from './support/paths.js';
import { chunked, exchange, head, manyOnes, memoryOf, open, trickle } from './support/raw-http.js';
import { type RunningServer, startVfnet } from './support/servers.js';
import { dumpStore } from './support/store-dump.js';

const paths = apiPaths();
const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'vfnet-hostile-'));
let server: RunningServer;
let c: PlacementClient;
let port: number;

before(async () => {
  // 1 024 open files, as on many machines: idle sockets then compete with the store for them.
  server = await startVfnet({ serverJs: paths.serverJs, db: join(dir, 'main.db'), maxOpenFiles: 1024 });
  c = new PlacementClient(server.url);
  port = Number(new URL(server.url).port);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const peakMb = () => memoryOf(server.pid).peak / MB;
const detailOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).errors[0].detail as string;

async function provider(name: string, parent?: string): Promise<string> {
  const uuid = randomUUID();
  await c.ok('POST', '/resource_providers', {
    body: { name, uuid, ...(parent ? { parent_provider_uuid: parent } : {}) },
  });
  return uuid;
}

async function inventory(
  uuid: string,
  inventories: Record<string, { total: number; max_unit?: number }>,
): Promise<void> {
  const { generation } = await c.ok('GET', `/resource_providers/${uuid}`);
  await c.ok('PUT', `/resource_providers/${uuid}/inventories`, {
    body: { resource_provider_generation: generation, inventories },
  });
}

test('a 60 MB body announced by content-length is refused with 413 before it is read', async () => {
  const r = await exchange(
    port,
    head('PUT', `/resource_providers/${randomUUID()}/traits`, {
      'content-type': 'application/json',
      'content-length': 60 * MB,
    }),
  );
  assert.equal(r.status, 413);
  assert.match(detailOf(r.text), /too large/);
  assert.ok(peakMb() < 300, `peak RSS ${peakMb()} MB`);
});

test('a 60 MB chunked body of [1,1,...] is refused with 413 while it is read, the process stays small', async () => {
  const r = await exchange(
    port,
    head('PUT', `/resource_providers/${randomUUID()}/traits`, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    }),
    chunked(manyOnes(60 * MB)),
  );
  assert.equal(r.status, 413);
  assert.ok(peakMb() < 300, `peak RSS ${peakMb()} MB`);
  assert.equal((await c.request('GET', '/')).status, 200);
});

test('a 10 MB provider name is 413, a 3 MB one a 400 that echoes only an excerpt; neither is stored', async () => {
  const before = await dumpStore(c, [], []);
  const huge = await c.request('POST', '/resource_providers', { body: { name: 'x'.repeat(10 * MB) } });
  assert.equal(huge.status, 413);
  const big = await c.request('POST', '/resource_providers', { body: { name: 'x'.repeat(3 * MB) } });
  assert.equal(big.status, 400);
  assert.equal(big.json.errors[0].title, 'Bad Request');
  assert.match(big.json.errors[0].detail, /is too long/);
  assert.ok(big.text.length < 4096, `the error is ${big.text.length} bytes`);
  assert.deepEqual(await dumpStore(c, [], []), before);
});

test('a million empty objects are refused (413, too many JSON values) without growing the process', async () => {
  const body = `{"traits":[${'{},'.repeat(1_000_000)}{}]}`;
  const r = await c.request('PUT', `/resource_providers/${randomUUID()}/traits`, { body });
  assert.equal(r.status, 413);
  assert.match(r.json.errors[0].detail, /JSON values/);
  assert.ok(peakMb() < 300, `peak RSS ${peakMb()} MB`);
});

test('arrays nested 10^6 deep are a 400 "Malformed JSON", not a 500', async () => {
  const r = await c.request('POST', '/resource_providers', {
    body: `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`,
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.errors[0].title, 'Bad Request');
  assert.match(r.json.errors[0].detail, /Malformed JSON: nested deeper than 64 levels/);
});

test('a lone surrogate in a name is a 400 "Malformed JSON", and nothing is stored', async () => {
  const before = await dumpStore(c, [], []);
  const r = await c.request('POST', '/resource_providers', { body: '{"name": "x\\ud800y"}' });
  assert.equal(r.status, 400);
  assert.match(
    r.json.errors[0].detail,
    /Malformed JSON: 'utf-8' codec can't encode character '\\ud800' in position 1: surrogates not allowed/,
  );
  assert.deepEqual(await dumpStore(c, [], []), before);
  // A proper pair is a character like any other.
  const ok = await c.request('POST', '/resource_providers', { body: '{"name": "pair-\\ud83d\\ude00"}' });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.name, 'pair-\u{1F600}');
});

test('8 granular groups on 8 PFs with group_policy=none are cut at the candidate cap, the process stays bounded', async () => {
  const root = await provider('explosion-root');
  for (let i = 0; i < 8; i++)
    await inventory(await provider(`explosion-pf${i}`, root), { SRIOV_NET_VF: { total: 8, max_unit: 8 } });
  const groups = Array.from({ length: 8 }, (_, i) => `resources${i + 1}=SRIOV_NET_VF:1`).join('&');
  const r = await c.request('GET', `/allocation_candidates?group_policy=none&${groups}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.allocation_requests.length, 50_000, r.text.slice(0, 300));
  assert.ok(peakMb() < 1024, `peak RSS ${peakMb()} MB`);
  assert.equal((await c.request('GET', '/')).status, 200);
});

test('16 anonymous 60 MB uploads are refused with 401 before their bodies are read', async () => {
  const answers = await Promise.all(
    Array.from({ length: 16 }, () =>
      exchange(
        port,
        head('POST', '/resource_providers', { 'content-type': 'application/json', 'content-length': 60 * MB }, null),
      ),
    ),
  );
  for (const a of answers) assert.equal(a.status, 401);
  assert.ok(peakMb() < 1024, `peak RSS ${peakMb()} MB`);
});

test('1 100 idle sockets do not lock clients out: the oldest idle ones are closed to make room', async () => {
  const idle: Socket[] = [];
  try {
    for (let i = 0; i < 1100; i++) idle.push(await open(port).catch(() => null as unknown as Socket));
    const r = await c.request('GET', '/');
    assert.equal(r.status, 200);
  } finally {
    for (const s of idle) s?.destroy();
  }
});

test("traits of provider summaries come in the store's id order: standard first, custom by creation", async () => {
  const p = await provider('traits-order');
  await inventory(p, { VCPU: { total: 4 } });
  for (const t of ['CUSTOM_ZZ_FIRST', 'CUSTOM_AA_SECOND'])
    assert.equal((await c.request('PUT', `/traits/${t}`)).status, 201);
  const { generation: g } = await c.ok('GET', `/resource_providers/${p}`);
  await c.ok('PUT', `/resource_providers/${p}/traits`, {
    body: { resource_provider_generation: g, traits: ['CUSTOM_AA_SECOND', 'HW_CPU_X86_AVX', 'CUSTOM_ZZ_FIRST'] },
  });
  const r = await c.ok('GET', `/allocation_candidates?resources=VCPU:1&in_tree=${p}`);
  assert.deepEqual(r.provider_summaries[p].traits, ['HW_CPU_X86_AVX', 'CUSTOM_ZZ_FIRST', 'CUSTOM_AA_SECOND']);
});

test('limit=N spreads the candidates over N trees before a second one of any tree (breadth-first)', async () => {
  const rc = `CUSTOM_SPREAD_${randomUUID().slice(0, 8).toUpperCase()}`;
  assert.equal((await c.request('PUT', `/resource_classes/${rc}`)).status, 201);
  for (let h = 0; h < 12; h++) {
    const root = await provider(`spread-${rc}-${h}`);
    for (let k = 0; k < 2; k++)
      await inventory(await provider(`spread-${rc}-${h}-pf${k}`, root), { [rc]: { total: 4 } });
  }
  const trees = (r: any) =>
    new Set(
      r.allocation_requests.map((a: any) => r.provider_summaries[Object.keys(a.allocations)[0]!].root_provider_uuid),
    ).size;
  assert.equal((await c.ok('GET', `/allocation_candidates?resources=${rc}:1`)).allocation_requests.length, 24);
  const limited = await c.ok('GET', `/allocation_candidates?resources=${rc}:1&limit=12`);
  assert.equal(limited.allocation_requests.length, 12);
  assert.equal(trees(limited), 12);
});

test('every acknowledged write survives a SIGKILL of the server in the middle of a stream of writes', async () => {
  const db = join(dir, 'durable.db');
  let s = await startVfnet({ serverJs: paths.serverJs, db });
  const acked: string[] = [];
  const writers = Array.from({ length: 8 }, async (_, w) => {
    const wc = new PlacementClient(s.url);
    for (let i = 0; i < 10_000; i++) {
      const uuid = randomUUID();
      try {
        const r = await wc.request('POST', '/resource_providers', { body: { name: `durable-${w}-${i}`, uuid } });
        if (r.status === 200) acked.push(uuid);
      } catch {
        return; // the server is gone
      }
    }
  });
  while (acked.length < 200) await new Promise((r) => setTimeout(r, 10));
  process.kill(s.pid, 'SIGKILL');
  await Promise.all(writers);
  s = await startVfnet({ serverJs: paths.serverJs, db });
  try {
    const after = new PlacementClient(s.url);
    const stored = new Set((await after.ok('GET', '/resource_providers')).resource_providers.map((p: any) => p.uuid));
    const lost = acked.filter((u) => !stored.has(u));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged writes lost`);
  } finally {
    await s.stop();
  }
});

test('slow clients are cut off: headers one byte at a time get 408 within the headers timeout', async () => {
  const slow = await startVfnet({
    serverJs: paths.serverJs,
    db: join(dir, 'slow.db'),
    extraArgs: ['--headers-timeout-ms', '1000', '--request-timeout-ms', '2000'],
  });
  try {
    const p = Number(new URL(slow.url).port);
    const r = await trickle(p, head('GET', '/resource_providers'), 200, 20_000);
    assert.ok(r.closed, 'the connection was closed');
    assert.equal(r.status, 408);
    // A body trickled after complete headers is cut off by the request timeout.
    const body = await exchange(
      p,
      head('POST', '/resource_providers', { 'content-type': 'application/json', 'content-length': 100 }),
      [],
      { timeoutMs: 20_000 },
    );
    assert.ok(body.closed);
    assert.equal(body.status, 408);
  } finally {
    await slow.stop();
  }
});

test('limit flags are checked when the server starts: a bad value stops it', async () => {
  const started = startVfnet({
    serverJs: paths.serverJs,
    db: join(dir, 'bad.db'),
    extraArgs: ['--max-allocation-candidates', 'lots'],
  });
  await assert.rejects(
    started.then(async (s) => {
      await s.stop();
      return s;
    }),
    /must be a whole number/,
  );
});
