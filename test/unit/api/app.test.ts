// The HTTP layer through fastify's inject: negotiation, auth, errors, and can_split end to end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPlacementApp } from '../../../src/api/app.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../../src/placement/standard-names.js';
import { openStore } from '../../../src/store/open.js';

describe('placement app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-api-'));
  let app: ReturnType<typeof createPlacementApp>;
  let close: () => Promise<void>;
  const headers = (v = 'latest') => ({
    'x-auth-token': 'admin',
    'openstack-api-version': `placement ${v}`,
    'content-type': 'application/json',
  });

  before(async () => {
    const store = await openStore(join(dir, 'db.sqlite'));
    await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
    app = createPlacementApp({ store, logger: false });
    close = async () => {
      await app.close();
      await store.close();
    };
  });
  after(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates microversions like Placement', async () => {
    const ok = await app.inject({ method: 'GET', url: '/', headers: { 'openstack-api-version': 'placement latest' } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['openstack-api-version'], 'placement 1.39');
    assert.equal(ok.headers.vary, 'openstack-api-version');
    const tooNew = await app.inject({
      method: 'GET',
      url: '/',
      headers: { 'openstack-api-version': 'placement 1.40' },
    });
    assert.equal(tooNew.statusCode, 406);
    assert.equal(tooNew.json().errors[0].max_version, '1.39');
    const bad = await app.inject({
      method: 'GET',
      url: '/',
      headers: { 'openstack-api-version': 'placement pony.horse' },
    });
    assert.equal(bad.statusCode, 400);
  });

  it('wants a token off the root, and gates routes by version', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/resource_providers' })).statusCode, 401);
    const old = await app.inject({
      method: 'GET',
      url: '/allocation_candidates?resources=VCPU:1',
      headers: headers('1.9'),
    });
    assert.equal(old.statusCode, 404);
    const wrong = await app.inject({ method: 'DELETE', url: '/resource_providers', headers: headers() });
    assert.equal(wrong.statusCode, 405);
    assert.match(String(wrong.headers.allow), /GET, POST/);
  });

  it('reports schema errors in jsonschema words with a code', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/resource_providers',
      headers: headers(),
      payload: { name: 'x', bogus: 1 },
    });
    assert.equal(r.statusCode, 400);
    const e = r.json().errors[0];
    assert.equal(e.code, 'placement.undefined_code');
    assert.match(e.detail, /Additional properties are not allowed \('bogus' was unexpected\)/);
    assert.match(e.request_id, /^req-/);
  });

  it('answers can_split only when asked, and rejects it below 1.29', async () => {
    const host = randomUUID();
    const nic = randomUUID();
    const pfs = [randomUUID(), randomUUID()];
    const post = (body: object) =>
      app.inject({ method: 'POST', url: '/resource_providers', headers: headers(), payload: body });
    await post({ uuid: host, name: 'host' });
    await post({ uuid: nic, name: 'nic', parent_provider_uuid: host });
    for (const [i, pf] of pfs.entries()) {
      await post({ uuid: pf, name: `pf${i}`, parent_provider_uuid: nic });
      const inv = await app.inject({
        method: 'PUT',
        url: `/resource_providers/${pf}/inventories`,
        headers: headers(),
        payload: { resource_provider_generation: 0, inventories: { SRIOV_NET_VF: { total: 1 } } },
      });
      assert.equal(inv.statusCode, 200);
    }
    const plain = await app.inject({
      method: 'GET',
      url: '/allocation_candidates?resources=SRIOV_NET_VF:2',
      headers: headers(),
    });
    assert.deepEqual(plain.json(), { allocation_requests: [], provider_summaries: {} });
    const split = await app.inject({
      method: 'GET',
      url: '/allocation_candidates?resources=SRIOV_NET_VF:2&can_split=SRIOV_NET_VF',
      headers: headers(),
    });
    const body = split.json();
    assert.equal(body.allocation_requests.length, 1);
    const ar = body.allocation_requests[0];
    assert.deepEqual(ar.allocations, {
      [pfs[0]!]: { resources: { SRIOV_NET_VF: 1 } },
      [pfs[1]!]: { resources: { SRIOV_NET_VF: 1 } },
    });
    assert.deepEqual([...ar.mappings['']].sort(), [...pfs].sort());
    assert.equal(Object.keys(body.provider_summaries).length, 4);
    const old = await app.inject({
      method: 'GET',
      url: '/allocation_candidates?resources=SRIOV_NET_VF:2&can_split=SRIOV_NET_VF',
      headers: headers('1.28'),
    });
    assert.equal(old.statusCode, 400);
  });
});
