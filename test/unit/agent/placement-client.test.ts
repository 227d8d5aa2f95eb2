import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpPlacementClient, PlacementError } from '../../../src/agent/placement-client.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a table and records what it was asked. */
function fakeFetch(
  answer: (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> },
  seen: Seen[] = [],
): typeof fetch {
  return (async (url: string | URL, init?: RequestInit) => {
    const req: Seen = {
      method: init?.method ?? 'GET',
      url: String(url),
      headers: Object.fromEntries(
        Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(req);
    const a = answer(req);
    const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    return new Response(a.status === 204 ? null : text, { status: a.status, headers: a.headers ?? {} });
  }) as typeof fetch;
}

const RP = {
  uuid: 'a8edabdb-7110-51e0-a9ed-90046249453b',
  name: 'h',
  generation: 3,
  parent_provider_uuid: null,
  root_provider_uuid: 'a8edabdb-7110-51e0-a9ed-90046249453b',
};

describe('placement client', () => {
  it('sends microversion 1.39 and the token, and JSON bodies', async () => {
    const seen: Seen[] = [];
    const c = new HttpPlacementClient('http://p:8778/', {
      token: 'tok',
      fetch: fakeFetch(() => ({ status: 200, body: RP }), seen),
    });
    await c.createProvider({ uuid: RP.uuid, name: 'h_nic', parentUuid: 'b8edabdb-7110-51e0-a9ed-90046249453b' });
    const r = seen[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, 'http://p:8778/resource_providers');
    assert.equal(r.headers['openstack-api-version'], 'placement 1.39');
    assert.equal(r.headers['x-auth-token'], 'tok');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.body, {
      uuid: RP.uuid,
      name: 'h_nic',
      parent_provider_uuid: 'b8edabdb-7110-51e0-a9ed-90046249453b',
    });
  });

  it('answers null for an unknown provider, and the record for a known one', async () => {
    const c = new HttpPlacementClient('http://p', {
      fetch: fakeFetch((r) =>
        r.url.endsWith(RP.uuid)
          ? { status: 200, body: RP }
          : {
              status: 404,
              body: { errors: [{ status: 404, title: 'Not Found', detail: 'x', code: 'placement.undefined_code' }] },
            },
      ),
    });
    assert.equal(await c.getProvider('00000000-0000-4000-8000-000000000000'), null);
    assert.deepEqual(await c.getProvider(RP.uuid), RP);
  });

  it('sends the generation with inventories and traits, and reads the new one', async () => {
    const seen: Seen[] = [];
    const c = new HttpPlacementClient('http://p', {
      fetch: fakeFetch(
        (r) => ({
          status: 200,
          body: {
            resource_provider_generation: 4,
            ...(r.url.endsWith('/traits') ? { traits: ['B', 'A'] } : { inventories: {} }),
          },
        }),
        seen,
      ),
    });
    assert.deepEqual(await c.putInventories(RP.uuid, 3, {}), { generation: 4, inventories: {} });
    assert.deepEqual(await c.putTraits(RP.uuid, 3, ['A', 'B']), { generation: 4, traits: ['A', 'B'] });
    assert.deepEqual(
      seen.map((s) => [s.method, s.url, s.body]),
      [
        [
          'PUT',
          `http://p/resource_providers/${RP.uuid}/inventories`,
          { resource_provider_generation: 3, inventories: {} },
        ],
        [
          'PUT',
          `http://p/resource_providers/${RP.uuid}/traits`,
          { resource_provider_generation: 3, traits: ['A', 'B'] },
        ],
      ],
    );
  });

  it('tells a created trait from an existing one', async () => {
    let n = 0;
    const c = new HttpPlacementClient('http://p', { fetch: fakeFetch(() => ({ status: n++ === 0 ? 201 : 204 })) });
    assert.equal(await c.ensureTrait('CUSTOM_X'), 'created');
    assert.equal(await c.ensureTrait('CUSTOM_X'), 'exists');
  });

  it('asks for several traits in one request', async () => {
    const seen: Seen[] = [];
    const c = new HttpPlacementClient('http://p', {
      fetch: fakeFetch(() => ({ status: 200, body: { traits: ['CUSTOM_A'] } }), seen),
    });
    assert.deepEqual(await c.existingTraits(['CUSTOM_A', 'CUSTOM_B']), new Set(['CUSTOM_A']));
    assert.equal(seen[0]!.url, 'http://p/traits?name=in:CUSTOM_A,CUSTOM_B');
    assert.deepEqual(await c.existingTraits([]), new Set());
    assert.equal(seen.length, 1);
  });

  it("carries Placement's error code, without webob's first paragraph", async () => {
    const detail =
      'There was a conflict when trying to complete your request.\n\n resource provider generation conflict  ';
    const c = new HttpPlacementClient('http://p', {
      fetch: fakeFetch(() => ({
        status: 409,
        body: {
          errors: [
            { status: 409, title: 'Conflict', detail, code: 'placement.concurrent_update', request_id: 'req-1' },
          ],
        },
      })),
    });
    await assert.rejects(c.putTraits(RP.uuid, 1, []), (e: unknown) => {
      assert.ok(e instanceof PlacementError);
      assert.equal(e.status, 409);
      assert.equal(e.code, 'placement.concurrent_update');
      assert.equal(e.detail, 'resource provider generation conflict');
      assert.equal(e.requestId, 'req-1');
      assert.ok(e.is(409, 'placement.concurrent_update'));
      assert.match(
        e.message,
        /^PUT \/resource_providers\/.*\/traits: 409 Conflict: resource provider generation conflict \(placement.concurrent_update\)$/,
      );
      return true;
    });
  });

  it("reads the auth layer's 401 body too", async () => {
    const c = new HttpPlacementClient('http://p', {
      fetch: fakeFetch(() => ({
        status: 401,
        body: {
          message: 'This server could not verify that you are authorized',
          code: '401 Unauthorized',
          title: 'Unauthorized',
        },
      })),
    });
    await assert.rejects(
      c.getUsages(RP.uuid),
      (e: unknown) => e instanceof PlacementError && e.status === 401 && /could not verify/.test(e.detail),
    );
  });

  it('reports an unreachable service with its own code', async () => {
    const c = new HttpPlacementClient('http://127.0.0.1:9', {
      fetch: (async () => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      }) as typeof fetch,
    });
    await assert.rejects(
      c.listTree(RP.uuid),
      (e: unknown) =>
        e instanceof PlacementError &&
        e.status === 0 &&
        e.code === 'vfnet.agent.unreachable' &&
        /ECONNREFUSED/.test(e.message),
    );
  });
});
