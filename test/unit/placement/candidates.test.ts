import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evenSplit } from '../../../src/placement/can-split.js';
import {
  allocationsOf,
  type CandidateRequest,
  findCandidates,
  mappingsOf,
  type RequestGroup,
} from '../../../src/placement/candidates.js';
import { group, snapshotOf, sriovHost, uuidOf } from '../../support/snapshots.js';

function request(groups: RequestGroup[], extra: Partial<CandidateRequest> = {}): CandidateRequest {
  return {
    groups,
    groupPolicy: null,
    limit: null,
    rootRequired: [],
    rootForbidden: [],
    sameSubtrees: [],
    nestedAware: true,
    canSplit: new Set(),
    ...extra,
  };
}

function candidateIndices(result: ReturnType<typeof findCandidates>): number[] {
  return Array.from({ length: result.candidates.count }, (_, c) => c);
}

/** Each candidate as "provider:RC=n,..." sorted, for readable assertions. */
function shapes(result: ReturnType<typeof findCandidates>): string[] {
  return candidateIndices(result).map((c) =>
    [...allocationsOf(result, c)]
      .flatMap(([p, m]) => [...m].map(([rc, n]) => `${p.name}:${rc}=${n}`))
      .sort()
      .join(' '),
  );
}

// The spec's "rolling up" case: one host, one NIC with two PFs, one free VF each.
const rollingUp = sriovHost('host', [
  { name: 'pf0', vfs: 4, used: 3 },
  { name: 'pf1', vfs: 4, used: 3 },
]);

describe('allocation candidates: Placement semantics', () => {
  it('never splits a class without can_split (no rolling up)', () => {
    const r = findCandidates(snapshotOf(rollingUp), request([group('', { SRIOV_NET_VF: 2 })]));
    assert.equal(r.candidates.count, 0);
    assert.deepEqual(r.summaries, []);
  });

  it('combines providers of one tree for different classes at 1.29+, not before', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 8 },
        { name: 'pf1', vfs: 8 },
      ]),
    );
    const req = request([group('', { VCPU: 1, SRIOV_NET_VF: 1 })]);
    assert.deepEqual(shapes(findCandidates(snap, req)).sort(), [
      'host:VCPU=1 pf0:SRIOV_NET_VF=1',
      'host:VCPU=1 pf1:SRIOV_NET_VF=1',
    ]);
    assert.equal(findCandidates(snap, { ...req, nestedAware: false }).candidates.count, 0);
  });

  it('isolate gives 2 candidates per two-PF host, none gives 4', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 8 },
        { name: 'pf1', vfs: 8 },
      ]),
    );
    const groups = [group('1', { SRIOV_NET_VF: 1 }), group('2', { SRIOV_NET_VF: 1 })];
    assert.equal(findCandidates(snap, request(groups, { groupPolicy: 'isolate' })).candidates.count, 2);
    assert.equal(findCandidates(snap, request(groups, { groupPolicy: 'none' })).candidates.count, 4);
  });

  it('re-checks capacity after consolidating groups on one provider', () => {
    const snap = snapshotOf(sriovHost('host', [{ name: 'pf0', vfs: 2, used: 1 }]));
    const groups = [group('1', { SRIOV_NET_VF: 1 }), group('2', { SRIOV_NET_VF: 1 })];
    assert.equal(findCandidates(snap, request(groups, { groupPolicy: 'none' })).candidates.count, 0);
  });

  it('judges unsuffixed required traits over the providers that supply resources', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 8, traits: ['CUSTOM_PHYSNET_PUBLIC'] },
        { name: 'pf1', vfs: 8, traits: ['CUSTOM_PHYSNET_INTRANET'] },
      ]),
    );
    const r = findCandidates(
      snap,
      request([group('', { VCPU: 2, SRIOV_NET_VF: 1 }, { required: [['CUSTOM_PHYSNET_PUBLIC']] })]),
    );
    assert.deepEqual(shapes(r), ['host:VCPU=2 pf0:SRIOV_NET_VF=1']);
    // A trait only on the resourceless NIC does not count.
    const nicOnly = findCandidates(
      snap,
      request([group('', { SRIOV_NET_VF: 1 }, { required: [['CUSTOM_HW_NIC_ROOT']] })]),
    );
    assert.equal(nicOnly.candidates.count, 0);
  });

  it('summarises every provider of the trees used, with mappings per group', () => {
    const snap = snapshotOf(sriovHost('host', [{ name: 'pf0', vfs: 8 }]));
    const r = findCandidates(snap, request([group('', { VCPU: 1 }), group('1', { SRIOV_NET_VF: 1 })]));
    assert.deepEqual(
      r.summaries.map((p) => p.name),
      ['host', 'host_nic0', 'pf0'],
    );
    const m = mappingsOf(r, 0);
    assert.deepEqual(
      m.get('')!.map((p) => p.name),
      ['host'],
    );
    assert.deepEqual(
      m.get('1')!.map((p) => p.name),
      ['pf0'],
    );
  });

  it('same_subtree with a resourceless group ties PFs to one NIC', () => {
    const snap = snapshotOf(
      sriovHost(
        'host',
        [
          { name: 'pf0', vfs: 1 },
          { name: 'pf1', vfs: 1 },
          { name: 'pf2', vfs: 1 },
        ],
        2,
      ),
    ); // pf0, pf2 on nic0; pf1 on nic1
    const groups = [
      group('_A', { SRIOV_NET_VF: 1 }),
      group('_B', { SRIOV_NET_VF: 1 }),
      group('_NIC', {}, { required: [['CUSTOM_HW_NIC_ROOT']] }),
    ];
    const r = findCandidates(snap, request(groups, { groupPolicy: 'isolate', sameSubtrees: [['_A', '_B', '_NIC']] }));
    assert.deepEqual(shapes(r).sort(), [
      'pf0:SRIOV_NET_VF=1 pf2:SRIOV_NET_VF=1',
      'pf0:SRIOV_NET_VF=1 pf2:SRIOV_NET_VF=1',
    ]);
    assert.ok(candidateIndices(r).every((c) => mappingsOf(r, c).get('_NIC')![0]!.name === 'host_nic0'));
  });

  it('honours limit during generation and root_required', () => {
    const specs = [1, 2, 3].flatMap((i) => sriovHost(`h${i}`, [{ name: `h${i}pf`, vfs: 8 }]));
    specs[0]!.traits = ['COMPUTE_STATUS_DISABLED'];
    const snap = snapshotOf(specs);
    const g = [group('', { SRIOV_NET_VF: 1 })];
    assert.equal(findCandidates(snap, request(g, { limit: 2 })).candidates.count, 2);
    const r = findCandidates(snap, request(g, { rootForbidden: ['COMPUTE_STATUS_DISABLED'] }));
    assert.deepEqual(shapes(r), ['h2pf:SRIOV_NET_VF=1', 'h3pf:SRIOV_NET_VF=1']);
  });

  it('uses sharing providers for trees in their aggregate', () => {
    const snap = snapshotOf([
      { name: 'cn', inventory: { VCPU: 8 }, aggregates: ['agg'] },
      { name: 'ss', inventory: { DISK_GB: 100 }, traits: ['MISC_SHARES_VIA_AGGREGATE'], aggregates: ['agg'] },
      { name: 'cn2', inventory: { VCPU: 8 } },
    ]);
    const r = findCandidates(snap, request([group('', { VCPU: 1, DISK_GB: 10 })]));
    assert.deepEqual(shapes(r), ['cn:VCPU=1 ss:DISK_GB=10']);
  });
});

describe('allocation candidates: can_split', () => {
  const split = new Set(['SRIOV_NET_VF']);

  it('answers the rolling-up case with one 1+1 candidate and mappings', () => {
    const r = findCandidates(snapshotOf(rollingUp), request([group('', { SRIOV_NET_VF: 2 })], { canSplit: split }));
    assert.deepEqual(shapes(r), ['pf0:SRIOV_NET_VF=1 pf1:SRIOV_NET_VF=1']);
    assert.deepEqual(
      mappingsOf(r, 0)
        .get('')!
        .map((p) => p.uuid)
        .sort(),
      [uuidOf('pf0'), uuidOf('pf1')].sort(),
    );
  });

  it('prefers a single provider when one can give everything', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 4 },
        { name: 'pf1', vfs: 4, used: 3 },
      ]),
    );
    const r = findCandidates(snap, request([group('', { SRIOV_NET_VF: 2 })], { canSplit: split }));
    assert.deepEqual(shapes(r), ['pf0:SRIOV_NET_VF=2']);
  });

  it('prefers fewer providers, then the most even spread', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 8, used: 5 },
        { name: 'pf1', vfs: 8, used: 2 },
        { name: 'pf2', vfs: 8, used: 6 },
      ]),
    );
    // free: pf0 3, pf1 6, pf2 2; 7 VFs need two providers (pf0+pf1 or pf1+pf2), never three.
    const r = findCandidates(snap, request([group('', { SRIOV_NET_VF: 7 })], { canSplit: split }));
    const got = shapes(r);
    assert.ok(got.length >= 1 && got.every((s) => s.split(' ').length === 2), got.join(' | '));
    assert.equal(got[0], 'pf0:SRIOV_NET_VF=3 pf1:SRIOV_NET_VF=4');
    assert.ok(got.includes('pf1:SRIOV_NET_VF=5 pf2:SRIOV_NET_VF=2'));
  });

  it('respects traits: only PFs of the requested physnet take part', () => {
    const snap = snapshotOf(
      sriovHost('host', [
        { name: 'pf0', vfs: 2, used: 1, traits: ['CUSTOM_PHYSNET_PUBLIC'] },
        { name: 'pf1', vfs: 2, used: 1, traits: ['CUSTOM_PHYSNET_INTRANET'] },
        { name: 'pf2', vfs: 2, used: 1, traits: ['CUSTOM_PHYSNET_PUBLIC'] },
      ]),
    );
    const req = request([group('1', { SRIOV_NET_VF: 2 }, { required: [['CUSTOM_PHYSNET_PUBLIC']] })], {
      canSplit: split,
    });
    assert.deepEqual(shapes(findCandidates(snap, req)), ['pf0:SRIOV_NET_VF=1 pf2:SRIOV_NET_VF=1']);
  });

  it('respects same_subtree: split VFs stay under one NIC', () => {
    const snap = snapshotOf(
      sriovHost(
        'host',
        [
          { name: 'pf0', vfs: 1 },
          { name: 'pf1', vfs: 1 },
          { name: 'pf2', vfs: 1 },
          { name: 'pf3', vfs: 1 },
        ],
        2,
      ),
    ); // nic0: pf0, pf2; nic1: pf1, pf3
    const groups = [group('_VF', { SRIOV_NET_VF: 2 }), group('_NIC', {}, { required: [['CUSTOM_HW_NIC_ROOT']] })];
    const r = findCandidates(
      snap,
      request(groups, { canSplit: split, groupPolicy: 'none', sameSubtrees: [['_VF', '_NIC']] }),
    );
    assert.deepEqual(shapes(r).sort(), [
      'pf0:SRIOV_NET_VF=1 pf2:SRIOV_NET_VF=1',
      'pf1:SRIOV_NET_VF=1 pf3:SRIOV_NET_VF=1',
    ]);
  });

  it('is ignored before 1.29 (candidates may not combine providers of a tree)', () => {
    const r = findCandidates(
      snapshotOf(rollingUp),
      request([group('', { SRIOV_NET_VF: 2 })], { canSplit: split, nestedAware: false }),
    );
    assert.equal(r.candidates.count, 0);
  });

  it('evenSplit spreads as evenly as rooms and step sizes allow', () => {
    const slot = (room: number, stepSize = 1) => ({ room, inv: { minUnit: 1, stepSize } });
    assert.deepEqual(evenSplit(7, [slot(3), slot(6)]), [3, 4]);
    assert.deepEqual(evenSplit(4, [slot(8), slot(8)]), [2, 2]);
    assert.equal(evenSplit(10, [slot(3), slot(6)]), null);
    assert.deepEqual(evenSplit(8, [slot(8, 4), slot(8, 4)]), [4, 4]);
  });
});
