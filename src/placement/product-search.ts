// The product of one anchor's group options into candidates: group_policy=isolate, the pre-1.29
// one-provider-per-tree rule, the capacity re-check of providers serving several groups,
// same_subtree, dedup of candidates that come back from another anchor, and the candidate cap.

import type { CandidateRequest, RequestGroup } from './candidate-request.js';
import { type CandidateTable, Consolidation } from './candidate-table.js';
import { fits } from './capacity.js';
import type { GroupPlan } from './group-plan.js';
import type { SnapshotProvider } from './snapshot.js';
import { isAncestorOrSelf } from './snapshot.js';

/** Where one anchor's product stands: the option chosen per group so far, and the next to try. */
export class Cursor {
  readonly chosen: number[];
  readonly next: number[];
  /** The group being chosen; -1 once every combination was tried. */
  depth = 0;

  constructor(
    readonly anchor: SnapshotProvider,
    readonly from: readonly number[],
    readonly to: readonly number[],
  ) {
    this.chosen = new Array<number>(from.length).fill(0);
    this.next = [from[0] ?? 0];
  }

  get done(): boolean {
    return this.depth < 0;
  }
}

/** Why a run of the search ended: `more` (asked-for candidates found), `done` (anchor exhausted), `stop` (cap or budget). */
export type RunStatus = 'more' | 'done' | 'stop';

/** Steps between two looks at the budget: often enough to stop in time, rarely enough to cost nothing. */
const BUDGET_STEPS = 4096;

/**
 * The product of each anchor's group options, depth first: group policy, the pre-1.29
 * one-provider rule and capacity are checked on each partial assignment, so impossible
 * branches are pruned instead of filtered afterwards. Candidates accumulate in the table.
 * The search is an explicit stack (a Cursor per anchor), so it can stop after any candidate
 * and resume later: that is what visiting trees breadth-first needs.
 */
export class ProductSearch {
  private readonly seen = new Set<string>();
  private cur!: Cursor;
  private readonly scratch = new Consolidation();
  private steps = 0;
  /** Set once the cap or the budget ended the search. */
  stopped: 'cap' | 'budget' | null = null;

  constructor(
    private readonly req: CandidateRequest,
    private readonly plans: GroupPlan[],
    private readonly table: CandidateTable,
    private readonly isolate: boolean,
    private cap: number | null,
    private readonly ranked: boolean,
    private readonly budgetSpent: () => boolean = () => false,
  ) {}

  /** From now on the table may grow past the cap: whoever picks among its candidates counts them. */
  uncap(): void {
    this.cap = null;
  }

  /** A cursor over the candidates of one anchor whose group i has the options [from[i], to[i]) (copied). */
  start(anchor: SnapshotProvider, from: readonly number[], to: readonly number[]): Cursor {
    return new Cursor(anchor, [...from], [...to]);
  }

  /** Finds up to `want` more candidates of the cursor's anchor. */
  run(cursor: Cursor, want: number): RunStatus {
    if (this.stopped) return 'stop';
    this.cur = cursor;
    const n = this.plans.length;
    const { chosen, next, to } = cursor;
    let found = 0;
    while (cursor.depth >= 0) {
      if (++this.steps % BUDGET_STEPS === 0 && this.budgetSpent()) {
        this.stopped = 'budget';
        return 'stop';
      }
      const i = cursor.depth;
      if (i === n) {
        cursor.depth--;
        const before = this.table.count;
        if (!this.emit()) {
          this.stopped = 'cap';
          return 'stop';
        }
        if (this.table.count > before && ++found >= want) return 'more';
        continue;
      }
      const o = next[i]!;
      if (o >= to[i]!) {
        cursor.depth--;
        continue;
      }
      next[i] = o + 1;
      if (this.isolate && this.plans[i]!.suffixed && this.sharesGranularProvider(o, i)) continue;
      // Before 1.29 a candidate may use only one provider of the anchor's tree.
      if (!this.req.nestedAware && this.addsTreeProvider(o, i)) continue;
      if (!this.fitsWithChosen(o, i)) continue;
      chosen[i] = o;
      cursor.depth = i + 1;
      if (i + 1 < n) next[i + 1] = cursor.from[i + 1]!;
    }
    return 'done';
  }

  /** group_policy=isolate: does option o use a provider that an earlier suffixed group uses? */
  private sharesGranularProvider(o: number, depth: number): boolean {
    for (let j = 0; j < depth; j++) {
      if (this.plans[j]!.suffixed && this.table.shareProvider(o, this.cur.chosen[j]!)) return true;
    }
    return false;
  }

  /** Would option o make the chosen options use more than one provider of the anchor's own tree (sharing ones aside)? */
  private addsTreeProvider(o: number, depth: number): boolean {
    const t = this.table;
    let only: SnapshotProvider | null = null;
    for (let j = 0; j <= depth; j++) {
      const option = j < depth ? this.cur.chosen[j]! : o;
      for (let i = t.providerStart[option]!; i < t.providerEnd[option]!; i++) {
        const p = t.optionProviders[i]!;
        if (p.root !== this.cur.anchor) continue;
        if (only === null) only = p;
        else if (p !== only) return true;
      }
    }
    return false;
  }

  /** Capacity re-check: a provider serving several groups must hold their sum of each class. */
  private fitsWithChosen(o: number, depth: number): boolean {
    const t = this.table;
    for (let i = t.partStart[o]!; i < t.partEnd[o]!; i++) {
      let sum = 0;
      for (let j = 0; j < depth; j++) sum += t.amountLike(this.cur.chosen[j]!, i);
      // The option's own parts up to this one (a provider's class appears once in an option, in practice).
      for (let k = t.partStart[o]!; k <= i; k++) {
        if (t.partProvider[k] === t.partProvider[i] && t.partClass[k] === t.partClass[i]) sum += t.partAmount[k]!;
      }
      const inv = t.partInventory[i]!;
      if (sum > inv.maxUnit || !fits(inv, t.partUsed[i]!, sum)) return false;
    }
    return true;
  }

  /** Adds the cursor's complete choice as a candidate unless filtered or seen; false once the cap is reached. */
  private emit(): boolean {
    const { table } = this;
    const chosen = this.cur.chosen;
    if (this.req.sameSubtrees.length > 0 && !sameSubtreesOk(this.req, table, chosen)) return true;
    // Distinct option tuples of one anchor give distinct candidates; the same candidate can
    // only come back from another anchor through sharing providers (or when split pieces
    // coincide), so only those pay for the key.
    let sharing = false;
    for (let g = 0; g < chosen.length; g++) sharing ||= table.sharing[chosen[g]!]!;
    if (this.ranked || sharing) {
      const key = candidateKey(table, chosen, this.scratch, this.req.groups);
      if (this.seen.has(key)) return true;
      this.seen.add(key);
    }
    for (let g = 0; g < chosen.length; g++) table.candidateOptions.push(chosen[g]!);
    return this.cap === null || table.count < this.cap;
  }
}

function sameSubtreesOk(req: CandidateRequest, table: CandidateTable, chosen: number[]): boolean {
  for (const suffixes of req.sameSubtrees) {
    const ps = new Set<SnapshotProvider>();
    req.groups.forEach((g, i) => {
      if (suffixes.includes(g.suffix)) for (const p of table.providersOf(chosen[i]!)) ps.add(p);
    });
    const list = [...ps];
    if (!list.some((top) => list.every((p) => isAncestorOrSelf(top, p)))) return false;
  }
  return true;
}

/** Identifies a candidate whatever the order of its providers, classes and groups. */
function candidateKey(table: CandidateTable, chosen: number[], scratch: Consolidation, groups: RequestGroup[]): string {
  scratch.ofOptions(table, chosen);
  const parts: string[] = [];
  for (let k = 0; k < scratch.count; k++) {
    const p = scratch.providers[k]!;
    for (let j = 0; j < scratch.classCounts[k]!; j++)
      parts.push(`${p.index}:${scratch.classes[k]![j]}:${scratch.amounts[k]![j]}`);
  }
  parts.sort();
  const maps = chosen.map(
    (o, i) =>
      `${groups[i]!.suffix}=${table
        .providersOf(o)
        .map((p) => p.index)
        .sort((a, b) => a - b)
        .join(',')}`,
  );
  maps.sort();
  return `${parts.join(';')}|${maps.join(';')}`;
}
