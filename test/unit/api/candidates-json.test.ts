// The allocation-candidates answer as bytes: whether an allocation entry is copied from the
// per-snapshot cache (one provider per option, options of one shape) or consolidated part by
// part (a provider shared by options of different shapes, options over several providers), the
// answer is the one the engine's candidates describe; and the cache stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from '../../../src/api/byte-writer.js';
import { renderCandidates } from '../../../src/api/candidates-json.js';
import type { Ctx } from '../../../src/api/context.js';
import { SnapshotBytes, SnapshotBytesCache } from '../../../src/api/snapshot-bytes.js';
import {
  allocationsOf,
  type CandidateRequest,
  type CandidateResult,
  findCandidates,
  mappingsOf,
  type RequestGroup,
} from '../../../src/placement/candidates.js';
import type { ProviderSnapshot } from '../../../src/placement/snapshot.js';
import { group, snapshotOf, sriovHost } from '../../support/snapshots.js';

function request(groups: RequestGroup[], groupPolicy: 'none' | 'isolate' | null = 'none'): CandidateRequest {
  return {
    groups,
    groupPolicy,
    limit: null,
    rootRequired: [],
    rootForbidden: [],
    sameSubtrees: [],
    nestedAware: true,
    canSplit: new Set(),
  };
}

// The renderer reads only these of a request's context.
const ctxOf = (cache: SnapshotBytesCache) =>
  ({ bufferPool: new BufferPool(), snapshotBytes: cache, atLeast: () => true }) as unknown as Ctx;

function rendered(cache: SnapshotBytesCache, snap: ProviderSnapshot, r: CandidateResult, requested: string[]) {
  const out = renderCandidates(ctxOf(cache), snap, r, new Set(requested)).json;
  assert.ok(typeof out !== 'string');
  return JSON.parse(out.bytes.toString('utf8'));
}

/** The allocation requests as the engine's candidates describe them, in order (keys in order too). */
function described(r: CandidateResult) {
  return Array.from({ length: r.candidates.count }, (_, c) => ({
    allocations: Object.fromEntries(
      [...allocationsOf(r, c)].map(([p, m]) => [p.uuid, { resources: Object.fromEntries(m) }]),
    ),
    mappings: Object.fromEntries([...mappingsOf(r, c)].map(([s, ps]) => [s, ps.map((p) => p.uuid)])),
  }));
}

/** Deep equality that also holds the order of every object's keys. */
const sameText = (a: unknown, b: unknown, message: string) =>
  assert.equal(JSON.stringify(a), JSON.stringify(b), message);

// Two hosts: a root with VCPU and memory, two PFs with VFs; the second PF also has a custom class.
const snap = snapshotOf(
  ['h0', 'h1'].flatMap((h) =>
    sriovHost(h, [
      { name: `${h}_pf0`, vfs: 8 },
      { name: `${h}_pf1`, vfs: 8 },
    ]).map((spec) => (spec.name.endsWith('_pf1') ? { ...spec, inventory: { ...spec.inventory, CUSTOM_X: 4 } } : spec)),
  ),
);

describe('allocation candidates as bytes', () => {
  const cases: Array<[string, CandidateRequest, string[]]> = [
    [
      'one port (entries from the cache)',
      request([group('', { VCPU: 2 }), group('1', { SRIOV_NET_VF: 1 })], 'isolate'),
      ['VCPU', 'SRIOV_NET_VF'],
    ],
    [
      'four ports on two PFs (a PF used by several options of one shape: amounts summed)',
      request([group('', { VCPU: 2 }), ...['1', '2', '3', '4'].map((s) => group(s, { SRIOV_NET_VF: 1 }))]),
      ['VCPU', 'SRIOV_NET_VF'],
    ],
    [
      'options of different shapes on one PF (consolidated part by part)',
      request([group('1', { SRIOV_NET_VF: 1 }), group('2', { SRIOV_NET_VF: 2 }), group('3', { CUSTOM_X: 1 })]),
      ['SRIOV_NET_VF', 'CUSTOM_X'],
    ],
    [
      'an unsuffixed group over several providers of a tree',
      request([group('', { VCPU: 1, SRIOV_NET_VF: 1, CUSTOM_X: 1 })], null),
      ['VCPU', 'SRIOV_NET_VF', 'CUSTOM_X'],
    ],
  ];
  for (const [name, req, requested] of cases) {
    it(`${name}: the answer the candidates describe, from a cold and a warm cache`, () => {
      const r = findCandidates(snap, req);
      assert.ok(r.candidates.count > 1, 'candidates');
      const cache = new SnapshotBytesCache();
      const cold = rendered(cache, snap, r, requested);
      sameText(cold.allocation_requests, described(r), 'cold');
      sameText(rendered(cache, snap, r, requested), cold, 'warm');
    });
  }

  it('four ports: a PF chosen by every group is one entry of 4 VFs', () => {
    const r = findCandidates(
      snap,
      request([group('', { VCPU: 2 }), ...['1', '2', '3', '4'].map((s) => group(s, { SRIOV_NET_VF: 1 }))]),
    );
    const answer = rendered(new SnapshotBytesCache(), snap, r, ['VCPU', 'SRIOV_NET_VF']);
    const pf0 = snap.providers.find((p) => p.name === 'h0_pf0')!.uuid;
    const all = answer.allocation_requests.filter(
      (a: { allocations: Record<string, unknown> }) => Object.keys(a.allocations).length === 2 && a.allocations[pf0],
    );
    assert.deepEqual(all[0].allocations[pf0], { resources: { SRIOV_NET_VF: 4 } });
  });

  it('provider summaries: whole trees copied as one block only where their providers are consecutive', () => {
    // h0 and h1 registered interleaved (their positions alternate), h2 at once, h3 with a PF
    // that came later than h4's root.
    const [h0, h1, h2, h3, h4] = ['h0', 'h1', 'h2', 'h3', 'h4'].map((h) =>
      sriovHost(h, [
        { name: `${h}_pf0`, vfs: 8, traits: ['CUSTOM_PHYSNET_PUBLIC'] },
        { name: `${h}_pf1`, vfs: 8 },
      ]),
    );
    const interleaved = h0!.flatMap((spec, i) => [spec, h1![i]!]);
    const mixed = snapshotOf([...interleaved, ...h2!, ...h3!.slice(0, 3), ...h4!, h3![3]!]);
    const r = findCandidates(mixed, request([group('', { VCPU: 2 }), group('1', { SRIOV_NET_VF: 1 })], 'isolate'));
    assert.equal(r.summaries.length, 20, 'every provider of the five trees');
    const expected = Object.fromEntries(
      r.summaries.map((p) => [
        p.uuid,
        {
          resources: Object.fromEntries(
            [...p.inventories].map(([rc, inv]) => [rc, { capacity: inv.total, used: p.usages.get(rc) ?? 0 }]),
          ),
          traits: [...p.traits],
          parent_provider_uuid: p.parent?.uuid ?? null,
          root_provider_uuid: p.root.uuid,
        },
      ]),
    );
    const cache = new SnapshotBytesCache();
    const cold = rendered(cache, mixed, r, ['VCPU', 'SRIOV_NET_VF']);
    sameText(cold.provider_summaries, expected, 'cold');
    sameText(rendered(cache, mixed, r, ['VCPU', 'SRIOV_NET_VF']).provider_summaries, expected, 'warm');
  });

  it('keeps at most 48 lists of pieces per snapshot, whatever the requests', () => {
    const bytes = new SnapshotBytes(4);
    const first = bytes.list('entry 0');
    assert.equal(bytes.list('entry 0'), first, 'a key is kept');
    for (let i = 1; i < 48; i++) bytes.list(`entry ${i}`);
    assert.equal(bytes.list('entry 0'), first, 'within the bound');
    bytes.list('entry 48');
    assert.notEqual(bytes.list('entry 0'), first, 'past the bound the cache starts again');
  });
});
