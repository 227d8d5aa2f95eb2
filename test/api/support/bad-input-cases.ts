// The requests of the bad-input suite: each is something a client should not send, and none may
// change the store. They run against a store built by `seed` (fixed UUIDs, fixed order, so
// generations and error texts are the same on every server and every run).
import type { PlacementClient, RequestOptions } from './client.js';

export const ROOT = 'bad1a9e7-0000-4000-8000-000000000001';
export const PF = 'bad1a9e7-0000-4000-8000-000000000002';
export const AGG = 'bad1a9e7-0000-4000-8000-0000000000a1';
export const CONSUMER = 'bad1a9e7-0000-4000-8000-0000000000c1';
export const PROJECT = 'bad1a9e7-0000-4000-8000-0000000000f1';
/**
 * A consumer of its own for each allocation case: Placement 8.0.0 keeps the consumer record of a
 * refused allocation (a later `consumer_generation: null` write for it is then a 409), and the
 * cases must not depend on each other.
 */
const fresh = (n: number) => `bad1a9e7-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;

export interface BadInputCase {
  name: string;
  method: string;
  path: string;
  opts?: RequestOptions;
  /**
   * How much of the error detail must equal Placement's (status, title and code always must):
   *  full    the whole message (default);
   *  prefix  the message up to its first ': ' - the rest is Python's own wording (json decoder
   *          errors, int() errors) that no other implementation can be asked to reproduce;
   *  status  none of it - Python reads this input differently from JSON (NaN, 1e400 overflow)
   *          or decodes the path as latin-1, so only the refusal itself is comparable.
   */
  detail?: 'full' | 'prefix' | 'status';
}

/** Builds the store the cases run against: a host and one PF with inventory, a trait, an aggregate, an allocation. */
export async function seed(c: PlacementClient): Promise<void> {
  await c.ok('POST', '/resource_providers', { body: { name: 'bad-input-host', uuid: ROOT } });
  await c.ok('POST', '/resource_providers', {
    body: { name: 'bad-input-host_pf0', uuid: PF, parent_provider_uuid: ROOT },
  });
  await c.ok('PUT', `/resource_providers/${ROOT}/inventories`, {
    body: { resource_provider_generation: 0, inventories: { VCPU: { total: 4 } } },
  });
  await c.ok('PUT', `/resource_providers/${PF}/inventories`, {
    body: { resource_provider_generation: 0, inventories: { SRIOV_NET_VF: { total: 8, max_unit: 8 } } },
  });
  await c.ok('PUT', '/traits/CUSTOM_PHYSNET_PUBLIC');
  await c.ok('PUT', `/resource_providers/${PF}/traits`, {
    body: { resource_provider_generation: 1, traits: ['CUSTOM_PHYSNET_PUBLIC', 'HW_NIC_SRIOV'] },
  });
  await c.ok('PUT', `/resource_providers/${PF}/aggregates`, {
    body: { resource_provider_generation: 2, aggregates: [AGG] },
  });
  await c.ok('PUT', '/resource_classes/CUSTOM_BAD_INPUT');
  await c.ok('PUT', `/allocations/${CONSUMER}`, {
    body: {
      allocations: { [PF]: { resources: { SRIOV_NET_VF: 1 } } },
      consumer_generation: null,
      project_id: PROJECT,
      user_id: PROJECT,
      consumer_type: 'INSTANCE',
    },
  });
}

/** After `seed`: PF generation 4 (inventory, traits, aggregates, allocation). */
const PF_GEN = 4;
const inv = (extra: Record<string, unknown>) => ({
  resource_provider_generation: PF_GEN,
  inventories: { SRIOV_NET_VF: { total: 8, max_unit: 8, ...extra } },
});
const alloc = (resources: unknown, extra: Record<string, unknown> = {}) => ({
  allocations: { [PF]: { resources } },
  consumer_generation: null,
  project_id: PROJECT,
  user_id: PROJECT,
  consumer_type: 'INSTANCE',
  ...extra,
});

export const CASES: BadInputCase[] = [
  // malformed JSON and content types
  {
    name: 'malformed JSON: truncated object',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: '{"name": "x",' },
    detail: 'prefix',
  },
  {
    name: 'malformed JSON: not JSON at all',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: { body: 'total=9' },
    detail: 'prefix',
  },
  {
    name: 'malformed JSON: empty body',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: '' },
    detail: 'prefix',
  },
  { name: 'malformed JSON: a bare array', method: 'PUT', path: `/allocations/${fresh(1)}`, opts: { body: '[]' } },
  {
    name: 'malformed JSON: NaN',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories/SRIOV_NET_VF`,
    opts: { body: `{"resource_provider_generation": ${PF_GEN}, "total": NaN}` },
    detail: 'status',
  },
  {
    name: 'malformed JSON: invalid UTF-8',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
    detail: 'prefix',
  },
  {
    name: 'content type text/plain',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: '{"name": "x"}', headers: { 'content-type': 'text/plain' } },
  },
  // unknown fields
  {
    name: 'unknown field in a provider',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: { name: 'x', colour: 'red' } },
  },
  {
    name: 'unknown field in an inventory',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: { body: inv({ bogus: 1 }) },
  },
  {
    name: 'unknown field in an allocation',
    method: 'PUT',
    path: `/allocations/${fresh(2)}`,
    opts: { body: alloc({ SRIOV_NET_VF: 1 }, { priority: 'high' }) },
  },
  { name: 'unknown query parameter', method: 'GET', path: '/resource_providers?colour=red' },
  {
    name: 'unknown allocation candidates parameter',
    method: 'GET',
    path: '/allocation_candidates?resources=SRIOV_NET_VF:1&colour=red',
  },
  // wrong types
  {
    name: 'wrong type: generation as a string',
    method: 'PUT',
    path: `/resource_providers/${PF}/traits`,
    opts: { body: { resource_provider_generation: String(PF_GEN), traits: [] } },
  },
  {
    name: 'wrong type: total as a string',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: { body: inv({ total: '8' }) },
  },
  { name: 'wrong type: name as a number', method: 'POST', path: '/resource_providers', opts: { body: { name: 123 } } },
  {
    name: 'wrong type: traits as a string',
    method: 'PUT',
    path: `/resource_providers/${PF}/traits`,
    opts: { body: { resource_provider_generation: PF_GEN, traits: 'HW_NIC_SRIOV' } },
  },
  {
    name: 'wrong type: allocation amount as a float',
    method: 'PUT',
    path: `/allocations/${fresh(3)}`,
    opts: { body: alloc({ SRIOV_NET_VF: 1.5 }) },
  },
  {
    name: 'wrong type: aggregates as objects',
    method: 'PUT',
    path: `/resource_providers/${PF}/aggregates`,
    opts: { body: { resource_provider_generation: PF_GEN, aggregates: [{ uuid: AGG }] } },
  },
  // numbers out of range
  {
    name: 'huge number: total 2^31',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: { body: inv({ total: 2 ** 31 }) },
  },
  {
    name: 'huge number: total beyond int64',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: {
      body: `{"resource_provider_generation": ${PF_GEN}, "inventories": {"SRIOV_NET_VF": {"total": 99999999999999999999999}}}`,
    },
    // Python echoes the integer exactly; beyond 2^53 JSON numbers are implementation-defined (RFC 8259 §6)
    detail: 'prefix',
  },
  {
    name: 'huge number: allocation ratio 1e400',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: {
      body: `{"resource_provider_generation": ${PF_GEN}, "inventories": {"SRIOV_NET_VF": {"total": 8, "allocation_ratio": 1e400}}}`,
    },
    detail: 'status',
  },
  {
    name: 'negative total',
    method: 'PUT',
    path: `/resource_providers/${PF}/inventories`,
    opts: { body: inv({ total: -1 }) },
  },
  {
    name: 'zero allocation amount',
    method: 'PUT',
    path: `/allocations/${fresh(4)}`,
    opts: { body: alloc({ SRIOV_NET_VF: 0 }) },
  },
  {
    name: 'huge allocation amount',
    method: 'PUT',
    path: `/allocations/${fresh(5)}`,
    opts: { body: alloc({ SRIOV_NET_VF: 2 ** 31 }) },
  },
  {
    name: 'huge generation',
    method: 'PUT',
    path: `/resource_providers/${PF}/traits`,
    opts: { body: { resource_provider_generation: 2 ** 53, traits: [] } },
  },
  { name: 'candidates: negative amount', method: 'GET', path: '/allocation_candidates?resources=SRIOV_NET_VF:-1' },
  {
    name: 'candidates: huge amount',
    method: 'GET',
    path: '/allocation_candidates?resources=SRIOV_NET_VF:99999999999999999999',
  },
  { name: 'candidates: limit 0', method: 'GET', path: '/allocation_candidates?resources=SRIOV_NET_VF:1&limit=0' },
  {
    name: 'candidates: limit not a number',
    method: 'GET',
    path: '/allocation_candidates?resources=SRIOV_NET_VF:1&limit=ten',
  },
  // bad UUIDs
  { name: 'bad UUID in a provider path', method: 'GET', path: '/resource_providers/not-a-uuid' },
  {
    name: 'bad UUID in a new provider',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: { name: 'x', uuid: 'not-a-uuid' } },
  },
  {
    name: 'bad UUID as parent',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: { name: 'x', parent_provider_uuid: 'bad1a9e7-0000-4000-8000' } },
  },
  { name: 'bad UUID in a query', method: 'GET', path: '/resource_providers?uuid=not-a-uuid' },
  { name: 'bad UUID in in_tree', method: 'GET', path: '/allocation_candidates?resources=SRIOV_NET_VF:1&in_tree=xyz' },
  { name: 'bad UUID in member_of', method: 'GET', path: '/resource_providers?member_of=in:xyz' },
  {
    name: 'bad UUID as a consumer',
    method: 'PUT',
    path: '/allocations/not-a-uuid',
    opts: { body: alloc({ SRIOV_NET_VF: 1 }) },
  },
  {
    name: 'bad UUID as an allocation provider',
    method: 'PUT',
    path: `/allocations/${fresh(6)}`,
    opts: { body: { ...alloc({}), allocations: { 'not-a-uuid': { resources: { SRIOV_NET_VF: 1 } } } } },
  },
  {
    name: 'unknown provider in an allocation',
    method: 'PUT',
    path: `/allocations/${fresh(7)}`,
    opts: {
      body: {
        ...alloc({}),
        allocations: { 'bad1a9e7-0000-4000-8000-0000000000ff': { resources: { SRIOV_NET_VF: 1 } } },
      },
    },
  },
  // microversions
  { name: 'microversion 1.99', method: 'GET', path: '/resource_providers', opts: { version: '1.99' } },
  { name: 'microversion 2.0', method: 'GET', path: '/resource_providers', opts: { version: '2.0' } },
  { name: 'microversion 1.a', method: 'GET', path: '/resource_providers', opts: { version: '1.a' }, detail: 'prefix' },
  { name: 'microversion with a leading zero', method: 'GET', path: '/resource_providers', opts: { version: '01.1' } },
  {
    name: 'microversion header without the service',
    method: 'GET',
    path: '/resource_providers',
    opts: { version: null, headers: { 'openstack-api-version': '1.20' } },
  },
  { name: 'a route newer than the microversion', method: 'GET', path: '/traits', opts: { version: '1.5' } },
  // unicode
  {
    name: 'unicode: provider name too long in characters',
    method: 'POST',
    path: '/resource_providers',
    opts: { body: { name: '☃'.repeat(201) } },
  },
  { name: 'unicode: trait name', method: 'PUT', path: '/traits/CUSTOM_ÜBER' },
  { name: 'unicode: resource class name', method: 'PUT', path: '/resource_classes/CUSTOM_ΔELTA', detail: 'status' },
  {
    name: 'unicode: trait in a provider trait list',
    method: 'PUT',
    path: `/resource_providers/${PF}/traits`,
    opts: { body: { resource_provider_generation: PF_GEN, traits: ['CUSTOM_ÜBER'] } },
  },
  {
    name: 'unicode: resource class in candidates',
    method: 'GET',
    path: `/allocation_candidates?resources=${encodeURIComponent('CUSTOM_Ü')}:1`,
  },
  {
    name: 'unicode: a provider name that is not there',
    method: 'GET',
    path: `/resource_providers?name=${encodeURIComponent('ホスト ☃')}`,
  },
  {
    name: 'unicode: path segment',
    method: 'GET',
    path: `/resource_providers/${encodeURIComponent('☃')}`,
    detail: 'status',
  },
  // refusals of well-formed requests that would damage the store
  {
    name: 'stale provider generation',
    method: 'PUT',
    path: `/resource_providers/${PF}/traits`,
    opts: { body: { resource_provider_generation: 1, traits: [] } },
  },
  {
    name: 'stale consumer generation',
    method: 'PUT',
    path: `/allocations/${CONSUMER}`,
    opts: { body: alloc({ SRIOV_NET_VF: 2 }, { consumer_generation: 7 }) },
  },
  {
    name: 'allocation over capacity',
    method: 'PUT',
    path: `/allocations/${fresh(8)}`,
    opts: { body: alloc({ SRIOV_NET_VF: 8 }) },
  },
  { name: 'delete a standard resource class', method: 'DELETE', path: '/resource_classes/VCPU' },
  { name: 'delete a provider with children', method: 'DELETE', path: `/resource_providers/${ROOT}` },
  { name: 'delete in-use inventory', method: 'DELETE', path: `/resource_providers/${PF}/inventories/SRIOV_NET_VF` },
  { name: 'method not allowed', method: 'PATCH', path: '/resource_providers', opts: { body: {} } },
  { name: 'no auth token', method: 'GET', path: '/resource_providers', opts: { headers: { 'x-auth-token': null } } },
];
