// Which candidates a cut answer holds (Placement's max_allocation_candidates and
// allocation_candidates_generation_strategy): breadth-first takes one candidate of every tree
// before a second of any, depth-first exhausts a tree first; a complete answer is the same list
// either way; a spent budget truncates the answer like the cap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocationsOf, type CandidateRequest, findCandidates } from '../../../src/placement/candidates.js';
import { timeAndMemoryBudget } from '../../../src/placement/work-budget.js';
import { group, snapshotOf, sriovHost } from '../../support/snapshots.js';

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

/** Each candidate as its providers' names with amounts, in answer order. */
function described(r: ReturnType<typeof findCandidates>): string[] {
  return Array.from({ length: r.candidates.count }, (_, c) =>
    [...allocationsOf(r, c)].map(([p, m]) => `${p.name}:${[...m].map(([rc, n]) => `${rc}=${n}`).join('+')}`).join(','),
  );
}

/** Breadth-first from first principles: the complete answer's candidates dealt out tree by tree, round by round. */
function dealt(complete: string[], treeOf: (candidate: string) => string, cap: number): string[] {
  const trees = new Map<string, string[]>();
  for (const c of complete) {
    const t = treeOf(c);
    const list = trees.get(t);
    if (list) list.push(c);
    else trees.set(t, [c]);
  }
  const out: string[] = [];
  for (let round = 0; out.length < cap && out.length < complete.length; round++) {
    for (const list of trees.values()) if (round < list.length && out.length < cap) out.push(list[round]!);
  }
  return out;
}

// Trees with 1, 3, 2 and 4 candidates: a cap can be reached inside any of them.
const uneven = snapshotOf(
  [1, 3, 2, 4].flatMap((pfs, h) =>
    sriovHost(
      `u${h}`,
      Array.from({ length: pfs }, (_, i) => ({ name: `u${h}_pf${i}`, vfs: 8 })),
    ),
  ),
);

describe('candidate generation order', () => {
  it('breadth-first under every cap and limit is the complete answer dealt out tree by tree', () => {
    const complete = described(findCandidates(uneven, request({ strategy: 'depth-first' })));
    assert.equal(complete.length, 10);
    const tree = (c: string) => c.split('_')[0]!;
    // A cap met by the last candidate still cuts the answer (nothing says there is no more), so
    // it is listed in rounds, as it was found; only a cap above the count gives tree order.
    for (let cap = 1; cap <= 11; cap++) {
      const expected = dealt(complete, tree, cap);
      const capped = findCandidates(uneven, request({ maxCandidates: cap, strategy: 'breadth-first' }));
      assert.deepEqual(described(capped), cap > 10 ? complete : expected, `cap ${cap}`);
      assert.equal(capped.truncated, cap <= 10 ? 'cap' : null, `cap ${cap}`);
      const limited = findCandidates(uneven, request({ limit: cap, strategy: 'breadth-first' }));
      assert.deepEqual(described(limited), cap > 10 ? complete : expected, `limit ${cap}`);
      assert.equal(limited.truncated, null, `limit ${cap}`);
    }
  });

  it('breadth-first with a sharing provider serving several trees is dealt out the same way', () => {
    const shared = snapshotOf([
      { name: 'ss', inventory: { DISK_GB: 100 }, traits: ['MISC_SHARES_VIA_AGGREGATE'], aggregates: ['agg'] },
      ...[1, 3, 2].flatMap((pfs, h) =>
        sriovHost(
          `s${h}`,
          Array.from({ length: pfs }, (_, i) => ({ name: `s${h}_pf${i}`, vfs: 8 })),
        ).map((spec) => (spec.parent ? spec : { ...spec, aggregates: ['agg'] })),
      ),
    ]);
    const groups = [group('', { SRIOV_NET_VF: 1, DISK_GB: 10 })];
    const complete = described(findCandidates(shared, request({ groups, strategy: 'depth-first' })));
    assert.equal(complete.length, 6);
    const tree = (c: string) => /s\d/.exec(c)![0];
    for (let cap = 1; cap <= 7; cap++) {
      const r = findCandidates(shared, request({ groups, maxCandidates: cap, strategy: 'breadth-first' }));
      assert.deepEqual(described(r), cap > 6 ? complete : dealt(complete, tree, cap), `cap ${cap}`);
    }
  });

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
