// The allocation-candidates engine: Placement's semantics (per-group search, bucketing by anchor
// root, product, group policy, same_subtree, consolidation with a capacity re-check, dedup,
// limit) over an indexed in-memory snapshot. The product is a depth-first search that checks
// isolation and capacity on partial assignments, so it prunes instead of filtering afterwards,
// and it stops as soon as `limit` candidates exist (Placement's first-N, with our stable order).
import { fits, unitsOk } from './capacity.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';
import { isAncestorOrSelf } from './snapshot.js';
import { SHARING_TRAIT as SHARING_TRAIT_NAME } from './types.js';

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

/** One provider's share of one class in a candidate. */
export interface Part {
  provider: SnapshotProvider;
  resourceClass: string;
  amount: number;
}

/** How one request group is satisfied inside one tree. */
interface GroupOption {
  parts: Part[];
  /** Providers that satisfied the group, in order of first use (the `mappings` entry). */
  providers: SnapshotProvider[];
  /** The providers among them that belong to the anchor's own tree (not sharing ones). */
  inTree: SnapshotProvider[];
  /** Providers used by split classes, for ranking split candidates. */
  splitCount: number;
  splitSpread: number;
}

export interface Candidate {
  /** provider → class → amount, consolidated over the groups. */
  allocations: Map<SnapshotProvider, Map<string, number>>;
  mappings: Map<string, SnapshotProvider[]>;
}

export interface CandidateResult {
  candidates: Candidate[];
  /** Providers to summarise, in snapshot order. */
  summaries: SnapshotProvider[];
}

const MAX_SPLIT_SUBSETS = 64;

export function findCandidates(snap: ProviderSnapshot, req: CandidateRequest): CandidateResult {
  const empty: CandidateResult = { candidates: [], summaries: [] };
  if (req.groups.length === 0) return empty;
  const roots: Array<SnapshotProvider | null | undefined> = req.groups.map((g) => treeRootOf(snap, g));
  if (roots.some((r) => r === null)) return empty;

  const granular = req.groups.filter((g) => g.suffix !== '').length;
  const isolate = req.groupPolicy === 'isolate' && granular >= 2;
  const ranked = req.canSplit.size > 0;
  const limit = ranked ? null : req.limit;
  const cap = minDefined(limit, req.maxCandidates ?? null);
  const out: Array<{ c: Candidate; splitCount: number; splitSpread: number }> = [];
  const seen = new Set<string>();
  const servers = sharingServers(snap);

  // Anchors are visited lazily, in provider order, so a limit stops the work early.
  for (const anchor of candidateAnchors(snap, req)) {
    if (cap !== null && out.length >= cap) break;
    if (!req.rootRequired.every((t) => anchor.traits.has(t)) || req.rootForbidden.some((t) => anchor.traits.has(t))) continue;
    const pool = poolOf(snap, anchor, servers);
    const lists: GroupOption[][] = [];
    for (let i = 0; i < req.groups.length; i++) {
      const g = req.groups[i]!;
      const options = g.suffix === '' && g.resources.size > 0
        ? groupOptions(snap, g, req, roots[i] ?? null, false, pool, anchor)
        : suffixedOptions(snap, g, req, roots[i] ?? null, pool, anchor);
      if (options.length === 0) break;
      lists.push(options);
    }
    if (lists.length !== req.groups.length) continue;

    const chosen: GroupOption[] = new Array(lists.length);
    const load = new Map<SnapshotProvider, Map<string, number>>();
    const granularProviders = new Map<SnapshotProvider, number>();
    const treeProviders = new Map<SnapshotProvider, number>();

    const addLoad = (o: GroupOption, sign: 1 | -1): boolean => {
      let ok = true;
      for (const part of o.parts) {
        let m = load.get(part.provider);
        if (!m) load.set(part.provider, (m = new Map()));
        const sum = (m.get(part.resourceClass) ?? 0) + sign * part.amount;
        m.set(part.resourceClass, sum);
        if (sign === 1 && ok) {
          const inv = part.provider.inventories.get(part.resourceClass)!;
          if (sum > inv.maxUnit || !fits(inv, snap.used(part.provider, part.resourceClass), sum)) ok = false;
        }
      }
      return ok;
    };
    const count = (m: Map<SnapshotProvider, number>, ps: Iterable<SnapshotProvider>, sign: 1 | -1) => {
      for (const p of ps) {
        const n = (m.get(p) ?? 0) + sign;
        if (n === 0) m.delete(p);
        else m.set(p, n);
      }
    };

    const visit = (i: number): boolean => {
      if (i === lists.length) {
        if (!sameSubtreesOk(req, chosen)) return true;
        const c = consolidate(req.groups, chosen);
        // Distinct option tuples of one anchor give distinct candidates; the same candidate can
        // only come back from another anchor through sharing providers (or when split pieces
        // coincide), so only those pay for the key.
        if (ranked || chosen.some((o) => o.providers.some((p) => p.sharing))) {
          const key = candidateKey(c);
          if (seen.has(key)) return true;
          seen.add(key);
        }
        let splitCount = 0;
        let splitSpread = 0;
        for (const o of chosen) {
          splitCount += o.splitCount;
          splitSpread += o.splitSpread;
        }
        out.push({ c, splitCount, splitSpread });
        return cap === null || out.length < cap;
      }
      const g = req.groups[i]!;
      for (const o of lists[i]!) {
        if (isolate && g.suffix !== '' && o.providers.some((p) => granularProviders.has(p))) continue;
        // Before 1.29 a candidate may use only one provider of the anchor's tree.
        if (!req.nestedAware && new Set([...treeProviders.keys(), ...o.inTree]).size > 1) continue;
        chosen[i] = o;
        const ok = addLoad(o, 1);
        let go = true;
        if (ok) {
          if (g.suffix !== '') count(granularProviders, o.providers, 1);
          count(treeProviders, o.inTree, 1);
          go = visit(i + 1);
          if (g.suffix !== '') count(granularProviders, o.providers, -1);
          count(treeProviders, o.inTree, -1);
        }
        addLoad(o, -1);
        if (!go) return false;
      }
      return true;
    };
    visit(0);
  }

  if (ranked) out.sort((a, b) => a.splitCount - b.splitCount || a.splitSpread - b.splitSpread);
  const kept = (req.limit !== null ? out.slice(0, req.limit) : out).map((x) => x.c);
  return { candidates: kept, summaries: summarise(snap, kept, req.nestedAware) };
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

function hasAllAggregates(aggs: Set<string>, memberOf: string[][]): boolean {
  return memberOf.every((anyOf) => anyOf.some((a) => aggs.has(a)));
}

function passesProviderFilters(p: SnapshotProvider, g: RequestGroup, treeRoot: SnapshotProvider | null): boolean {
  if (treeRoot && p.root !== treeRoot) return false;
  if (g.forbidden.some((t) => p.traits.has(t))) return false;
  if (!g.required.every((anyOf) => anyOf.some((t) => p.traits.has(t)))) return false;
  if (!hasAllAggregates(p.aggregates, g.memberOf)) return false;
  if (g.forbiddenAggregates.some((a) => p.aggregates.has(a))) return false;
  return true;
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

function canServe(p: SnapshotProvider, snap: ProviderSnapshot, rc: string, amount: number): boolean {
  const inv = p.inventories.get(rc);
  return !!inv && unitsOk(inv, amount) && fits(inv, snap.used(p, rc), amount);
}


/** Suffixed group: one provider satisfies everything (or, with can_split, several providers for split classes). */
function suffixedOptions(snap: ProviderSnapshot, g: RequestGroup, req: CandidateRequest, root: SnapshotProvider | null,
  pool: readonly SnapshotProvider[], anchor: SnapshotProvider): GroupOption[] {
  const splitClasses = req.nestedAware ? [...g.resources.keys()].filter((rc) => req.canSplit.has(rc)) : [];
  if (splitClasses.length > 0) return groupOptions(snap, g, req, root, true, pool, anchor);
  const out: GroupOption[] = [];
  for (const p of pool) {
    if (!passesProviderFilters(p, g, root)) continue;
    let ok = true;
    for (const [rc, amount] of g.resources) if (!canServe(p, snap, rc, amount)) { ok = false; break; }
    if (!ok) continue;
    const parts = [...g.resources].map(([rc, amount]) => ({ provider: p, resourceClass: rc, amount }));
    out.push({ parts, providers: [p], inTree: p.root === anchor ? [p] : [], splitCount: 0, splitSpread: 0 });
  }
  return out;
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
 * Builds options class by class: per anchor, the pieces (one provider, or several for a split
 * class) that can supply each class, then their product. `singleProvider` is the suffixed-group
 * rule: all classes that are not split come from one provider, and every provider passes the
 * group's filters on its own.
 */
function groupOptions(snap: ProviderSnapshot, g: RequestGroup, req: CandidateRequest,
  root: SnapshotProvider | null, singleProvider: boolean, pool: readonly SnapshotProvider[], anchor: SnapshotProvider): GroupOption[] {
  const out: GroupOption[] = [];
  const classes = [...g.resources.keys()];
  const perClass: Part[][][] = [];
  for (const rc of classes) {
    const amount = g.resources.get(rc)!;
    const split = req.nestedAware && req.canSplit.has(rc);
    const provs: SnapshotProvider[] = [];
    for (const p of pool) {
      const inv = p.inventories.get(rc);
      if (!inv) continue;
      if (root && p.root !== root) continue;
      if (singleProvider) {
        if (!passesProviderFilters(p, g, null)) continue;
      } else {
        // Unsuffixed: forbidden traits on any supplier; aggregates on the provider or its root.
        if (g.forbidden.some((t) => p.traits.has(t))) continue;
        if (!g.memberOf.every((anyOf) => anyOf.some((a) => p.aggregates.has(a) || p.root.aggregates.has(a)))) continue;
        if (g.forbiddenAggregates.some((a) => p.aggregates.has(a) || p.root.aggregates.has(a))) continue;
      }
      if (!split && !canServe(p, snap, rc, amount)) continue;
      if (split && (inv.total - inv.reserved <= 0 || !fits(inv, snap.used(p, rc), Math.min(amount, inv.minUnit)))) continue;
      provs.push(p);
    }
    if (provs.length === 0) return out;
    const list = split ? splitPieces(snap, provs, rc, amount) : provs.map((p) => [{ provider: p, resourceClass: rc, amount }]);
    if (list.length === 0) return out;
    perClass.push(list);
  }

  const chosen: Part[][] = [];
  const walk = (i: number): void => {
    if (i === perClass.length) {
      const parts = chosen.flat();
      const providers = unique(parts.map((p) => p.provider));
      if (singleProvider) {
        const singles = new Set(chosen.filter((_, k) => !req.canSplit.has(classes[k]!)).map((pc) => pc[0]!.provider));
        if (singles.size > 1) return;
      } else if (!collectiveTraitsOk(g, providers)) return;
      let splitCount = 0;
      let splitSpread = 0;
      chosen.forEach((pc, k) => {
        if (!req.canSplit.has(classes[k]!)) return;
        splitCount += pc.length;
        const amounts = pc.map((x) => x.amount);
        splitSpread += Math.max(...amounts) - Math.min(...amounts);
      });
      out.push({ parts, providers, inTree: providers.filter((p) => p.root === anchor), splitCount, splitSpread });
      return;
    }
    for (const pc of perClass[i]!) {
      chosen.push(pc);
      walk(i + 1);
      chosen.pop();
    }
  };
  walk(0);
  return out;
}

function collectiveTraitsOk(g: RequestGroup, providers: SnapshotProvider[]): boolean {
  const has = (t: string) => providers.some((p) => p.traits.has(t));
  return g.required.every((anyOf) => anyOf.some(has)) && !g.forbidden.some(has);
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/**
 * can_split: the providers of one tree that can take part of `amount`. If single providers can
 * take all of it, those alone (Placement's answer); else the smallest provider count that can,
 * each subset split as evenly as the inventories allow.
 */
function splitPieces(snap: ProviderSnapshot, provs: SnapshotProvider[], rc: string, amount: number): Part[][] {
  const singles = provs.filter((p) => canServe(p, snap, rc, amount));
  if (singles.length > 0) return singles.map((p) => [{ provider: p, resourceClass: rc, amount }]);
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
    const found: Part[][] = [];
    for (const subset of combinations(rooms, size, MAX_SPLIT_SUBSETS * 4)) {
      const amounts = evenSplit(amount, subset.map((x) => ({ room: x.room, inv: x.p.inventories.get(rc)! })));
      if (!amounts) continue;
      found.push(subset.map((x, i) => ({ provider: x.p, resourceClass: rc, amount: amounts[i]! })));
      if (found.length >= MAX_SPLIT_SUBSETS) break;
    }
    if (found.length > 0) return found;
  }
  return [];
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

function sameSubtreesOk(req: CandidateRequest, chosen: GroupOption[]): boolean {
  for (const suffixes of req.sameSubtrees) {
    const ps = new Set<SnapshotProvider>();
    req.groups.forEach((g, i) => {
      if (suffixes.includes(g.suffix)) for (const p of chosen[i]!.providers) ps.add(p);
    });
    const list = [...ps];
    if (!list.some((top) => list.every((p) => isAncestorOrSelf(top, p)))) return false;
  }
  return true;
}

function consolidate(groups: RequestGroup[], chosen: GroupOption[]): Candidate {
  const allocations = new Map<SnapshotProvider, Map<string, number>>();
  const mappings = new Map<string, SnapshotProvider[]>();
  chosen.forEach((o, i) => {
    for (const part of o.parts) {
      let m = allocations.get(part.provider);
      if (!m) allocations.set(part.provider, (m = new Map()));
      m.set(part.resourceClass, (m.get(part.resourceClass) ?? 0) + part.amount);
    }
    mappings.set(groups[i]!.suffix, o.providers);
  });
  return { allocations, mappings };
}

function candidateKey(c: Candidate): string {
  const parts: string[] = [];
  for (const [p, m] of c.allocations) for (const [rc, n] of m) parts.push(`${p.index}:${rc}:${n}`);
  parts.sort();
  const maps: string[] = [];
  for (const [s, ps] of c.mappings) maps.push(`${s}=${ps.map((p) => p.index).sort((a, b) => a - b).join(',')}`);
  maps.sort();
  return `${parts.join(';')}|${maps.join(';')}`;
}

function summarise(snap: ProviderSnapshot, candidates: Candidate[], nestedAware: boolean): SnapshotProvider[] {
  const used = new Set<SnapshotProvider>();
  if (!nestedAware) {
    for (const c of candidates) for (const p of c.allocations.keys()) used.add(p);
    return [...used].sort((a, b) => a.index - b.index);
  }
  const roots = new Set<SnapshotProvider>();
  for (const c of candidates) {
    for (const p of c.allocations.keys()) roots.add(p.root);
    for (const ps of c.mappings.values()) for (const p of ps) roots.add(p.root);
  }
  const out: SnapshotProvider[] = [];
  for (const r of roots) out.push(...snap.tree(r));
  return out.sort((a, b) => a.index - b.index);
}
