// Builds each group's options inside one anchor's pool of providers: the provider filters of a
// group (traits, aggregates, in_tree), and the per-class pieces (one provider, or several for a
// split class) combined into options for groups that combine providers.

import { splitPieces } from './can-split.js';
import type { RequestGroup } from './candidate-request.js';
import type { CandidateTable } from './candidate-table.js';
import { fits, unitsOk } from './capacity.js';
import type { GroupPlan } from './group-plan.js';
import type { ClassColumn, ProviderSnapshot, SnapshotProvider } from './snapshot.js';

/**
 * Appends to the table the options of one group inside one anchor's pool of providers. Its
 * scratch arrays (the pieces of each class) are reused from one anchor to the next.
 *
 * Suffixed (and resourceless) groups: one provider satisfies everything. Unsuffixed groups,
 * and suffixed ones with a split class: per class the pieces that can supply it (one part, or
 * several for a split class), then their product; for a suffixed group with a split class, the
 * classes that are not split still come from one provider, which passes the group's filters.
 */
export class OptionBuilder {
  /** Pieces of class k: parts [pieceStart[k][n], pieceEnd[k][n]) for n below pieceCount[k]. */
  private readonly pieceStart: number[][] = [];
  private readonly pieceEnd: number[][] = [];
  private readonly pieceCount: number[] = [];
  /** The piece of each class in the current product entry. */
  private readonly at: number[] = [];

  constructor(
    private readonly snap: ProviderSnapshot,
    private readonly table: CandidateTable,
  ) {}

  /**
   * The options of one group inside the pool of `anchor` (a root): its tree, then `extra`, the
   * sharing providers that serve it.
   */
  addOptions(plan: GroupPlan, anchor: SnapshotProvider, extra: readonly SnapshotProvider[]): void {
    if (plan.combines) this.addProduct(plan, anchor, extra, false);
    else if (plan.anySplit) this.addProduct(plan, anchor, extra, true);
    else this.addSingles(plan, anchor, extra);
  }

  /**
   * The pool's providers with an inventory of `rc`, in pool order. Looking only at these (the
   * snapshot indexes them per tree) rather than at the whole pool was half of the option search
   * at 1 000 hosts: a host's VCPU is on one of its 7 providers.
   */
  private withClass(anchor: SnapshotProvider, extra: readonly SnapshotProvider[], rc: string) {
    const own = this.snap.treeWithClass(anchor, rc);
    return extra.length === 0 ? own : [...own, ...extra.filter((p) => p.inventories.has(rc))];
  }

  /** One option per provider that serves every class (or, resourceless, passes the filters). */
  private addSingles(plan: GroupPlan, anchor: SnapshotProvider, extra: readonly SnapshotProvider[]): void {
    const { classes, amounts, columns } = plan;
    // A provider serving every class has the first one; a resourceless group looks at the whole pool.
    const tree = this.snap.tree(anchor);
    const pool =
      classes.length > 0 ? this.withClass(anchor, extra, classes[0]!) : extra.length === 0 ? tree : [...tree, ...extra];
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

  private addProduct(
    plan: GroupPlan,
    anchor: SnapshotProvider,
    extra: readonly SnapshotProvider[],
    singleProvider: boolean,
  ): void {
    const n = plan.classes.length;
    for (let k = 0; k < n; k++) if (!this.addPieces(plan, k, anchor, extra, singleProvider)) return;
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
  private addPieces(
    plan: GroupPlan,
    k: number,
    anchor: SnapshotProvider,
    extra: readonly SnapshotProvider[],
    singleProvider: boolean,
  ): boolean {
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
    for (const p of this.withClass(anchor, extra, rc)) {
      const inv = column.inventory[p.index];
      if (!inv) continue;
      if (plan.treeRoot && p.root !== plan.treeRoot) continue;
      if (singleProvider ? !passesProviderFilters(p, plan, null) : !passesSupplierFilters(p, plan)) continue;
      if (split) {
        if (inv.total - inv.reserved > 0 && fits(inv, column.used[p.index]!, Math.min(amount, inv.minUnit)))
          takers.push(p);
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

/** Can the provider at this position of the class column give all of `amount`? */
function columnServes(column: ClassColumn, index: number, amount: number): boolean {
  const inv = column.inventory[index];
  return !!inv && unitsOk(inv, amount) && fits(inv, column.used[index]!, amount);
}
