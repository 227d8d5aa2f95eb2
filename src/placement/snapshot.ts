// An immutable in-memory view of every provider with its inventories, usages, traits and
// aggregates, indexed for the queries that scan many providers (GET /resource_providers,
// GET /allocation_candidates). The store builds one from rows and replaces it when the data changes.
import type { Inventory } from './types.js';
import { SHARING_TRAIT } from './types.js';

export interface ProviderRow {
  id: number;
  uuid: string;
  name: string;
  generation: number;
  parentId: number | null;
  rootId: number;
  createdAt: number;
  updatedAt: number;
}
export interface InventoryRow extends Inventory {
  providerId: number;
}
export interface UsageRow {
  providerId: number;
  resourceClass: string;
  used: number;
}
export interface TraitRow {
  providerId: number;
  trait: string;
}
export interface AggregateRow {
  providerId: number;
  aggregate: string;
}
export interface SnapshotRows {
  providers: ProviderRow[];
  inventories: InventoryRow[];
  usages: UsageRow[];
  traits: TraitRow[];
  aggregates: AggregateRow[];
}

export interface SnapshotProvider {
  /** Position in `ProviderSnapshot.providers`, which is ordered by database id. */
  readonly index: number;
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly generation: number;
  parent: SnapshotProvider | null;
  root: SnapshotProvider;
  readonly children: SnapshotProvider[];
  readonly inventories: Map<string, Inventory>;
  readonly usages: Map<string, number>;
  readonly traits: Set<string>;
  readonly aggregates: Set<string>;
  readonly createdAt: number;
  readonly updatedAt: number;
  sharing: boolean;
}

const EMPTY: readonly SnapshotProvider[] = [];

/** One class across all providers, by provider index: the inventory (undefined: none) and the usage. */
export interface ClassColumn {
  readonly inventory: ReadonlyArray<Inventory | undefined>;
  readonly used: ReadonlyArray<number>;
}

export class ProviderSnapshot {
  readonly providers: SnapshotProvider[] = [];
  readonly byUuid = new Map<string, SnapshotProvider>();
  private readonly byId = new Map<number, SnapshotProvider>();
  private readonly byClass = new Map<string, SnapshotProvider[]>();
  private readonly byTrait = new Map<string, SnapshotProvider[]>();
  private readonly byAggregate = new Map<string, SnapshotProvider[]>();
  /** Providers of each tree, keyed by root, in id order. */
  private readonly byRoot = new Map<SnapshotProvider, SnapshotProvider[]>();
  /** Built on first use: the snapshot never changes, and the candidate search reads them per provider. */
  private readonly classColumns = new Map<string, ClassColumn>();
  private readonly traitColumns = new Map<string, Uint8Array>();
  /** Per class, by root position: the tree's providers with the class, in id order (built on first use). */
  private readonly treeClassLists = new Map<string, Array<SnapshotProvider[] | undefined>>();

  constructor(rows: SnapshotRows) {
    const sorted = [...rows.providers].sort((a, b) => a.id - b.id);
    for (const r of sorted) {
      const p: SnapshotProvider = {
        index: this.providers.length,
        id: r.id,
        uuid: r.uuid,
        name: r.name,
        generation: r.generation,
        parent: null,
        root: null as unknown as SnapshotProvider,
        children: [],
        inventories: new Map(),
        usages: new Map(),
        traits: new Set(),
        aggregates: new Set(),
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        sharing: false,
      };
      this.providers.push(p);
      this.byId.set(r.id, p);
      this.byUuid.set(r.uuid, p);
    }
    for (const r of sorted) {
      const p = this.byId.get(r.id)!;
      p.parent = r.parentId === null ? null : (this.byId.get(r.parentId) ?? null);
      p.root = this.byId.get(r.rootId) ?? p;
      p.parent?.children.push(p);
      push(this.byRoot, p.root, p);
    }
    for (const inv of rows.inventories) {
      const p = this.byId.get(inv.providerId);
      if (!p) continue;
      const { providerId: _, ...rest } = inv;
      p.inventories.set(inv.resourceClass, rest);
    }
    for (const p of this.providers) for (const rc of p.inventories.keys()) push(this.byClass, rc, p);
    for (const u of rows.usages) this.byId.get(u.providerId)?.usages.set(u.resourceClass, u.used);
    for (const t of rows.traits) this.byId.get(t.providerId)?.traits.add(t.trait);
    for (const a of rows.aggregates) this.byId.get(a.providerId)?.aggregates.add(a.aggregate);
    for (const p of this.providers) {
      for (const t of p.traits) push(this.byTrait, t, p);
      for (const a of p.aggregates) push(this.byAggregate, a, p);
      p.sharing = p.traits.has(SHARING_TRAIT);
    }
  }

  get(uuid: string): SnapshotProvider | undefined {
    return this.byUuid.get(uuid);
  }
  withClass(rc: string): readonly SnapshotProvider[] {
    return this.byClass.get(rc) ?? EMPTY;
  }
  withTrait(trait: string): readonly SnapshotProvider[] {
    return this.byTrait.get(trait) ?? EMPTY;
  }
  inAggregate(agg: string): readonly SnapshotProvider[] {
    return this.byAggregate.get(agg) ?? EMPTY;
  }
  tree(root: SnapshotProvider): readonly SnapshotProvider[] {
    return this.byRoot.get(root) ?? EMPTY;
  }
  /**
   * The providers of root's tree with an inventory of `rc`, in id order (a subsequence of
   * `tree(root)`): a request's options are looked for among these only, not the whole tree.
   */
  treeWithClass(root: SnapshotProvider, rc: string): readonly SnapshotProvider[] {
    let lists = this.treeClassLists.get(rc);
    if (!lists) {
      lists = new Array<SnapshotProvider[] | undefined>(this.providers.length);
      for (const p of this.withClass(rc)) (lists[p.root.index] ??= []).push(p);
      this.treeClassLists.set(rc, lists);
    }
    return lists[root.index] ?? EMPTY;
  }
  used(p: SnapshotProvider, rc: string): number {
    return p.usages.get(rc) ?? 0;
  }

  /** The class's inventories and usages as arrays indexed by provider position. */
  classColumn(rc: string): ClassColumn {
    let column = this.classColumns.get(rc);
    if (!column) {
      const inventory = new Array<Inventory | undefined>(this.providers.length).fill(undefined);
      const used = new Array<number>(this.providers.length).fill(0);
      for (const p of this.withClass(rc)) {
        inventory[p.index] = p.inventories.get(rc);
        used[p.index] = this.used(p, rc);
      }
      this.classColumns.set(rc, (column = { inventory, used }));
    }
    return column;
  }

  /** 1 at the positions of the providers that have the trait. */
  traitColumn(trait: string): Uint8Array {
    let column = this.traitColumns.get(trait);
    if (!column) {
      column = new Uint8Array(this.providers.length);
      for (const p of this.withTrait(trait)) column[p.index] = 1;
      this.traitColumns.set(trait, column);
    }
    return column;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** True when `ancestor` is `p` or one of its ancestors. */
export function isAncestorOrSelf(ancestor: SnapshotProvider, p: SnapshotProvider): boolean {
  for (let q: SnapshotProvider | null = p; q; q = q.parent) if (q === ancestor) return true;
  return false;
}
