// The dashboard's routes in the Placement app on a loopback socket (noauth2, a SQLite store):
// the shell without a token, the data endpoints under the API's 401/403, and the event stream
// over real HTTP: the first state at once, a store write as a new state, heartbeats, the cap on
// streams (Placement's 503 body), and a slot freed when a page goes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPlacementApp } from '../../../src/api/app.js';
import { dashboardExtension } from '../../../src/dashboard/routes.js';
import type { DashboardView } from '../../../src/dashboard/view-model.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../../src/placement/standard-names.js';
import { openStore } from '../../../src/store/open.js';
import type { SqlStore } from '../../../src/store/sql-store.js';

const ADMIN = { 'x-auth-token': 'admin', 'openstack-api-version': 'placement 1.39' };

/** Reads an event stream's frames as they come. */
class Stream {
  private buf = '';
  readonly frames: string[] = [];
  private constructor(
    readonly res: Response,
    private readonly abort: AbortController,
  ) {
    void this.pump();
  }
  static async open(url: string, headers: Record<string, string>): Promise<Stream> {
    const abort = new AbortController();
    const res = await fetch(url, { headers, signal: abort.signal });
    return new Stream(res, abort);
  }
  private async pump() {
    if (!this.res.ok || !this.res.body) return;
    const dec = new TextDecoder();
    try {
      for await (const chunk of this.res.body) {
        this.buf += dec.decode(chunk as Uint8Array, { stream: true });
        let end = this.buf.indexOf('\n\n');
        while (end >= 0) {
          this.frames.push(this.buf.slice(0, end));
          this.buf = this.buf.slice(end + 2);
          end = this.buf.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  }
  states(): DashboardView[] {
    return this.frames
      .filter((f) => f.startsWith('event: state\n'))
      .map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as DashboardView);
  }
  async until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > ms) throw new Error(`stream: ${what} did not come within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  close() {
    this.abort.abort();
  }
}

describe('dashboard routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-dash-routes-'));
  let store: SqlStore;
  let app: ReturnType<typeof createPlacementApp>;
  let url: string;

  before(async () => {
    store = await openStore(join(dir, 'db.sqlite'));
    await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
    app = createPlacementApp({
      store,
      logger: false,
      extensions: [
        dashboardExtension({ pollMs: 20, heartbeatMs: 100, maxClients: 2, script: '/* page */', noauthToken: 'admin' }),
      ],
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the shell without a token, the data only to a caller the GET rules allow', async () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/app.js', '/dashboard/app.css']) {
      const r = await fetch(`${url}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-security-policy')!, /^default-src 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
    assert.match(await (await fetch(`${url}/dashboard`)).text(), /<meta name="vfnet-noauth-token"/, 'noauth2 default');
    const post = await fetch(`${url}/dashboard`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(post.status, 401, 'only GETs of the shell are public');
    for (const path of ['/dashboard/api/state', '/dashboard/api/events']) {
      assert.equal((await fetch(`${url}${path}`)).status, 401, `${path} without a token`);
      const r = await fetch(`${url}${path}`, { headers: { 'x-auth-token': 'alice', 'x-roles': 'reader' } });
      assert.equal(r.status, 403, `${path} for a project reader`);
      const body = (await r.json()) as { errors: { status: number; detail: string; request_id: string }[] };
      assert.equal(body.errors[0]!.status, 403);
      assert.match(body.errors[0]!.detail, /Policy does not allow placement:resource_providers:list/);
      assert.equal(r.headers.get('x-openstack-request-id'), body.errors[0]!.request_id);
    }
    const state = await fetch(`${url}/dashboard/api/state`, { headers: ADMIN });
    assert.equal(state.status, 200);
    assert.deepEqual(((await state.json()) as DashboardView).trees, []);
    assert.equal((await fetch(`${url}/dashboard/api/nothing`, { headers: ADMIN })).status, 404);
  });

  it('streams the state, each store write as a new one, heartbeats; caps the streams', async () => {
    const a = await Stream.open(`${url}/dashboard/api/events`, ADMIN);
    assert.equal(a.res.status, 200);
    assert.match(a.res.headers.get('content-type')!, /^text\/event-stream/);
    await a.until('the first state', () => a.states().length === 1);
    const uuid = randomUUID();
    await store.createProvider({ uuid, name: 'host-a', parentUuid: null });
    await a.until('the new provider', () =>
      a
        .states()
        .at(-1)!
        .trees.some((t) => t.uuid === uuid),
    );
    await a.until('a heartbeat', () => a.frames.includes(': heartbeat'));

    const b = await Stream.open(`${url}/dashboard/api/events`, ADMIN);
    assert.equal(b.res.status, 200);
    await b.until('its first state', () => b.states().length === 1);
    const c = await fetch(`${url}/dashboard/api/events`, { headers: ADMIN });
    assert.equal(c.status, 503, 'a third stream over the cap of 2');
    assert.equal(c.headers.get('retry-after'), '5');
    assert.equal(((await c.json()) as { errors: { status: number }[] }).errors[0]!.status, 503);

    b.close();
    let d: Stream | null = null;
    const t0 = Date.now();
    // The server sees the closed socket shortly after; then the slot is free again.
    while (d?.res.status !== 200) {
      d?.close();
      if (Date.now() - t0 > 5000) throw new Error('the closed stream kept its slot');
      await new Promise((r) => setTimeout(r, 20));
      d = await Stream.open(`${url}/dashboard/api/events`, ADMIN);
    }
    await d.until('its first state', () => d!.states().length === 1);
    a.close();
    d.close();
  });
});
