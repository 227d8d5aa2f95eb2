// How the allocation-candidates engine keeps what it finds: parts, options and candidates as
// small integers indexing flat arrays, rather than as objects. At thousands of candidates the
// objects (and collecting them) were most of the time; arrays of numbers and references that
// only grow are cheap to fill and to read.
import type { SnapshotProvider } from './snapshot.js';
import type { Inventory } from './types.js';

/**
 * A list of non-negative integers below 2^31 kept in chunks of 4096. One large array would live
 * in V8's large-object space, where each growth maps fresh pages, and faulting them in cost more
 * than writing the numbers (16 000 candidates of 5 groups took 7 ms in one array, 0.5 ms in
 * chunks). The chunks are Int32Arrays of their final size: arrays grown by push left three
 * times their size of garbage per answer for the collector (q6 at 1 000 hosts: 80 000 entries).
 */
export class IntList {
  private static readonly SHIFT = 12;
  private static readonly SIZE = 1 << IntList.SHIFT;
  private readonly chunks: Int32Array[] = [];
  length = 0;

  push(v: number): void {
    const k = this.length >>> IntList.SHIFT;
    if (k === this.chunks.length) this.chunks.push(new Int32Array(IntList.SIZE));
    this.chunks[k]![this.length & (IntList.SIZE - 1)] = v;
    this.length++;
  }

  at(i: number): number {
    return this.chunks[i >>> IntList.SHIFT]![i & (IntList.SIZE - 1)]!;
  }

  /** Keeps the first n entries. */
  truncate(n: number): void {
    if (n >= this.length) return;
    this.chunks.length = (n + IntList.SIZE - 1) >>> IntList.SHIFT;
    this.length = n;
  }
}

/**
 * The options found for one request and the candidates made of them:
 *
 * - Part i is one provider's share of one class: `partProvider[i]`, `partClass[i]`,
 *   `partAmount[i]`, with the provider's inventory and usage for the capacity re-check.
 * - Option o is how one request group is satisfied inside one tree: its parts are
 *   `[partStart[o], partEnd[o])`, its providers in order of first use (the `mappings` entry)
 *   are `optionProviders[providerStart[o]]` up to `providerEnd[o]`.
 * - Candidate c is the option chosen for each request group, in the request's group order:
 *   `option(c, g)`.
 */
export class CandidateTable {
  readonly partProvider: SnapshotProvider[] = [];
  readonly partClass: string[] = [];
  readonly partAmount: number[] = [];
  readonly partInventory: Inventory[] = [];
  readonly partUsed: number[] = [];

  readonly partStart: number[] = [];
  readonly partEnd: number[] = [];
  readonly providerStart: number[] = [];
  readonly providerEnd: number[] = [];
  readonly optionProviders: SnapshotProvider[] = [];
  /** A sharing provider is among the option's providers: its candidates may come back from another anchor. */
  readonly sharing: boolean[] = [];
  /** Providers used by split classes, and the spread of their amounts, for ranking split candidates. */
  readonly splitCount: number[] = [];
  readonly splitSpread: number[] = [];

  /** `groupCount` option indices per candidate. */
  candidateOptions = new IntList();

  constructor(readonly groupCount: number) {}

  get count(): number {
    return this.candidateOptions.length / this.groupCount;
  }

  get optionCount(): number {
    return this.partStart.length;
  }

  /** The option candidate `c` uses for group `g`. */
  option(c: number, g: number): number {
    return this.candidateOptions.at(c * this.groupCount + g);
  }

  /** Appends a part; returns its index. */
  addPart(
    provider: SnapshotProvider,
    resourceClass: string,
    amount: number,
    inventory: Inventory,
    used: number,
  ): number {
    this.partProvider.push(provider);
    this.partClass.push(resourceClass);
    this.partAmount.push(amount);
    this.partInventory.push(inventory);
    this.partUsed.push(used);
    return this.partProvider.length - 1;
  }

  /** Appends a copy of part `i` (an option's parts must be consecutive). */
  copyPart(i: number): void {
    this.addPart(
      this.partProvider[i]!,
      this.partClass[i]!,
      this.partAmount[i]!,
      this.partInventory[i]!,
      this.partUsed[i]!,
    );
  }

  /**
   * Makes parts [start, end) an option; returns its index. Its providers are `only` if given
   * (one provider, possibly with no parts: a resourceless group), else the parts' providers.
   */
  addOption(start: number, end: number, splitCount: number, splitSpread: number, only?: SnapshotProvider): number {
    const first = this.optionProviders.length;
    let sharing = false;
    if (only) {
      this.optionProviders.push(only);
      sharing = only.sharing;
    } else {
      for (let i = start; i < end; i++) {
        const p = this.partProvider[i]!;
        if (this.indexOfProvider(first, this.optionProviders.length, p) >= 0) continue;
        this.optionProviders.push(p);
        sharing ||= p.sharing;
      }
    }
    this.partStart.push(start);
    this.partEnd.push(end);
    this.providerStart.push(first);
    this.providerEnd.push(this.optionProviders.length);
    this.sharing.push(sharing);
    this.splitCount.push(splitCount);
    this.splitSpread.push(splitSpread);
    return this.partStart.length - 1;
  }

  /** Do options a and b have a provider in common? */
  shareProvider(a: number, b: number): boolean {
    for (let i = this.providerStart[a]!; i < this.providerEnd[a]!; i++) {
      if (this.indexOfProvider(this.providerStart[b]!, this.providerEnd[b]!, this.optionProviders[i]!) >= 0)
        return true;
    }
    return false;
  }

  /** How much of part i's provider and class the parts of option o hold. */
  amountLike(o: number, i: number): number {
    let n = 0;
    for (let j = this.partStart[o]!; j < this.partEnd[o]!; j++) {
      if (this.partProvider[j] === this.partProvider[i] && this.partClass[j] === this.partClass[i])
        n += this.partAmount[j]!;
    }
    return n;
  }

  /** The option's providers as an array (not for hot paths). */
  providersOf(o: number): SnapshotProvider[] {
    return this.optionProviders.slice(this.providerStart[o]!, this.providerEnd[o]!);
  }

  private indexOfProvider(from: number, to: number, p: SnapshotProvider): number {
    for (let i = from; i < to; i++) if (this.optionProviders[i] === p) return i;
    return -1;
  }
}

/**
 * A candidate's allocations consolidated over its groups: providers in order of first use, and
 * for each the classes in order of first use with their summed amounts. One instance is reused
 * for every candidate: its arrays are overwritten in place, so reading a candidate allocates
 * nothing once the arrays have grown to the largest candidate.
 */
export class Consolidation {
  /** Providers in use: indices below `count`. */
  count = 0;
  readonly providers: SnapshotProvider[] = [];
  /** Classes of provider k: `classes[k][j]` for j below `classCounts[k]`, with `amounts[k][j]`. */
  readonly classCounts: number[] = [];
  readonly classes: string[][] = [];
  readonly amounts: number[][] = [];

  /** Candidate c of the table. */
  of(table: CandidateTable, c: number): this {
    this.count = 0;
    for (let g = 0; g < table.groupCount; g++) this.addOption(table, table.option(c, g));
    return this;
  }

  /** A candidate not in the table yet: the option of each group. */
  ofOptions(table: CandidateTable, options: readonly number[]): this {
    this.count = 0;
    for (const o of options) this.addOption(table, o);
    return this;
  }

  private addOption(table: CandidateTable, o: number): void {
    for (let i = table.partStart[o]!; i < table.partEnd[o]!; i++) {
      this.add(table.partProvider[i]!, table.partClass[i]!, table.partAmount[i]!);
    }
  }

  private add(provider: SnapshotProvider, resourceClass: string, amount: number): void {
    let k = 0;
    while (k < this.count && this.providers[k] !== provider) k++;
    if (k === this.count) {
      this.providers[k] = provider;
      this.classCounts[k] = 0;
      if (k === this.classes.length) {
        this.classes.push([]);
        this.amounts.push([]);
      }
      this.count++;
    }
    const n = this.classCounts[k]!;
    const classes = this.classes[k]!;
    const amounts = this.amounts[k]!;
    let j = 0;
    while (j < n && classes[j] !== resourceClass) j++;
    if (j < n) {
      amounts[j]! += amount;
    } else {
      classes[j] = resourceClass;
      amounts[j] = amount;
      this.classCounts[k] = n + 1;
    }
  }
}
