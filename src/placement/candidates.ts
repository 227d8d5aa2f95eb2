// The allocation-candidates engine: Placement's semantics (per-group search, bucketing by anchor
// root, product, group policy, same_subtree, consolidation with a capacity re-check, dedup,
// limit) over an indexed in-memory snapshot. The product is a depth-first search that checks
// isolation and capacity on partial assignments, so it prunes instead of filtering afterwards,
// and it stops as soon as `limit` candidates exist (Placement's first-N, with our stable order).
// Options and candidates are kept in flat arrays (candidate-table.ts), not as objects: at
// thousands of candidates, allocating and collecting objects was most of the time.
//
// This module runs the steps; each has its own module:
//   candidate-request.ts  what is asked and answered (request groups, options, result)
//   group-plan.ts         per group, what every anchor's search needs, worked out once
//   anchors.ts            which trees are visited, each with its pool of providers
//   option-builder.ts     a group's options inside one pool (filters, per-class pieces)
//   can-split.ts          spreading a class over providers, and ranking split candidates
//   product-search.ts     options combined into candidates (group_policy, same_subtree, dedup)
//   breadth-first.ts      which candidates an answer cut by a cap or limit holds
//   summaries.ts          the providers to summarise
import { candidateAnchors, rootTraitsOk, sharingServers } from './anchors.js';
import { breadthFirst } from './breadth-first.js';
import { sortBySplitRank } from './can-split.js';
import type { CandidateRequest, CandidateResult } from './candidate-request.js';
import { CandidateTable, Consolidation } from './candidate-table.js';
import { planGroups } from './group-plan.js';
import { OptionBuilder } from './option-builder.js';
import { type Cursor, ProductSearch } from './product-search.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';
import { summarise } from './summaries.js';

export type { CandidateRequest, CandidateResult, RequestGroup } from './candidate-request.js';
export { CandidateTable, Consolidation } from './candidate-table.js';

/** Candidate c's allocations as maps (provider → class → amount), for callers that are not hot paths. */
export function allocationsOf(result: CandidateResult, c: number): Map<SnapshotProvider, Map<string, number>> {
  const a = new Consolidation().of(result.candidates, c);
  const out = new Map<SnapshotProvider, Map<string, number>>();
  for (let k = 0; k < a.count; k++) {
    const m = new Map<string, number>();
    for (let j = 0; j < a.classCounts[k]!; j++) m.set(a.classes[k]![j]!, a.amounts[k]![j]!);
    out.set(a.providers[k]!, m);
  }
  return out;
}

/** Candidate c's mappings as a map (group suffix → providers), for callers that are not hot paths. */
export function mappingsOf(result: CandidateResult, c: number): Map<string, SnapshotProvider[]> {
  const t = result.candidates;
  return new Map(result.suffixes.map((s, g) => [s, t.providersOf(t.option(c, g))]));
}

/** Anchors opened between two looks at the budget (the search also looks every few thousand steps). */
const ANCHOR_STEPS = 16;
const NO_PROVIDERS: readonly SnapshotProvider[] = [];

export function findCandidates(snap: ProviderSnapshot, req: CandidateRequest): CandidateResult {
  const suffixes = req.groups.map((g) => g.suffix);
  const table = new CandidateTable(Math.max(req.groups.length, 1));
  const empty: CandidateResult = { candidates: table, suffixes, summaries: [], truncated: null };
  if (req.groups.length === 0) return empty;
  const plans = planGroups(snap, req);
  if (plans === null) return empty;

  const granular = req.groups.filter((g) => g.suffix !== '').length;
  const isolate = req.groupPolicy === 'isolate' && granular >= 2;
  const ranked = req.canSplit.size > 0;
  const limit = ranked ? null : req.limit;
  const cap = minDefined(limit, req.maxCandidates ?? null);
  const budget = req.budget ?? null;
  const search = new ProductSearch(
    req,
    plans,
    table,
    isolate,
    cap,
    ranked,
    budget ? () => budget.spent(table) : undefined,
  );
  const builder = new OptionBuilder(snap, table);
  const servers = sharingServers(snap);
  // Each group's options for the current anchor: the option indices [from[i], to[i]).
  const from = new Array<number>(plans.length).fill(0);
  const to = new Array<number>(plans.length).fill(0);
  const open = (anchor: SnapshotProvider): Cursor | null => {
    if (!rootTraitsOk(anchor, req)) return null;
    const extra = servers.get(anchor) ?? NO_PROVIDERS;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      if (plan.sameOptionsAs >= 0) {
        from[i] = from[plan.sameOptionsAs]!;
        to[i] = to[plan.sameOptionsAs]!;
      } else {
        from[i] = table.optionCount;
        builder.addOptions(plan, anchor, extra);
        to[i] = table.optionCount;
      }
      if (to[i]! === from[i]!) return null;
    }
    return search.start(anchor, from, to);
  };
  // The budget is looked at before the first anchor and then every ANCHOR_STEPS anchors:
  // reading the clock before each one was 2% of q1 at 1 000 hosts.
  let opened = 0;
  const spent = () => budget !== null && opened++ % ANCHOR_STEPS === 0 && budget.spent(table);
  // Anchors are visited lazily, in provider order, so a cap stops the work early.
  const anchors = candidateAnchors(snap, req);
  // Without a cap both orders give the same candidates, and depth-first needs no rounds.
  if (cap !== null && req.strategy === 'breadth-first') {
    breadthFirst(anchors, open, search, table, cap, spent, servers.size === 0);
  } else {
    for (const anchor of anchors) {
      if (spent()) search.stopped ??= 'budget';
      if (search.stopped) break;
      const cursor = open(anchor);
      if (cursor && search.run(cursor, Number.POSITIVE_INFINITY) === 'stop') break;
    }
  }

  if (ranked) sortBySplitRank(table);
  if (req.limit !== null) table.candidateOptions.truncate(req.limit * table.groupCount);
  const truncated =
    search.stopped === 'budget'
      ? 'budget'
      : search.stopped === 'cap' && !(limit !== null && table.count >= limit)
        ? 'cap'
        : null;
  return { candidates: table, suffixes, summaries: summarise(snap, table, req.nestedAware), truncated };
}

function minDefined(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
