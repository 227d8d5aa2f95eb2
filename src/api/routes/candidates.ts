// GET /allocation_candidates: version-dependent query schema, request-group parsing with
// Placement's checks and texts, the engine, and the per-version response shape.
import { Consolidation, findCandidates, type CandidateRequest, type CandidateResult, type RequestGroup } from '../../placement/candidates.js';
import { ErrorCode, PlacementError, badRequest } from '../../placement/errors.js';
import type { ProviderSnapshot, SnapshotProvider } from '../../placement/snapshot.js';
import { queryDict, RawJson, type Ctx, type Reply, type RouteSpec } from '../context.js';
import { isUuidLike, type Schema } from '../json-schema.js';
import { conflictingTraits, parseMemberOf, parseRequired, parseResources, traitNames } from '../query-params.js';
import { capacity } from '../../placement/capacity.js';
import { ByteWriter } from '../byte-writer.js';

const schemas = new Map<number, Schema>();

function querySchema(minor: number): Schema {
  let s = schemas.get(minor);
  if (s) return s;
  const str = { type: 'string' };
  const props: Record<string, unknown> = { resources: str };
  if (minor >= 16) props.limit = { type: 'string', pattern: '^[1-9][0-9]*$' };
  if (minor >= 17) props.required = str;
  if (minor >= 21) props.member_of = str;
  if (minor < 25) {
    s = { type: 'object', properties: props, required: ['resources'], additionalProperties: false };
  } else {
    const suffix = minor >= 33 ? '([a-zA-Z0-9_-]{1,64})?' : '([1-9][0-9]*)?';
    const keys = ['resources', 'required', 'member_of', ...(minor >= 31 ? ['in_tree'] : [])];
    const patternProperties = Object.fromEntries(keys.map((k) => [`^${k}${suffix}$`, str]));
    const properties: Record<string, unknown> = {
      group_policy: { type: 'string', enum: ['none', 'isolate'] },
      limit: { type: 'string', pattern: '^[1-9][0-9]*$' },
    };
    if (minor >= 35) properties.root_required = str;
    if (minor >= 36) properties.same_subtree = str;
    s = { type: 'object', properties, patternProperties, additionalProperties: false };
  }
  if (minor >= 29) (s.properties as Record<string, unknown>).can_split = str;
  schemas.set(minor, s);
  return s;
}

interface ParsedGroup {
  suffix: string;
  resources: Map<string, number> | null;
  requiredValues: string[];
  memberOfValues: string[];
  inTree: string | null;
}

function parse(ctx: Ctx): CandidateRequest {
  ctx.schemas.query(querySchema(ctx.version.minor), queryDict(ctx));
  const keyPattern = ctx.v(33)
    ? /^(resources|required|member_of|in_tree)([a-zA-Z0-9_-]{1,64})?$/
    : /^(resources|required|member_of|in_tree)([1-9][0-9]*)?$/;
  const groups = new Map<string, ParsedGroup>();
  const sameSubtrees: string[][] = [];
  const rootRequired: string[] = [];
  let groupPolicy: CandidateRequest['groupPolicy'] = null;
  let limit: number | null = null;
  const canSplit = new Set<string>();

  for (const [key, val] of ctx.query) {
    const m = keyPattern.exec(key);
    if (m) {
      const prefix = m[1]!;
      const suffix = ctx.v(25) ? (m[2] ?? '') : '';
      if (!ctx.v(25) && m[2]) continue;
      let g = groups.get(suffix);
      if (!g) groups.set(suffix, (g = { suffix, resources: null, requiredValues: [], memberOfValues: [], inTree: null }));
      if (prefix === 'resources') g.resources = parseResources(val);
      else if (prefix === 'required') {
        if (ctx.v(39)) g.requiredValues.push(val);
        else g.requiredValues = [val];
      } else if (prefix === 'member_of') g.memberOfValues.push(val);
      else {
        if (!isUuidLike(val)) throw badRequest(`Invalid query string parameters: Expected 'in_tree' parameter to be a format of uuid. Got: ${val}`);
        g.inTree = val;
      }
      continue;
    }
    // Placement takes the first group_policy and limit when they repeat.
    if (key === 'group_policy') groupPolicy ??= val as 'none' | 'isolate';
    else if (key === 'limit') limit ??= Number(val);
    else if (key === 'same_subtree') {
      const suffixes = val.split(',').map((x) => x.trim());
      if (suffixes.some((s) => s === '')) {
        throw badRequest('Empty string (unsuffixed group) can not be specified in `same_subtree` ', ErrorCode.queryBadValue);
      }
      sameSubtrees.push(suffixes);
    } else if (key === 'root_required') rootRequired.push(val);
    else if (key === 'can_split') for (const rc of val.split(',')) if (rc) canSplit.add(rc);
  }

  let rootReq: string[] = [];
  let rootForbidden: string[] = [];
  if (rootRequired.length > 1) {
    throw badRequest("Query parameter 'root_required' may be specified only once.", ErrorCode.queryDuplicateKey);
  }
  if (rootRequired.length === 1) {
    const terms = parseRequired([rootRequired[0]!], { allowForbidden: true, allowAnyOf: false });
    rootReq = terms.required.flat();
    rootForbidden = terms.forbidden;
    const both = rootReq.filter((t) => rootForbidden.includes(t));
    if (both.length) {
      throw badRequest(`Conflicting required and forbidden traits found in root_required: ${both.join(', ')}`, ErrorCode.queryBadValue);
    }
  }

  const all = [...groups.values()];
  if (ctx.v(36)) {
    const resourceless = all.filter((g) => !g.resources).map((g) => g.suffix);
    if (resourceless.length === all.length) {
      throw badRequest('There must be at least one resources or resources[$S] parameter.', ErrorCode.queryMissingValue);
    }
    const inSubtree = new Set(sameSubtrees.flat());
    const bad = resourceless.filter((s) => !inSubtree.has(s));
    if (bad.length) {
      throw badRequest(`Resourceless suffixed group request should be specified in \`same_subtree\` query param: bad group(s) - ${pyList(bad)}.`, ErrorCode.queryBadValue);
    }
    const missing = [...inSubtree].filter((s) => !groups.has(s));
    const orderedMissing = sameSubtrees.flat().filter((s, i, arr) => missing.includes(s) && arr.indexOf(s) === i);
    if (orderedMissing.length) {
      throw badRequest(`Real suffixes should be specified in \`same_subtree\`: ${pyList(orderedMissing)} not found in ${pyList([...groups.keys()])}.`, ErrorCode.queryBadValue);
    }
  } else {
    const orphanTraits = all.filter((g) => g.requiredValues.length && !g.resources).map((g) => `required${g.suffix}`);
    if (orphanTraits.length) {
      throw badRequest(`All traits parameters must be associated with resources.  Found the following orphaned traits keys: ${orphanTraits.join(', ')}`);
    }
    const orphanAggs = all.filter((g) => g.memberOfValues.length && !g.resources).map((g) => `member_of${g.suffix}`);
    if (orphanAggs.length) {
      throw badRequest(`All member_of parameters must be associated with resources. Found the following orphaned member_of keys: ${orphanAggs.join(', ')}`);
    }
    if (!all.every((g) => g.resources)) throw badRequest('All request groups must specify resources.');
    if (all.length === 0) throw badRequest('At least one request group (`resources` or `resources{$S}`) is required.');
  }

  const out: RequestGroup[] = [];
  const conflicts: string[] = [];
  for (const g of all) {
    const traits = parseRequired(g.requiredValues, { allowForbidden: ctx.v(22), allowAnyOf: ctx.v(39) });
    const c = conflictingTraits(`required${g.suffix}`, traits);
    if (c) conflicts.push(c.message.replace(/^.*traits keys: /, ''));
    const aggs = parseMemberOf(g.memberOfValues, g.suffix, { allowMultiple: ctx.v(24), allowForbidden: ctx.v(32) });
    out.push({
      suffix: g.suffix, resources: g.resources ?? new Map(), required: traits.required, forbidden: traits.forbidden,
      memberOf: aggs.memberOf, forbiddenAggregates: aggs.forbidden, inTree: g.inTree,
    });
  }
  if (conflicts.length) {
    throw badRequest(`Conflicting required and forbidden traits found in the following traits keys: ${conflicts.join(', ')}`);
  }
  if (!groupPolicy && out.filter((g) => g.suffix !== '').length > 1) {
    throw badRequest('The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.');
  }
  // The unsuffixed group first: its options are the widest, the suffixed ones prune.
  out.sort((a, b) => (a.suffix === '' ? -1 : b.suffix === '' ? 1 : 0));
  return {
    groups: out, groupPolicy, limit, rootRequired: rootReq, rootForbidden, sameSubtrees,
    nestedAware: ctx.v(29), canSplit,
    maxCandidates: (ctx as Ctx & { maxCandidates?: number | null }).maxCandidates ?? null,
  };
}

function pyList(xs: string[]): string {
  return `[${xs.map((x) => `'${x}'`).join(', ')}]`;
}

async function list(ctx: Ctx): Promise<Reply> {
  const req = parse(ctx);
  const classes = new Set<string>();
  for (const g of req.groups) for (const rc of g.resources.keys()) classes.add(rc);
  for (const rc of req.canSplit) classes.add(rc);
  const known = new Set((await ctx.store.listResourceClasses()).map((c) => c.name));
  for (const rc of classes) {
    if (!known.has(rc)) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
  }
  const traits = new Set<string>(req.rootRequired.concat(req.rootForbidden));
  for (const g of req.groups) for (const t of traitNames({ required: g.required, forbidden: g.forbidden })) traits.add(t);
  const missing = await ctx.store.missingTraits([...traits]);
  if (missing.length) throw badRequest(`No such trait(s): ${missing.sort().join(', ')}.`);

  const snap = await ctx.store.snapshot();
  const result = findCandidates(snap, req);
  const requested = new Set<string>();
  for (const g of req.groups) for (const rc of g.resources.keys()) requested.add(rc);
  return { status: 200, body: render(ctx, snap, result, requested), lastModified: 'now' };
}

/**
 * The JSON bytes the renderer copies again and again, per (immutable) snapshot: each provider's
 * quoted UUID, its allocation key (`"uuid":{"resources":{`), and its summary member
 * (`"uuid":{...}`) per microversion shape. An answer is then mostly copies of cached Buffers,
 * and the fewer and larger the copies, the faster: each costs about as much as 20 bytes.
 */
class SnapshotBytes {
  private readonly quoted: Array<Buffer | undefined>;
  private readonly allocationKeys: Array<Buffer | undefined>;
  private readonly summaries = new Map<string, Array<Buffer | undefined>>();

  constructor(private readonly size: number) {
    this.quoted = new Array<Buffer | undefined>(size);
    this.allocationKeys = new Array<Buffer | undefined>(size);
  }

  quotedUuid(p: SnapshotProvider): Buffer {
    return (this.quoted[p.index] ??= Buffer.from(`"${p.uuid}"`));
  }

  allocationKey(p: SnapshotProvider): Buffer {
    return (this.allocationKeys[p.index] ??= Buffer.from(`"${p.uuid}":{"resources":{`));
  }

  /** Summary members of one shape, indexed by provider position, filled as providers are summarised. */
  summaryMembers(shape: string): Array<Buffer | undefined> {
    let members = this.summaries.get(shape);
    if (!members) this.summaries.set(shape, (members = new Array<Buffer | undefined>(this.size)));
    return members;
  }
}

const bytesCache = new WeakMap<ProviderSnapshot, SnapshotBytes>();

function snapshotBytes(snap: ProviderSnapshot): SnapshotBytes {
  let b = bytesCache.get(snap);
  if (!b) bytesCache.set(snap, (b = new SnapshotBytes(snap.providers.length)));
  return b;
}

function summaryJson(p: SnapshotProvider, classes: (rc: string) => boolean, traits: boolean, tree: boolean): string {
  const resources: string[] = [];
  for (const [rc, inv] of p.inventories) {
    if (classes(rc)) resources.push(`${JSON.stringify(rc)}:{"capacity":${capacity(inv)},"used":${p.usages.get(rc) ?? 0}}`);
  }
  let text = `{"resources":{${resources.join(',')}}`;
  if (traits) text += `,"traits":${JSON.stringify([...p.traits].sort())}`;
  if (tree) text += `,"parent_provider_uuid":${JSON.stringify(p.parent?.uuid ?? null)},"root_provider_uuid":${JSON.stringify(p.root.uuid)}`;
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
function render(ctx: Ctx, snap: ProviderSnapshot, result: CandidateResult, requested: Set<string>): RawJson {
  const { summaries } = result;
  const cached = snapshotBytes(snap);
  const w = new ByteWriter(ctx.chunkPool);
  w.bytes(OPEN_ANSWER);
  if (ctx.v(12)) writeDictRequests(w, result, cached, ctx.v(34));
  else writeListRequests(w, result, cached);
  const allClasses = ctx.v(27);
  const traits = ctx.v(17);
  const tree = ctx.v(29);
  const members = cached.summaryMembers(`${allClasses ? '*' : [...requested].sort().join(',')}|${traits}|${tree}`);
  const classes = allClasses ? () => true : (rc: string) => requested.has(rc);
  w.bytes(OPEN_SUMMARIES);
  for (let i = 0; i < summaries.length; i++) {
    const p = summaries[i]!;
    if (i > 0) w.byte(COMMA);
    w.bytes(members[p.index] ??= Buffer.from(`"${p.uuid}":${summaryJson(p, classes, traits, tree)}`));
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

export const candidateRoutes: RouteSpec[] = [
  { path: '/allocation_candidates', methods: { GET: { handler: list, min: 10 } } },
];

export { PlacementError };
