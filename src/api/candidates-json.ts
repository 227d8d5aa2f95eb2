// The JSON bytes of a GET /allocation_candidates answer, written straight into a pooled buffer
// (see ByteWriter): at thousands of hosts the answer is megabytes, and building objects only to
// serialise them was most of the time. The shape follows the request's microversion: list or
// dict allocation requests (1.12), mappings (1.34), which classes a summary lists (1.27), traits
// (1.17) and tree uuids (1.29) in the summaries.
import { type CandidateResult, type CandidateTable, Consolidation } from '../placement/candidates.js';
import { capacity } from '../placement/capacity.js';
import type { ProviderSnapshot, SnapshotProvider } from '../placement/snapshot.js';
import { ByteWriter } from './byte-writer.js';
import { type Ctx, RawJson } from './context.js';
import { MV } from './microversion.js';
import type { SnapshotBytes } from './snapshot-bytes.js';

function summaryJson(p: SnapshotProvider, classes: (rc: string) => boolean, traits: boolean, tree: boolean): string {
  const resources: string[] = [];
  for (const [rc, inv] of p.inventories) {
    if (classes(rc))
      resources.push(`${JSON.stringify(rc)}:{"capacity":${capacity(inv)},"used":${p.usages.get(rc) ?? 0}}`);
  }
  let text = `{"resources":{${resources.join(',')}}`;
  // In the store's trait id order, as Placement's database returns them: standard traits, then custom ones by creation.
  if (traits) text += `,"traits":${JSON.stringify([...p.traits])}`;
  if (tree)
    text += `,"parent_provider_uuid":${JSON.stringify(p.parent?.uuid ?? null)},"root_provider_uuid":${JSON.stringify(p.root.uuid)}`;
  return `${text}}`;
}

/**
 * When summaries[i] is a root whose whole tree follows it, the tree's size, else 1. Summaries
 * are in snapshot (id) order, so a tree whose providers have consecutive positions (a host
 * registered at once, as agents do) appears as one run, which is then written as one block.
 */
function wholeTreeAt(snap: ProviderSnapshot, summaries: readonly SnapshotProvider[], i: number): number {
  const p = summaries[i]!;
  if (p.parent !== null) return 1;
  const t = snap.tree(p);
  const n = t.length;
  const last = t[n - 1]!;
  // The tree is [p.index, p.index + n) and the run ends with its last provider: the run is the tree.
  return t[0] === p && last.index - p.index === n - 1 && summaries[i + n - 1] === last ? n : 1;
}

function joinMembers(tree: readonly SnapshotProvider[], member: (p: SnapshotProvider) => Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let k = 0; k < tree.length; k++) {
    if (k > 0) parts.push(COMMA_BYTES);
    parts.push(member(tree[k]!));
  }
  return Buffer.concat(parts);
}

// The fixed pieces of the answer, as bytes.
const ascii = (s: string) => Buffer.from(s, 'latin1');
const OPEN_ANSWER = ascii('{"allocation_requests":[');
const OPEN_LIST_REQUEST = ascii('{"allocations":[');
const OPEN_DICT_REQUEST = ascii('{"allocations":{');
const OPEN_LIST_ENTRY = ascii('{"resource_provider":{"uuid":');
const LIST_RESOURCES = ascii('},"resources":{');
const CLOSE_LIST_REQUEST = ascii(']}');
const OPEN_MAPPINGS = ascii('},"mappings":{');
const CLOSE_TWO = ascii('}}');
const OPEN_SUMMARIES = ascii('],"provider_summaries":{');
const COMMA = 0x2c;
const COMMA_BYTES = ascii(',');
const CLOSE_BRACKET = 0x5d;

/**
 * `"RC":n,...` for provider k of a consolidated candidate; `classKeys` caches each class's
 * `"RC":` bytes.
 */
function writeResources(w: ByteWriter, alloc: Consolidation, k: number, classKeys: Map<string, Buffer>): void {
  const n = alloc.classCounts[k]!;
  const classes = alloc.classes[k]!;
  const amounts = alloc.amounts[k]!;
  for (let j = 0; j < n; j++) {
    const rc = classes[j]!;
    let key = classKeys.get(rc);
    if (!key) classKeys.set(rc, (key = Buffer.from(`"${rc}":`)));
    if (j > 0) w.byte(COMMA);
    w.bytes(key);
    w.int(amounts[j]!);
  }
}

/**
 * Writes the answer's JSON bytes directly: at thousands of hosts the answer is megabytes, and
 * building objects (or one long string) only to serialise them was most of the time. Resource
 * class names, provider UUIDs and group suffixes are validated tokens (`[A-Z0-9_]`, canonical
 * UUIDs, `[a-zA-Z0-9_-]`), so they need no JSON escaping.
 */
export function renderCandidates(
  ctx: Ctx,
  snap: ProviderSnapshot,
  result: CandidateResult,
  requested: Set<string>,
): RawJson {
  const { summaries } = result;
  const cached = ctx.snapshotBytes.of(snap);
  const w = new ByteWriter(ctx.bufferPool);
  w.bytes(OPEN_ANSWER);
  if (ctx.atLeast(MV.ALLOCATIONS_DICT)) writeDictRequests(w, result, cached, ctx.atLeast(MV.MAPPINGS));
  else writeListRequests(w, result, cached);
  const allClasses = ctx.atLeast(MV.ALL_SUMMARY_CLASSES);
  const traits = ctx.atLeast(MV.CANDIDATES_REQUIRED);
  const tree = ctx.atLeast(MV.NESTED_CANDIDATES);
  const shape = `${allClasses ? '*' : [...requested].sort().join(',')}|${traits}|${tree}`;
  const members = cached.summaryMembers(shape);
  const blocks = cached.list(`summary tree ${shape}`);
  const classes = allClasses ? () => true : (rc: string) => requested.has(rc);
  const member = (p: SnapshotProvider) =>
    (members[p.index] ??= Buffer.from(`"${p.uuid}":${summaryJson(p, classes, traits, tree)}`));
  w.bytes(OPEN_SUMMARIES);
  for (let i = 0; i < summaries.length; ) {
    const p = summaries[i]!;
    if (i > 0) w.byte(COMMA);
    const n = wholeTreeAt(snap, summaries, i);
    if (n > 1) {
      // Its members joined by commas, once per snapshot: one copy instead of one per provider.
      w.bytes((blocks[p.index] ??= joinMembers(snap.tree(p), member)));
      i += n;
    } else {
      w.bytes(member(p));
      i++;
    }
  }
  w.bytes(CLOSE_TWO);
  return new RawJson(w.result());
}

/** An option's parts are on no provider (a resourceless group), or cannot use cached entries. */
const NO_PARTS = -2;
const UNCACHED = -1;
const UNKNOWN = -3;
/** Distinct class-and-amount sequences looked for per answer (a request has one per group, in practice). */
const MAX_SHAPES = 16;

/**
 * Per option of one answer: its shape, the class-and-amount sequence of its parts when they are
 * all on one provider (options of one group have the same, whichever provider). A provider that
 * only such options of one shape use in a candidate has the entry
 * `"uuid":{"resources":{"RC":amount×times,...}}`, which is cached per snapshot: in q1 and q6 at
 * 1 000 hosts every entry is one copy instead of six to ten, and no consolidation is needed.
 */
class OptionShapes {
  private readonly shapeOf: Int32Array;
  private readonly classes: string[][] = [];
  private readonly amounts: number[][] = [];
  /** Per shape and times used: the snapshot's list of entries by provider position. */
  private readonly entries: Array<Array<Buffer | undefined>>[] = [];

  constructor(
    private readonly table: CandidateTable,
    private readonly cached: SnapshotBytes,
  ) {
    this.shapeOf = new Int32Array(table.optionCount).fill(UNKNOWN);
  }

  /** The shape of option o, NO_PARTS, or UNCACHED (parts on several providers, a class twice, too many shapes). */
  of(o: number): number {
    const s = this.shapeOf[o]!;
    return s !== UNKNOWN ? s : (this.shapeOf[o] = this.compute(o));
  }

  /** The entry of provider p for `times` options of shape s. */
  entry(s: number, times: number, p: SnapshotProvider): Buffer {
    const byTimes = this.entries[s]!;
    const list = (byTimes[times] ??= this.cached.list(
      `entry ${this.classes[s]!.map((rc, j) => `${rc}:${this.amounts[s]![j]! * times}`).join(',')}`,
    ));
    let e = list[p.index];
    if (!e) {
      const resources = this.classes[s]!.map((rc, j) => `"${rc}":${this.amounts[s]![j]! * times}`).join(',');
      list[p.index] = e = Buffer.from(`"${p.uuid}":{"resources":{${resources}}}`);
    }
    return e;
  }

  private compute(o: number): number {
    const t = this.table;
    const start = t.partStart[o]!;
    const end = t.partEnd[o]!;
    if (start === end) return NO_PARTS;
    for (let i = start + 1; i < end; i++) if (t.partProvider[i] !== t.partProvider[start]) return UNCACHED;
    next: for (let s = 0; s < this.classes.length; s++) {
      const classes = this.classes[s]!;
      const amounts = this.amounts[s]!;
      if (classes.length !== end - start) continue;
      for (let j = 0; j < classes.length; j++) {
        if (classes[j] !== t.partClass[start + j] || amounts[j] !== t.partAmount[start + j]) continue next;
      }
      return s;
    }
    const classes = t.partClass.slice(start, end);
    if (this.classes.length >= MAX_SHAPES || new Set(classes).size !== classes.length) return UNCACHED;
    this.classes.push(classes);
    this.amounts.push(t.partAmount.slice(start, end));
    this.entries.push([]);
    return this.classes.length - 1;
  }
}

/** 1.12+: `{"allocations":{"uuid":{"resources":{...}},...}` and, from 1.34, `"mappings":{"suffix":["uuid",...],...}`. */
function writeDictRequests(w: ByteWriter, result: CandidateResult, cached: SnapshotBytes, withMappings: boolean): void {
  const classKeys = new Map<string, Buffer>();
  const mappingText = result.suffixes.map((s, g) => `${g > 0 ? ',' : ''}"${s}":`);
  const mappingKeys = mappingText.map((m) => Buffer.from(`${m}[`));
  // Per group, each provider's whole mapping member (`,"suffix":["uuid"]`) for one-provider options.
  const mappingMembers = mappingText.map((m) => cached.list(`mapping ${m}`));
  const alloc = new Consolidation();
  const table = result.candidates;
  const shapes = new OptionShapes(table, cached);
  // The providers of the current candidate, with the shape and the number of the options using each.
  const used: SnapshotProvider[] = [];
  const usedShape: number[] = [];
  const usedTimes: number[] = [];
  for (let c = 0; c < table.count; c++) {
    if (c > 0) w.byte(COMMA);
    w.bytes(OPEN_DICT_REQUEST);
    let n = 0;
    let shaped = true;
    for (let g = 0; g < table.groupCount && shaped; g++) {
      const o = table.option(c, g);
      const s = shapes.of(o);
      if (s === NO_PARTS) continue;
      shaped = s >= 0;
      const p = table.partProvider[table.partStart[o]!]!;
      let k = 0;
      while (k < n && used[k] !== p) k++;
      if (k === n) {
        used[n] = p;
        usedShape[n] = s;
        usedTimes[n++] = 1;
      } else if (usedShape[k] === s) usedTimes[k]!++;
      else shaped = false;
    }
    if (shaped) {
      for (let k = 0; k < n; k++) {
        if (k > 0) w.byte(COMMA);
        w.bytes(shapes.entry(usedShape[k]!, usedTimes[k]!, used[k]!));
      }
    } else {
      alloc.of(table, c);
      for (let k = 0; k < alloc.count; k++) {
        if (k > 0) w.byte(COMMA);
        w.bytes(cached.allocationKey(alloc.providers[k]!));
        writeResources(w, alloc, k, classKeys);
        w.bytes(CLOSE_TWO);
      }
    }
    if (!withMappings) {
      w.bytes(CLOSE_TWO);
      continue;
    }
    w.bytes(OPEN_MAPPINGS);
    for (let g = 0; g < table.groupCount; g++) {
      const o = table.option(c, g);
      const first = table.providerStart[o]!;
      const end = table.providerEnd[o]!;
      if (end - first === 1) {
        const p = table.optionProviders[first]!;
        const members = mappingMembers[g]!;
        w.bytes((members[p.index] ??= Buffer.from(`${mappingText[g]}["${p.uuid}"]`)));
        continue;
      }
      w.bytes(mappingKeys[g]!);
      for (let j = first; j < end; j++) {
        if (j > first) w.byte(COMMA);
        w.bytes(cached.quotedUuid(table.optionProviders[j]!));
      }
      w.byte(CLOSE_BRACKET);
    }
    w.bytes(CLOSE_TWO);
  }
}

/** Before 1.12: `{"allocations":[{"resource_provider":{"uuid":"..."},"resources":{...}},...]}`. */
function writeListRequests(w: ByteWriter, result: CandidateResult, cached: SnapshotBytes): void {
  const classKeys = new Map<string, Buffer>();
  const alloc = new Consolidation();
  const table = result.candidates;
  for (let c = 0; c < table.count; c++) {
    alloc.of(table, c);
    if (c > 0) w.byte(COMMA);
    w.bytes(OPEN_LIST_REQUEST);
    for (let k = 0; k < alloc.count; k++) {
      if (k > 0) w.byte(COMMA);
      w.bytes(OPEN_LIST_ENTRY);
      w.bytes(cached.quotedUuid(alloc.providers[k]!));
      w.bytes(LIST_RESOURCES);
      writeResources(w, alloc, k, classKeys);
      w.bytes(CLOSE_TWO);
    }
    w.bytes(CLOSE_LIST_REQUEST);
  }
}
