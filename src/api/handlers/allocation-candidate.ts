// GET /allocation_candidates (1.10): request-group parsing with Placement's checks and texts,
// the engine, and the answer (written by candidates-json.ts).
import { type CandidateRequest, findCandidates, type RequestGroup } from '../../placement/candidates.js';
import { badRequest, ErrorCode } from '../../placement/errors.js';
import { timeAndMemoryBudget } from '../../placement/work-budget.js';
import { renderCandidates } from '../candidates-json.js';
import { type Ctx, queryDict, type Reply } from '../context.js';
import { isUuidLike } from '../json-schema.js';
import { MV } from '../microversion.js';
import { conflictingTraits, parseMemberOf, parseRequired, parseResources, traitNames } from '../query-params.js';
import { GET_ALLOCATION_CANDIDATES } from '../schemas/allocation-candidate.js';
import { forVersion } from '../schemas/common.js';

interface ParsedGroup {
  suffix: string;
  resources: Map<string, number> | null;
  requiredValues: string[];
  memberOfValues: string[];
  inTree: string | null;
}

function parse(ctx: Ctx): CandidateRequest {
  ctx.schemas.query(forVersion(ctx.version, GET_ALLOCATION_CANDIDATES), queryDict(ctx));
  const keyPattern = ctx.atLeast(MV.STRING_SUFFIXES)
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
      const suffix = ctx.atLeast(MV.GRANULAR_GROUPS) ? (m[2] ?? '') : '';
      if (!ctx.atLeast(MV.GRANULAR_GROUPS) && m[2]) continue;
      let g = groups.get(suffix);
      if (!g)
        groups.set(suffix, (g = { suffix, resources: null, requiredValues: [], memberOfValues: [], inTree: null }));
      if (prefix === 'resources') g.resources = parseResources(val);
      else if (prefix === 'required') {
        if (ctx.atLeast(MV.ANY_TRAITS)) g.requiredValues.push(val);
        else g.requiredValues = [val];
      } else if (prefix === 'member_of') g.memberOfValues.push(val);
      else {
        if (!isUuidLike(val))
          throw badRequest(
            `Invalid query string parameters: Expected 'in_tree' parameter to be a format of uuid. Got: ${val}`,
          );
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
        throw badRequest(
          'Empty string (unsuffixed group) can not be specified in `same_subtree` ',
          ErrorCode.queryBadValue,
        );
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
      throw badRequest(
        `Conflicting required and forbidden traits found in root_required: ${both.join(', ')}`,
        ErrorCode.queryBadValue,
      );
    }
  }

  const all = [...groups.values()];
  if (ctx.atLeast(MV.SAME_SUBTREE)) {
    const resourceless = all.filter((g) => !g.resources).map((g) => g.suffix);
    if (resourceless.length === all.length) {
      throw badRequest('There must be at least one resources or resources[$S] parameter.', ErrorCode.queryMissingValue);
    }
    const inSubtree = new Set(sameSubtrees.flat());
    const bad = resourceless.filter((s) => !inSubtree.has(s));
    if (bad.length) {
      throw badRequest(
        `Resourceless suffixed group request should be specified in \`same_subtree\` query param: bad group(s) - ${pyList(bad)}.`,
        ErrorCode.queryBadValue,
      );
    }
    const missing = [...inSubtree].filter((s) => !groups.has(s));
    const orderedMissing = sameSubtrees.flat().filter((s, i, arr) => missing.includes(s) && arr.indexOf(s) === i);
    if (orderedMissing.length) {
      throw badRequest(
        `Real suffixes should be specified in \`same_subtree\`: ${pyList(orderedMissing)} not found in ${pyList([...groups.keys()])}.`,
        ErrorCode.queryBadValue,
      );
    }
  } else {
    const orphanTraits = all.filter((g) => g.requiredValues.length && !g.resources).map((g) => `required${g.suffix}`);
    if (orphanTraits.length) {
      throw badRequest(
        `All traits parameters must be associated with resources.  Found the following orphaned traits keys: ${orphanTraits.join(', ')}`,
      );
    }
    const orphanAggs = all.filter((g) => g.memberOfValues.length && !g.resources).map((g) => `member_of${g.suffix}`);
    if (orphanAggs.length) {
      throw badRequest(
        `All member_of parameters must be associated with resources. Found the following orphaned member_of keys: ${orphanAggs.join(', ')}`,
      );
    }
    if (!all.every((g) => g.resources)) throw badRequest('All request groups must specify resources.');
    if (all.length === 0) throw badRequest('At least one request group (`resources` or `resources{$S}`) is required.');
  }

  const out: RequestGroup[] = [];
  const conflicts: string[] = [];
  for (const g of all) {
    const traits = parseRequired(g.requiredValues, {
      allowForbidden: ctx.atLeast(MV.FORBIDDEN_TRAITS),
      allowAnyOf: ctx.atLeast(MV.ANY_TRAITS),
    });
    const c = conflictingTraits(`required${g.suffix}`, traits);
    if (c) conflicts.push(c.message.replace(/^.*traits keys: /, ''));
    const aggs = parseMemberOf(g.memberOfValues, g.suffix, {
      allowMultiple: ctx.atLeast(MV.MULTIPLE_MEMBER_OF),
      allowForbidden: ctx.atLeast(MV.FORBIDDEN_AGGREGATES),
    });
    out.push({
      suffix: g.suffix,
      resources: g.resources ?? new Map(),
      required: traits.required,
      forbidden: traits.forbidden,
      memberOf: aggs.memberOf,
      forbiddenAggregates: aggs.forbidden,
      inTree: g.inTree,
    });
  }
  if (conflicts.length) {
    throw badRequest(
      `Conflicting required and forbidden traits found in the following traits keys: ${conflicts.join(', ')}`,
    );
  }
  if (!groupPolicy && out.filter((g) => g.suffix !== '').length > 1) {
    throw badRequest(
      'The "group_policy" parameter is required when specifying more than one "resources{N}" parameter.',
    );
  }
  // The unsuffixed group first: its options are the widest, the suffixed ones prune.
  out.sort((a, b) => (a.suffix === '' ? -1 : b.suffix === '' ? 1 : 0));
  return {
    groups: out,
    groupPolicy,
    limit,
    rootRequired: rootReq,
    rootForbidden,
    sameSubtrees,
    nestedAware: ctx.atLeast(MV.NESTED_CANDIDATES),
    canSplit,
    maxCandidates: ctx.limits.maxAllocationCandidates > 0 ? ctx.limits.maxAllocationCandidates : null,
    strategy: ctx.limits.generationStrategy,
  };
}

function pyList(xs: string[]): string {
  return `[${xs.map((x) => `'${x}'`).join(', ')}]`;
}

export async function listAllocationCandidates(ctx: Ctx): Promise<Reply> {
  const req = parse(ctx);
  const classes = new Set<string>();
  for (const g of req.groups) for (const rc of g.resources.keys()) classes.add(rc);
  for (const rc of req.canSplit) classes.add(rc);
  const known = new Set((await ctx.store.listResourceClasses()).map((c) => c.name));
  for (const rc of classes) {
    if (!known.has(rc))
      throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
  }
  const traits = new Set<string>(req.rootRequired.concat(req.rootForbidden));
  for (const g of req.groups)
    for (const t of traitNames({ required: g.required, forbidden: g.forbidden })) traits.add(t);
  const missing = await ctx.store.missingTraits([...traits]);
  if (missing.length) throw badRequest(`No such trait(s): ${missing.sort().join(', ')}.`);

  const snap = await ctx.store.snapshot();
  // The budget runs from here: the generation is what it bounds.
  const budget = timeAndMemoryBudget(ctx.limits.candidateTimeBudgetMs, ctx.limits.candidateMemoryBudgetBytes, () =>
    performance.now(),
  );
  const result = findCandidates(snap, { ...req, budget });
  const requested = new Set<string>();
  for (const g of req.groups) for (const rc of g.resources.keys()) requested.add(rc);
  return { status: 200, body: renderCandidates(ctx, snap, result, requested), lastModified: 'now' };
}
