// Which trees the engine visits: the anchors (roots) that may satisfy every group, the sharing
// providers that serve each one through an aggregate (its pool is its own tree plus these), and
// the root_required / root_forbidden check on an anchor.
import type { CandidateRequest, RequestGroup } from './candidate-request.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';
import { SHARING_TRAIT } from './types.js';

/**
 * A superset of the anchors that can satisfy every group, in provider order: the anchors of
 * the smallest index list (by class or by trait) that some group's providers must come from.
 */
export function candidateAnchors(snap: ProviderSnapshot, req: CandidateRequest): SnapshotProvider[] {
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

export function rootTraitsOk(anchor: SnapshotProvider, req: CandidateRequest): boolean {
  for (const t of req.rootRequired) if (!anchor.traits.has(t)) return false;
  for (const t of req.rootForbidden) if (anchor.traits.has(t)) return false;
  return true;
}

/** For each root, the sharing providers outside its tree that serve it (through an aggregate). */
const sharingCache = new WeakMap<ProviderSnapshot, Map<SnapshotProvider, SnapshotProvider[]>>();
export function sharingServers(snap: ProviderSnapshot): Map<SnapshotProvider, SnapshotProvider[]> {
  let m = sharingCache.get(snap);
  if (m) return m;
  m = new Map();
  for (const p of snap.withTrait(SHARING_TRAIT)) {
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

/** Roots this provider can serve: its own, plus, for a sharing provider, every tree that shares an aggregate with it. */
function anchorsOf(snap: ProviderSnapshot, p: SnapshotProvider): SnapshotProvider[] {
  if (!p.sharing) return [p.root];
  const roots = new Set<SnapshotProvider>([p.root]);
  for (const a of p.aggregates) for (const q of snap.inAggregate(a)) roots.add(q.root);
  return [...roots];
}
