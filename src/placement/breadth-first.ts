// Which candidates an answer cut by a cap or a limit holds under Placement's breadth-first
// strategy: one candidate of every tree before a second of any (round-robin over the trees, in
// provider order). A complete answer is listed tree by tree, as depth-first lists it.
//
// Most answers are not cut (q1 at 1 000 hosts: 2 000 candidates under a cap of 50 000), and
// resuming a search per tree and per round, then sorting the result back into tree order, cost
// more than the search itself (q6: 2.9 ms of rounds on top of 3 ms). So when no tree's
// candidates depend on another's (no sharing provider serves a tree other than its own, so no
// candidate can come from two trees and be dropped as a duplicate), the trees are searched
// depth-first, each to the end, while the cap is not reached: that gives the complete answer
// as it is. Only when the cap is reached do the rounds start, over what was already found
// (each tree's complete list, and the last tree's search, resumed when its list runs out) and
// then over the trees not visited yet: the same candidates, in the same order, as rounds from
// the start would give, because each tree's candidates come in the same order either way.
import { type CandidateTable, IntList } from './candidate-table.js';
import type { Cursor, ProductSearch } from './product-search.js';
import type { SnapshotProvider } from './snapshot.js';

/** Opens one anchor's search (its options built), or null when the anchor cannot have candidates. */
export type OpenAnchor = (anchor: SnapshotProvider) => Cursor | null;

/** A tree in the rounds: candidates already found [next, end) of the table, then its search (if it may have more). */
interface Source {
  next: number;
  end: number;
  cursor: Cursor | null;
  /** The tree's ordinal among the anchors that had candidates (for tree order). */
  ordinal: number;
}

/**
 * Fills the table with the breadth-first answer under `cap`. `independent`: no candidate can
 * come from two anchors (see above). `budgetSpent` is looked at before each anchor is opened;
 * the search looks at it as it goes. Leaves `search.stopped` set when the answer is cut.
 */
export function breadthFirst(
  anchors: readonly SnapshotProvider[],
  open: OpenAnchor,
  search: ProductSearch,
  table: CandidateTable,
  cap: number,
  budgetSpent: () => boolean,
  independent: boolean,
): void {
  const found: Source[] = [];
  let a = 0;
  if (independent) {
    for (; a < anchors.length; a++) {
      if (budgetSpent()) search.stopped = 'budget';
      if (search.stopped) break;
      const cursor = open(anchors[a]!);
      if (!cursor) continue;
      const before = table.count;
      const status = search.run(cursor, Number.POSITIVE_INFINITY);
      // The cap is reached only by a new candidate, so a search stopped by it found some.
      if (table.count > before) found.push({ next: before, end: table.count, cursor, ordinal: found.length });
      if (status === 'stop') break;
    }
    // Complete (already in tree order), or cut by the budget: what was found, as it was found.
    if (search.stopped !== 'cap') return;
    // Only the last tree's search, stopped inside it by the cap, may have more.
    for (let i = 0; i < found.length - 1; i++) found[i]!.cursor = null;
    a++;
  }
  rounds(anchors, a, found, open, search, table, cap, budgetSpent, !independent);
}

/**
 * Round-robin from anchor `a` on, after the trees in `found`: round 1 takes the first candidate
 * of each tree (found ones, then the rest as they are opened), each further round the next
 * candidate of every tree that has one, until `cap` candidates are taken or none is left.
 */
function rounds(
  anchors: readonly SnapshotProvider[],
  from: number,
  found: Source[],
  open: OpenAnchor,
  search: ProductSearch,
  table: CandidateTable,
  cap: number,
  budgetSpent: () => boolean,
  treeOrderIfComplete: boolean,
): void {
  // Candidates are counted as they are taken: the table may hold some that are never taken.
  search.stopped = null;
  search.uncap();
  const taken = new IntList();
  const ordinals = new IntList();
  let full = false;
  const take = (c: number, s: Source) => {
    taken.push(c);
    ordinals.push(s.ordinal);
    full = taken.length >= cap;
  };
  /** The source's next candidate, if it has one; false when it has none left. */
  const step = (s: Source): boolean => {
    if (s.next < s.end) {
      take(s.next++, s);
      return true;
    }
    if (!s.cursor) return false;
    const before = table.count;
    const status = search.run(s.cursor, 1);
    if (table.count > before) take(before, s);
    return status === 'more';
  };
  let live: Source[] = [];
  for (const s of found) {
    if (full) break;
    if (step(s)) live.push(s);
  }
  let ordinal = found.length;
  for (let a = from; a < anchors.length && !full && !search.stopped; a++) {
    if (budgetSpent()) {
      search.stopped = 'budget';
      break;
    }
    const cursor = open(anchors[a]!);
    if (!cursor) continue;
    const s: Source = { next: 0, end: 0, cursor, ordinal };
    const before = taken.length;
    if (step(s)) live.push(s);
    if (taken.length > before) ordinal++;
  }
  while (live.length > 0 && !full && !search.stopped) {
    const next: Source[] = [];
    for (const s of live) {
      if (full || search.stopped) break;
      if (step(s)) next.push(s);
    }
    live = next;
  }
  if (full) search.stopped = 'cap';
  const complete = !search.stopped;
  table.candidateOptions = select(table, taken, complete && treeOrderIfComplete ? ordinals : null, ordinal);
}

/** The taken candidates' options, in the order taken, or by tree (stable) when `ordinals` is given. */
function select(table: CandidateTable, taken: IntList, ordinals: IntList | null, trees: number): IntList {
  const n = taken.length;
  const g = table.groupCount;
  const out = new IntList();
  if (!ordinals) {
    for (let k = 0; k < n; k++) for (let j = 0; j < g; j++) out.push(table.option(taken.at(k), j));
    return out;
  }
  // A stable counting sort by tree.
  const start = new Array<number>(trees + 1).fill(0);
  for (let k = 0; k < n; k++) start[ordinals.at(k) + 1]!++;
  for (let t = 0; t < trees; t++) start[t + 1]! += start[t]!;
  const order = new Array<number>(n);
  for (let k = 0; k < n; k++) order[start[ordinals.at(k)]!++] = taken.at(k);
  for (let k = 0; k < n; k++) for (let j = 0; j < g; j++) out.push(table.option(order[k]!, j));
  return out;
}
