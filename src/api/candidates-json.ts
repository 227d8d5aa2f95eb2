// The JSON bytes of a GET /allocation_candidates answer, written straight into pooled chunks
// (see ByteWriter): at thousands of hosts the answer is megabytes, and building objects only to
// serialise them was most of the time. The shape follows the request's microversion: list or
// dict allocation requests (1.12), mappings (1.34), which classes a summary lists (1.27), traits
// (1.17) and tree uuids (1.29) in the summaries.
import { type CandidateResult, Consolidation } from '../placement/candidates.js';
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
  const w = new ByteWriter(ctx.chunkPool);
  w.bytes(OPEN_ANSWER);
  if (ctx.atLeast(MV.ALLOCATIONS_DICT)) writeDictRequests(w, result, cached, ctx.atLeast(MV.MAPPINGS));
  else writeListRequests(w, result, cached);
  const allClasses = ctx.atLeast(MV.ALL_SUMMARY_CLASSES);
  const traits = ctx.atLeast(MV.CANDIDATES_REQUIRED);
  const tree = ctx.atLeast(MV.NESTED_CANDIDATES);
  const members = cached.summaryMembers(`${allClasses ? '*' : [...requested].sort().join(',')}|${traits}|${tree}`);
  const classes = allClasses ? () => true : (rc: string) => requested.has(rc);
  w.bytes(OPEN_SUMMARIES);
  for (let i = 0; i < summaries.length; i++) {
    const p = summaries[i]!;
    if (i > 0) w.byte(COMMA);
    w.bytes((members[p.index] ??= Buffer.from(`"${p.uuid}":${summaryJson(p, classes, traits, tree)}`)));
  }
  w.bytes(CLOSE_TWO);
  return new RawJson(w.result());
}

/** 1.12+: `{"allocations":{"uuid":{"resources":{...}},...}` and, from 1.34, `"mappings":{"suffix":["uuid",...],...}`. */
function writeDictRequests(w: ByteWriter, result: CandidateResult, cached: SnapshotBytes, withMappings: boolean): void {
  const classKeys = new Map<string, Buffer>();
  const mappingKeys = result.suffixes.map((s, g) => Buffer.from(`${g > 0 ? ',' : ''}"${s}":[`));
  const alloc = new Consolidation();
  const table = result.candidates;
  for (let c = 0; c < table.count; c++) {
    alloc.of(table, c);
    if (c > 0) w.byte(COMMA);
    w.bytes(OPEN_DICT_REQUEST);
    for (let k = 0; k < alloc.count; k++) {
      if (k > 0) w.byte(COMMA);
      w.bytes(cached.allocationKey(alloc.providers[k]!));
      writeResources(w, alloc, k, classKeys);
      w.bytes(CLOSE_TWO);
    }
    if (!withMappings) {
      w.bytes(CLOSE_TWO);
      continue;
    }
    w.bytes(OPEN_MAPPINGS);
    for (let g = 0; g < table.groupCount; g++) {
      w.bytes(mappingKeys[g]!);
      const o = table.option(c, g);
      for (let j = table.providerStart[o]!; j < table.providerEnd[o]!; j++) {
        if (j > table.providerStart[o]!) w.byte(COMMA);
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
