// GET /resource_providers filtering over the snapshot: every filter applies to the provider
// itself (its own capacity, traits and aggregates), unlike allocation candidates.
import { fits, unitsOk } from './capacity.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';

export interface ProviderFilter {
  name?: string;
  uuid?: string;
  memberOf?: string[][];
  forbiddenAggregates?: string[];
  inTree?: string;
  resources?: Map<string, number>;
  required?: string[][];
  forbidden?: string[];
}

export function filterProviders(snap: ProviderSnapshot, f: ProviderFilter): SnapshotProvider[] {
  let base: readonly SnapshotProvider[] = snap.providers;
  if (f.uuid !== undefined) {
    const p = snap.get(f.uuid);
    base = p ? [p] : [];
  }
  let treeRoot: SnapshotProvider | null | undefined;
  if (f.inTree !== undefined) {
    treeRoot = snap.get(f.inTree)?.root ?? null;
    if (treeRoot === null) return [];
    base = snap.tree(treeRoot);
  }
  return base
    .filter((p) => {
      if (f.name !== undefined && p.name !== f.name) return false;
      if (treeRoot && p.root !== treeRoot) return false;
      if (f.memberOf && !f.memberOf.every((anyOf) => anyOf.some((a) => p.aggregates.has(a)))) return false;
      if (f.forbiddenAggregates?.some((a) => p.aggregates.has(a))) return false;
      if (f.required && !f.required.every((anyOf) => anyOf.some((t) => p.traits.has(t)))) return false;
      if (f.forbidden?.some((t) => p.traits.has(t))) return false;
      if (f.resources) {
        for (const [rc, amount] of f.resources) {
          const inv = p.inventories.get(rc);
          if (!inv || !unitsOk(inv, amount) || !fits(inv, snap.used(p, rc), amount)) return false;
        }
      }
      return true;
    })
    .sort((a, b) => a.index - b.index);
}
