// The allocation-candidates engine: Placement's semantics (per-group search, bucketing by anchor
// root, product, group policy, same_subtree, consolidation with a capacity re-check, dedup,
// limit) over an indexed in-memory snapshot. The product is a depth-first search that checks
// isolation and capacity on partial assignments, so it prunes instead of filtering afterwards,
// and it stops as soon as `limit` candidates exist (Placement's first-N, with our stable order).
// Options and candidates are kept in flat arrays (candidate-table.ts), not as objects: at
// thousands of candidates, allocating and collecting objects was most of the time.
import { fits, unitsOk } from './capacity.js';
import { CandidateTable, Consolidation, IntList } from './candidate-table.js';
import type { ClassColumn, ProviderSnapshot, SnapshotProvider } from './snapshot.js';
import { isAncestorOrSelf } from './snapshot.js';
import { SHARING_TRAIT as SHARING_TRAIT_NAME } from './types.js';

export { CandidateTable, Consolidation } from './candidate-table.js';

export interface RequestGroup {
  /** '' for the unsuffixed group. */
  suffix: string;
  resources: Map<string, number>;
  /** Each inner list is an any-of set; a plain required trait is a set of one. */
  required: string[][];
  forbidden: string[];
  /** AND of OR-lists of aggregate UUIDs. */
  memberOf: string[][];
  forbiddenAggregates: string[];
  /** Provider UUID whose tree the group is restricted to; unknown UUIDs give no candidates. */
  inTree: string | null;
}

export interface CandidateRequest {
  groups: RequestGroup[];
  groupPolicy: 'none' | 'isolate' | null;
  limit: number | null;
  rootRequired: string[];
  rootForbidden: string[];
  sameSubtrees: string[][];
  /** Microversion 1.29+: a candidate may combine several providers of one tree. */
  nestedAware: boolean;
  /** vfnet's extension: classes whose amount may be spread over several providers of a tree. */
  canSplit: ReadonlySet<string>;
  /** A hard cap on generated candidates (Placement's max_allocation_candidates); null = none. */
  maxCandidates?: number | null;
}

export interface CandidateResult {
  candidates: CandidateTable;
  /** The request's group suffixes, in the order of each candidate's options (the `mappings` keys). */
  suffixes: string[];
  /** Providers to summarise, in snapshot order. */
  summaries: SnapshotProvider[];
}

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

/** A request group with what every anchor's search needs worked out once per request. */
interface GroupPlan {
  group: RequestGroup;
  suffixed: boolean;
  /** The in_tree root, or null when the group has no in_tree. */
  treeRoot: SnapshotProvider | null;
  classes: string[];
  amounts: number[];
  /** Per class: its inventories and usages by provider position. */
  columns: ClassColumn[];
  /** The group's required (any-of lists) and forbidden traits as provider-position columns. */
  requiredTraits: Uint8Array[][];
  forbiddenTraits: Uint8Array[];
  /** Per class: may the amount be spread over several providers (can_split at 1.29+)? */
  split: boolean[];
  /** Per class: named by can_split at all (the ranking and the one-provider rule look at this). */
  splittable: boolean[];
  /** Unsuffixed groups with resources combine providers; the others need one provider (see `OptionBuilder`). */
  combines: boolean;
  /** Some class is split (only for groups that do not combine). */
  anySplit: boolean;
  /**
   * An earlier group whose options are the same as this one's (every field above but the suffix
   * is equal: e.g. one group per port of a VM), or -1. Its options are used again.
   */
  sameOptionsAs: number;
}

const MAX_SPLIT_SUBSETS = 64;

export function findCandidates(snap: ProviderSnapshot, req: CandidateRequest): CandidateResult {
  const suffixes = req.groups.map((g) => g.suffix);
  const table = new CandidateTable(Math.max(req.groups.length, 1));
  const empty: CandidateResult = { candidates: table, suffixes, summaries: [] };
  if (req.groups.length === 0) return empty;
  const plans: GroupPlan[] = [];
  const signatures: string[] = [];
  for (const g of req.groups) {
    const root = treeRootOf(snap, g);
    if (root === null) return empty;
    const plan = planOf(snap, g, root ?? null, req);
    const signature = optionsSignature(plan);
    plan.sameOptionsAs = signatures.indexOf(signature);
    signatures.push(signature);
    plans.push(plan);
  }

  const granular = req.groups.filter((g) => g.suffix !== '').length;
  const isolate = req.groupPolicy === 'isolate' && granular >= 2;
  const ranked = req.canSplit.size > 0;
  const limit = ranked ? null : req.limit;
  const cap = minDefined(limit, req.maxCandidates ?? null);
  const search = new ProductSearch(req, plans, table, isolate, cap, ranked);
  const builder = new OptionBuilder(snap, table);
  const servers = sharingServers(snap);
  // Each group's options for the current anchor: the option indices [from[i], to[i]).
  const from = new Array<number>(plans.length).fill(0);
  const to = new Array<number>(plans.length).fill(0);

  // Anchors are visited lazily, in provider order, so a limit stops the work early.
  for (const anchor of candidateAnchors(snap, req)) {
    if (cap !== null && table.count >= cap) break;
    if (!rootTraitsOk(anchor, req)) continue;
    const pool = poolOf(snap, anchor, servers);
    let complete = true;
    for (let i = 0; i < plans.length && complete; i++) {
      const plan = plans[i]!;
      if (plan.sameOptionsAs >= 0) {
        from[i] = from[plan.sameOptionsAs]!;
        to[i] = to[plan.sameOptionsAs]!;
      } else {
        from[i] = table.optionCount;
        builder.addOptions(plan, pool);
        to[i] = table.optionCount;
      }
      complete = to[i]! > from[i]!;
    }
    if (complete && !search.addAll(anchor, from, to)) break;
  }

  if (ranked) sortBySplitRank(table);
  if (req.limit !== null) table.candidateOptions.truncate(req.limit * table.groupCount);
  return { candidates: table, suffixes, summaries: summarise(snap, table, req.nestedAware) };
}

function planOf(snap: ProviderSnapshot, g: RequestGroup, treeRoot: SnapshotProvider | null, req: CandidateRequest): GroupPlan {
  const classes = [...g.resources.keys()];
  const split = classes.map((rc) => req.nestedAware && req.canSplit.has(rc));
  const combines = g.suffix === '' && g.resources.size > 0;
  return {
    group: g, suffixed: g.suffix !== '', treeRoot, classes,
    amounts: classes.map((rc) => g.resources.get(rc)!),
    columns: classes.map((rc) => snap.classColumn(rc)),
    requiredTraits: g.required.map((anyOf) => anyOf.map((t) => snap.traitColumn(t))),
    forbiddenTraits: g.forbidden.map((t) => snap.traitColumn(t)),
    split, splittable: classes.map((rc) => req.canSplit.has(rc)),
    combines, anySplit: !combines && split.includes(true), sameOptionsAs: -1,
  };
}

/** Everything a group's options depend on (besides the snapshot and the anchor), as text. */
function optionsSignature(plan: GroupPlan): string {
  const g = plan.group;
  return JSON.stringify([plan.treeRoot?.index ?? null, plan.classes, plan.amounts, plan.split, plan.splittable,
    plan.combines, g.required, g.forbidden, g.memberOf, g.forbiddenAggregates]);
}

function rootTraitsOk(anchor: SnapshotProvider, req: CandidateRequest): boolean {
  for (const t of req.rootRequired) if (!anchor.traits.has(t)) return false;
  for (const t of req.rootForbidden) if (anchor.traits.has(t)) return false;
  return true;
}

/**
 * The product of one anchor's group options, depth first: group policy, the pre-1.29
 * one-provider rule and capacity are checked on each partial assignment, so impossible
 * branches are pruned instead of filtered afterwards. Candidates accumulate in the table.
 */
class ProductSearch {
  private readonly seen = new Set<string>();
  private readonly chosen: number[];
  private from: number[] = [];
  private to: number[] = [];
  private anchor: SnapshotProvider | null = null;
  private readonly scratch = new Consolidation();

  constructor(private readonly req: CandidateRequest, private readonly plans: GroupPlan[],
    private readonly table: CandidateTable, private readonly isolate: boolean,
    private readonly cap: number | null, private readonly ranked: boolean) {
    this.chosen = new Array<number>(plans.length).fill(0);
  }

  /** Adds the candidates of one anchor whose group i has the options [from[i], to[i]); false once the cap is reached. */
  addAll(anchor: SnapshotProvider, from: number[], to: number[]): boolean {
    this.anchor = anchor;
    this.from = from;
    this.to = to;
    return this.visit(0);
  }

  private visit(i: number): boolean {
    if (i === this.plans.length) return this.emit();
    const suffixed = this.plans[i]!.suffixed;
    for (let o = this.from[i]!; o < this.to[i]!; o++) {
      if (this.isolate && suffixed && this.sharesGranularProvider(o, i)) continue;
      // Before 1.29 a candidate may use only one provider of the anchor's tree.
      if (!this.req.nestedAware && this.addsTreeProvider(o, i)) continue;
      if (!this.fitsWithChosen(o, i)) continue;
      this.chosen[i] = o;
      if (!this.visit(i + 1)) return false;
    }
    return true;
  }

  /** group_policy=isolate: does option o use a provider that an earlier suffixed group uses? */
  private sharesGranularProvider(o: number, depth: number): boolean {
    for (let j = 0; j < depth; j++) {
      if (this.plans[j]!.suffixed && this.table.shareProvider(o, this.chosen[j]!)) return true;
    }
    return false;
  }

  /** Would option o make the chosen options use more than one provider of the anchor's own tree (sharing ones aside)? */
  private addsTreeProvider(o: number, depth: number): boolean {
    const t = this.table;
    let only: SnapshotProvider | null = null;
    for (let j = 0; j <= depth; j++) {
      const option = j < depth ? this.chosen[j]! : o;
      for (let i = t.providerStart[option]!; i < t.providerEnd[option]!; i++) {
        const p = t.optionProviders[i]!;
        if (p.root !== this.anchor) continue;
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
      for (let j = 0; j < depth; j++) sum += t.amountLike(this.chosen[j]!, i);
      // The option's own parts up to this one (a provider's class appears once in an option, in practice).
      for (let k = t.partStart[o]!; k <= i; k++) {
        if (t.partProvider[k] === t.partProvider[i] && t.partClass[k] === t.partClass[i]) sum += t.partAmount[k]!;
      }
      const inv = t.partInventory[i]!;
      if (sum > inv.maxUnit || !fits(inv, t.partUsed[i]!, sum)) return false;
    }
    return true;
  }

  private emit(): boolean {
    const { chosen, table } = this;
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

/** can_split: fewest providers first, then the most even split; stable otherwise. */
function sortBySplitRank(table: CandidateTable): void {
  const n = table.count;
  const count = new Array<number>(n).fill(0);
  const spread = new Array<number>(n).fill(0);
  for (let c = 0; c < n; c++) {
    for (let g = 0; g < table.groupCount; g++) {
      count[c]! += table.splitCount[table.option(c, g)]!;
      spread[c]! += table.splitSpread[table.option(c, g)]!;
    }
  }
  const order = Array.from({ length: n }, (_, c) => c);
  order.sort((a, b) => count[a]! - count[b]! || spread[a]! - spread[b]!);
  const sorted = new IntList();
  for (const c of order) for (let g = 0; g < table.groupCount; g++) sorted.push(table.option(c, g));
  table.candidateOptions = sorted;
}

/** For each root, the sharing providers outside its tree that serve it (through an aggregate). */
const sharingCache = new WeakMap<ProviderSnapshot, Map<SnapshotProvider, SnapshotProvider[]>>();
function sharingServers(snap: ProviderSnapshot): Map<SnapshotProvider, SnapshotProvider[]> {
  let m = sharingCache.get(snap);
  if (m) return m;
  m = new Map();
  for (const p of snap.withTrait(SHARING_TRAIT_NAME)) {
    for (const root of anchorsOf(snap, p)) {
      if (root === p.root) continue;
      const l = m.get(root);
      if (l) l.push(p);
      else m.set(root, [p]);
    }
  }
  sharingCache.set(snap, m);
  return m;
}

function poolOf(snap: ProviderSnapshot, anchor: SnapshotProvider, servers: Map<SnapshotProvider, SnapshotProvider[]>): readonly SnapshotProvider[] {
  const extra = servers.get(anchor);
  const tree = snap.tree(anchor);
  return extra ? [...tree, ...extra] : tree;
}

/**
 * A superset of the anchors that can satisfy every group, in provider order: the anchors of
 * the smallest index list (by class or by trait) that some group's providers must come from.
 */
function candidateAnchors(snap: ProviderSnapshot, req: CandidateRequest): SnapshotProvider[] {
  let best: readonly SnapshotProvider[] | null = null;
  for (const g of req.groups) {
    const seed = seedProviders(snap, g);
    if (!best || seed.length < best.length) best = seed;
  }
  const anchors = new Set<SnapshotProvider>();
  for (const p of best ?? snap.providers) {
    anchors.add(p.root);
    if (p.sharing) for (const a of anchorsOf(snap, p)) anchors.add(a);
  }
  return [...anchors].sort((a, b) => a.index - b.index);
}

function minDefined(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function passesProviderFilters(p: SnapshotProvider, plan: GroupPlan, treeRoot: SnapshotProvider | null): boolean {
  const g = plan.group;
  if (treeRoot && p.root !== treeRoot) return false;
  for (const column of plan.forbiddenTraits) if (column[p.index]) return false;
  for (const anyOf of plan.requiredTraits) if (!anyMarked(anyOf, p.index)) return false;
  for (const anyOf of g.memberOf) if (!hasAny(p.aggregates, anyOf)) return false;
  for (const a of g.forbiddenAggregates) if (p.aggregates.has(a)) return false;
  return true;
}

/** Unsuffixed group, per supplier: forbidden traits on any supplier; aggregates on the provider or its root. */
function passesSupplierFilters(p: SnapshotProvider, plan: GroupPlan): boolean {
  const g = plan.group;
  for (const column of plan.forbiddenTraits) if (column[p.index]) return false;
  for (const anyOf of g.memberOf) if (!hasAny(p.aggregates, anyOf) && !hasAny(p.root.aggregates, anyOf)) return false;
  for (const a of g.forbiddenAggregates) if (p.aggregates.has(a) || p.root.aggregates.has(a)) return false;
  return true;
}

function anyMarked(columns: Uint8Array[], index: number): boolean {
  for (const column of columns) if (column[index]) return true;
  return false;
}

function hasAny(set: ReadonlySet<string>, anyOf: readonly string[]): boolean {
  for (const x of anyOf) if (set.has(x)) return true;
  return false;
}

/** Roots this provider can serve: its own, plus, for a sharing provider, every tree that shares an aggregate with it. */
function anchorsOf(snap: ProviderSnapshot, p: SnapshotProvider): SnapshotProvider[] {
  if (!p.sharing) return [p.root];
  const roots = new Set<SnapshotProvider>([p.root]);
  for (const a of p.aggregates) for (const q of snap.inAggregate(a)) roots.add(q.root);
  return [...roots];
}

/** undefined = no in_tree; null = in_tree names an unknown provider (no candidates). */
function treeRootOf(snap: ProviderSnapshot, g: RequestGroup): SnapshotProvider | null | undefined {
  if (g.inTree === null) return undefined;
  return snap.get(g.inTree)?.root ?? null;
}

/** Can the provider at this position of the class column give all of `amount`? */
function columnServes(column: ClassColumn, index: number, amount: number): boolean {
  const inv = column.inventory[index];
  return !!inv && unitsOk(inv, amount) && fits(inv, column.used[index]!, amount);
}

function canServe(p: SnapshotProvider, snap: ProviderSnapshot, rc: string, amount: number): boolean {
  const inv = p.inventories.get(rc);
  return !!inv && unitsOk(inv, amount) && fits(inv, snap.used(p, rc), amount);
}

/** The smallest index list that every match must be in. */
function seedProviders(snap: ProviderSnapshot, g: RequestGroup): readonly SnapshotProvider[] {
  let best: readonly SnapshotProvider[] | null = null;
  for (const rc of g.resources.keys()) {
    const l = snap.withClass(rc);
    if (!best || l.length < best.length) best = l;
  }
  for (const anyOf of g.required) {
    if (anyOf.length !== 1) continue;
    const l = snap.withTrait(anyOf[0]!);
    if (!best || l.length < best.length) best = l;
  }
  return best ?? snap.providers;
}

/**
 * Appends to the table the options of one group inside one anchor's pool of providers. Its
 * scratch arrays (the pieces of each class) are reused from one anchor to the next.
 *
 * Suffixed (and resourceless) groups: one provider satisfies everything. Unsuffixed groups,
 * and suffixed ones with a split class: per class the pieces that can supply it (one part, or
 * several for a split class), then their product; for a suffixed group with a split class, the
 * classes that are not split still come from one provider, which passes the group's filters.
 */
class OptionBuilder {
  /** Pieces of class k: parts [pieceStart[k][n], pieceEnd[k][n]) for n below pieceCount[k]. */
  private readonly pieceStart: number[][] = [];
  private readonly pieceEnd: number[][] = [];
  private readonly pieceCount: number[] = [];
  /** The piece of each class in the current product entry. */
  private readonly at: number[] = [];

  constructor(private readonly snap: ProviderSnapshot, private readonly table: CandidateTable) {}

  addOptions(plan: GroupPlan, pool: readonly SnapshotProvider[]): void {
    if (plan.combines) this.addProduct(plan, pool, false);
    else if (plan.anySplit) this.addProduct(plan, pool, true);
    else this.addSingles(plan, pool);
  }

  /** One option per provider that serves every class (or, resourceless, passes the filters). */
  private addSingles(plan: GroupPlan, pool: readonly SnapshotProvider[]): void {
    const { classes, amounts, columns } = plan;
    for (const p of pool) {
      let serves = true;
      for (let k = 0; k < classes.length && serves; k++) serves = columnServes(columns[k]!, p.index, amounts[k]!);
      if (!serves || !passesProviderFilters(p, plan, plan.treeRoot)) continue;
      const start = this.table.partProvider.length;
      for (let k = 0; k < classes.length; k++) this.addPart(p, plan, k, amounts[k]!);
      this.table.addOption(start, this.table.partProvider.length, 0, 0, p);
    }
  }

  /** A part of `amount` of the plan's class k on `p`. */
  private addPart(p: SnapshotProvider, plan: GroupPlan, k: number, amount: number): number {
    const column = plan.columns[k]!;
    return this.table.addPart(p, plan.classes[k]!, amount, column.inventory[p.index]!, column.used[p.index]!);
  }

  private addProduct(plan: GroupPlan, pool: readonly SnapshotProvider[], singleProvider: boolean): void {
    const n = plan.classes.length;
    for (let k = 0; k < n; k++) if (!this.addPieces(plan, k, pool, singleProvider)) return;
    // The product of the classes' pieces, odometer style (the last class turns fastest).
    for (let k = 0; k < n; k++) this.at[k] = 0;
    for (;;) {
      if (singleProvider ? this.oneProviderOk(plan) : this.collectiveTraitsOk(plan.group, n)) this.addCombination(plan);
      let k = n - 1;
      while (k >= 0 && ++this.at[k]! === this.pieceCount[k]!) this.at[k--] = 0;
      if (k < 0) return;
    }
  }

  /** The pieces that can supply class k; false if there are none. */
  private addPieces(plan: GroupPlan, k: number, pool: readonly SnapshotProvider[], singleProvider: boolean): boolean {
    const rc = plan.classes[k]!;
    const amount = plan.amounts[k]!;
    const split = plan.split[k]!;
    const column = plan.columns[k]!;
    if (k === this.pieceStart.length) {
      this.pieceStart.push([]);
      this.pieceEnd.push([]);
    }
    const starts = this.pieceStart[k]!;
    const ends = this.pieceEnd[k]!;
    let count = 0;
    // For a split class, the providers that can take some of it.
    const takers: SnapshotProvider[] = [];
    for (const p of pool) {
      const inv = column.inventory[p.index];
      if (!inv) continue;
      if (plan.treeRoot && p.root !== plan.treeRoot) continue;
      if (singleProvider ? !passesProviderFilters(p, plan, null) : !passesSupplierFilters(p, plan)) continue;
      if (split) {
        if (inv.total - inv.reserved > 0 && fits(inv, column.used[p.index]!, Math.min(amount, inv.minUnit))) takers.push(p);
      } else if (columnServes(column, p.index, amount)) {
        const i = this.addPart(p, plan, k, amount);
        starts[count] = i;
        ends[count++] = i + 1;
      }
    }
    if (takers.length > 0) {
      for (const piece of splitPieces(this.snap, takers, rc, amount)) {
        starts[count] = this.table.partProvider.length;
        for (const { provider, amount: share } of piece) this.addPart(provider, plan, k, share);
        ends[count++] = this.table.partProvider.length;
      }
    }
    this.pieceCount[k] = count;
    return count > 0;
  }

  private pieceOf(k: number): [number, number] {
    const n = this.at[k]!;
    return [this.pieceStart[k]![n]!, this.pieceEnd[k]![n]!];
  }

  /** Suffixed group with a split class: the classes that are not split come from one provider. */
  private oneProviderOk(plan: GroupPlan): boolean {
    let single: SnapshotProvider | null = null;
    for (let k = 0; k < plan.classes.length; k++) {
      if (plan.splittable[k]) continue;
      const p = this.table.partProvider[this.pieceStart[k]![this.at[k]!]!]!;
      if (single !== null && single !== p) return false;
      single = p;
    }
    return true;
  }

  /** Unsuffixed group: the required and forbidden traits hold for the chosen pieces' providers together. */
  private collectiveTraitsOk(g: RequestGroup, n: number): boolean {
    for (const anyOf of g.required) {
      if (!anyOf.some((t) => this.somePieceHasTrait(n, t))) return false;
    }
    for (const t of g.forbidden) if (this.somePieceHasTrait(n, t)) return false;
    return true;
  }

  private somePieceHasTrait(n: number, trait: string): boolean {
    for (let k = 0; k < n; k++) {
      const [start, end] = this.pieceOf(k);
      for (let i = start; i < end; i++) if (this.table.partProvider[i]!.traits.has(trait)) return true;
    }
    return false;
  }

  /** The option made of the current piece of each class (their parts copied next to each other unless they already are). */
  private addCombination(plan: GroupPlan): void {
    const t = this.table;
    const n = plan.classes.length;
    let start = this.pieceStart[0]![this.at[0]!]!;
    let end = start;
    let consecutive = true;
    for (let k = 0; k < n && consecutive; k++) {
      const [s, e] = this.pieceOf(k);
      consecutive = s === end;
      end = e;
    }
    if (!consecutive) {
      start = t.partProvider.length;
      for (let k = 0; k < n; k++) {
        const [s, e] = this.pieceOf(k);
        for (let i = s; i < e; i++) t.copyPart(i);
      }
      end = t.partProvider.length;
    }
    let splitCount = 0;
    let splitSpread = 0;
    for (let k = 0; k < n; k++) {
      if (!plan.splittable[k]) continue;
      const [s, e] = this.pieceOf(k);
      splitCount += e - s;
      let most = -Infinity;
      let least = Infinity;
      for (let i = s; i < e; i++) {
        most = Math.max(most, t.partAmount[i]!);
        least = Math.min(least, t.partAmount[i]!);
      }
      splitSpread += most - least;
    }
    t.addOption(start, end, splitCount, splitSpread);
  }
}

/**
 * can_split: the providers of one tree that can take part of `amount`, as pieces (each a list
 * of shares). If single providers can take all of it, those alone (Placement's answer); else
 * the smallest provider count that can, each subset split as evenly as the inventories allow.
 */
function splitPieces(snap: ProviderSnapshot, provs: SnapshotProvider[], rc: string, amount: number): Share[][] {
  const singles = provs.filter((p) => canServe(p, snap, rc, amount));
  if (singles.length > 0) return singles.map((p) => [{ provider: p, amount }]);
  const room = (p: SnapshotProvider) => {
    const inv = p.inventories.get(rc)!;
    const free = Math.floor((inv.total - inv.reserved) * inv.allocationRatio) - snap.used(p, rc);
    const most = Math.min(free, inv.maxUnit);
    return most - (most % inv.stepSize);
  };
  const rooms = provs.map((p) => ({ p, room: room(p) })).filter((x) => x.room >= x.p.inventories.get(rc)!.minUnit);
  const sortedRooms = [...rooms].sort((a, b) => b.room - a.room);
  let m = 0;
  for (let acc = 0; m < sortedRooms.length && acc < amount; m++) acc += sortedRooms[m]!.room;
  if (sortedRooms.slice(0, m).reduce((s, x) => s + x.room, 0) < amount) return [];
  for (let size = Math.max(m, 2); size <= rooms.length; size++) {
    const found: Share[][] = [];
    for (const subset of combinations(rooms, size, MAX_SPLIT_SUBSETS * 4)) {
      const amounts = evenSplit(amount, subset.map((x) => ({ room: x.room, inv: x.p.inventories.get(rc)! })));
      if (!amounts) continue;
      found.push(subset.map((x, i) => ({ provider: x.p, amount: amounts[i]! })));
      if (found.length >= MAX_SPLIT_SUBSETS) break;
    }
    if (found.length > 0) return found;
  }
  return [];
}

interface Share {
  provider: SnapshotProvider;
  amount: number;
}

/** Water-filling: as even as each provider's room, min_unit and step_size allow; null if impossible. */
export function evenSplit(amount: number, slots: Array<{ room: number; inv: { minUnit: number; stepSize: number } }>): number[] | null {
  const n = slots.length;
  const order = slots.map((_, i) => i).sort((a, b) => slots[a]!.room - slots[b]!.room);
  const out = new Array<number>(n).fill(0);
  let left = amount;
  order.forEach((i, k) => {
    const share = Math.ceil(left / (n - k));
    const step = slots[i]!.inv.stepSize;
    let give = Math.min(slots[i]!.room, share);
    give -= give % step;
    out[i] = give;
    left -= give;
  });
  // Whatever rounding left over goes to the providers with room to spare.
  for (const i of [...order].reverse()) {
    if (left <= 0) break;
    const step = slots[i]!.inv.stepSize;
    const extra = Math.min(slots[i]!.room - out[i]!, left);
    const add = extra - (extra % step);
    out[i]! += add;
    left -= add;
  }
  if (left !== 0) return null;
  if (out.some((a, i) => a < slots[i]!.inv.minUnit)) return null;
  return out;
}

function* combinations<T>(xs: T[], k: number, max: number): Generator<T[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  let produced = 0;
  if (k > xs.length) return;
  for (;;) {
    yield idx.map((i) => xs[i]!);
    if (++produced >= max) return;
    let i = k - 1;
    while (i >= 0 && idx[i] === xs.length - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
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
    for (let j = 0; j < scratch.classCounts[k]!; j++) parts.push(`${p.index}:${scratch.classes[k]![j]}:${scratch.amounts[k]![j]}`);
  }
  parts.sort();
  const maps = chosen.map((o, i) => `${groups[i]!.suffix}=${table.providersOf(o).map((p) => p.index).sort((a, b) => a - b).join(',')}`);
  maps.sort();
  return `${parts.join(';')}|${maps.join(';')}`;
}

/**
 * The providers to summarise, in snapshot order: before 1.29 those allocated from; from 1.29 on
 * every provider of each tree that a candidate allocates from or maps a group to.
 */
function summarise(snap: ProviderSnapshot, table: CandidateTable, nestedAware: boolean): SnapshotProvider[] {
  const marked = new Uint8Array(snap.providers.length);
  // Options recur in many candidates; each is looked at once.
  const seen = new Uint8Array(table.optionCount);
  for (let n = 0; n < table.candidateOptions.length; n++) {
    const o = table.candidateOptions.at(n);
    if (seen[o]) continue;
    seen[o] = 1;
    for (let i = table.partStart[o]!; i < table.partEnd[o]!; i++) {
      const p = table.partProvider[i]!;
      marked[nestedAware ? p.root.index : p.index] = 1;
    }
    if (!nestedAware) continue;
    for (let i = table.providerStart[o]!; i < table.providerEnd[o]!; i++) marked[table.optionProviders[i]!.root.index] = 1;
  }
  const out: SnapshotProvider[] = [];
  for (const p of snap.providers) if (marked[nestedAware ? p.root.index : p.index]) out.push(p);
  return out;
}
