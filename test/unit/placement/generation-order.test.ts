// Which candidates a cut answer holds (Placement's max_allocation_candidates and
// allocation_candidates_generation_strategy): breadth-first takes one candidate of every tree
// before a second of any, depth-first exhausts a tree first; a complete answer is the same list
// either way; a spent budget truncates the answer like the cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocationsOf,
  type CandidateRequest,
  findCandidates,
  type RequestGroup,
} from '../../../src/placement/candidates.js';
import { timeAndMemoryBudget } from '../../../src/placement/work-budget.js';
import { snapshotOf, sriovHost } from '../../support/snapshots.js';

function group(suffix: string, resources: Record<string, number>): RequestGroup {
  return {
    suffix,
    resources: new Map(Object.entries(resources)),
    required: [],
    forbidden: [],
    memberOf: [],
    forbiddenAggregates: [],
    inTree: null,
  };
}

function request(extra: Partial<CandidateRequest>): CandidateRequest {
  return {
    groups: [group('', { SRIOV_NET_VF: 1 })],
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

/** The host (root name) of each candidate, in answer order. */
function hosts(r: ReturnType<typeof findCandidates>): string[] {
  return Array.from({ length: r.candidates.count }, (_, c) => [...allocationsOf(r, c).keys()][0]!.root.name);
}

// Four hosts of two PFs: two candidates per host.
const snap = snapshotOf(
  ['h0', 'h1', 'h2', 'h3'].flatMap((h) =>
    sriovHost(h, [
      { name: `${h}_pf0`, vfs: 8 },
      { name: `${h}_pf1`, vfs: 8 },
    ]),
  ),
);

describe('candidate generation order', () => {
  it('breadth-first: limit=4 gives one candidate of each of the 4 hosts', () => {
    const r = findCandidates(snap, request({ limit: 4, strategy: 'breadth-first' }));
    assert.deepEqual(hosts(r), ['h0', 'h1', 'h2', 'h3']);
    assert.equal(r.truncated, null);
  });

  it('breadth-first: limit=6 gives every host once, then a second round', () => {
    assert.deepEqual(hosts(findCandidates(snap, request({ limit: 6, strategy: 'breadth-first' }))), [
      'h0',
      'h1',
      'h2',
      'h3',
      'h0',
      'h1',
    ]);
  });

  it('depth-first: limit=4 gives two hosts, two candidates each', () => {
    assert.deepEqual(hosts(findCandidates(snap, request({ limit: 4, strategy: 'depth-first' }))), [
      'h0',
      'h0',
      'h1',
      'h1',
    ]);
  });

  it('a complete answer is listed tree by tree whatever the strategy', () => {
    const bf = findCandidates(snap, request({ maxCandidates: 100, strategy: 'breadth-first' }));
    const df = findCandidates(snap, request({ strategy: 'depth-first' }));
    assert.deepEqual(hosts(bf), hosts(df));
    assert.deepEqual(hosts(df), ['h0', 'h0', 'h1', 'h1', 'h2', 'h2', 'h3', 'h3']);
  });

  it('the cap (max_allocation_candidates) truncates, and says so', () => {
    const r = findCandidates(snap, request({ maxCandidates: 3, strategy: 'breadth-first' }));
    assert.deepEqual(hosts(r), ['h0', 'h1', 'h2']);
    assert.equal(r.truncated, 'cap');
  });

  it('a spent budget truncates the answer to what was found', () => {
    let t = 0;
    const budget = timeAndMemoryBudget(10, 0, () => t);
    t = 11;
    const r = findCandidates(snap, request({ budget, strategy: 'breadth-first', maxCandidates: 100 }));
    assert.equal(r.truncated, 'budget');
    assert.ok(r.candidates.count < 8);
  });

  it('a wide symmetric tree (8 groups on 8 PFs, group_policy=none) stops at the cap', () => {
    const wide = snapshotOf(
      sriovHost(
        'wide',
        Array.from({ length: 8 }, (_, i) => ({ name: `pf${i}`, vfs: 8 })),
      ),
    );
    const groups = Array.from({ length: 8 }, (_, i) => group(String(i + 1), { SRIOV_NET_VF: 1 }));
    const r = findCandidates(
      wide,
      request({ groups, groupPolicy: 'none', maxCandidates: 5000, strategy: 'breadth-first' }),
    );
    assert.equal(r.candidates.count, 5000);
    assert.equal(r.truncated, 'cap');
  });
});
