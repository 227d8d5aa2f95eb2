// /resource_providers and /resource_providers/{uuid}.
import { randomUUID } from 'node:crypto';
import { PlacementError, badRequest } from '../../placement/errors.js';
import { filterProviders, type ProviderFilter } from '../../placement/provider-filter.js';
import { allValues, lastValue, queryDict, type Ctx, type Reply, type RouteSpec } from '../context.js';
import { parseMemberOf, parseRequired, parseResources, traitNames } from '../query-params.js';
import { UUID_SCHEMA, body, maxTime, notFoundProvider, providerJson } from './common.js';

function postSchema(ctx: Ctx) {
  const properties: Record<string, unknown> = { name: { type: 'string', maxLength: 200 }, uuid: UUID_SCHEMA };
  if (ctx.v(14)) properties.parent_provider_uuid = { anyOf: [UUID_SCHEMA, { type: 'null' }] };
  return { type: 'object', properties, required: ['name'], additionalProperties: false };
}
function putSchema(ctx: Ctx) {
  const properties: Record<string, unknown> = { name: { type: 'string', maxLength: 200 } };
  if (ctx.v(14)) properties.parent_provider_uuid = { anyOf: [UUID_SCHEMA, { type: 'null' }] };
  return { type: 'object', properties, required: ['name'], additionalProperties: false };
}
const schemaCache = new Map<string, Record<string, unknown>>();
function cached(key: string, make: () => Record<string, unknown>) {
  let s = schemaCache.get(key);
  if (!s) schemaCache.set(key, (s = make()));
  return s;
}

function listSchema(ctx: Ctx) {
  const props: Record<string, unknown> = { name: { type: 'string' }, uuid: UUID_SCHEMA };
  if (ctx.v(3)) props.member_of = { type: 'string' };
  if (ctx.v(4)) props.resources = { type: 'string' };
  if (ctx.v(14)) props.in_tree = UUID_SCHEMA;
  if (ctx.v(18)) props.required = { type: 'string' };
  return { type: 'object', properties: props, additionalProperties: false };
}

/** UUIDs are stored in their canonical dashed, lower-case form. */
export function canonicalUuid(u: string): string {
  const hex = u.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function list(ctx: Ctx): Promise<Reply> {
  const versionKey = `list:${ctx.version.minor}`;
  ctx.schemas.query(cached(versionKey, () => listSchema(ctx)), queryDict(ctx));
  const f: ProviderFilter = {};
  const name = lastValue(ctx, 'name');
  if (name !== undefined) f.name = name;
  const uuid = lastValue(ctx, 'uuid');
  if (uuid !== undefined) f.uuid = canonicalUuid(uuid);
  if (ctx.v(3) && allValues(ctx, 'member_of').length) {
    const values = allValues(ctx, 'member_of');
    const terms = parseMemberOf(values, '', { allowMultiple: ctx.v(24), allowForbidden: ctx.v(32) });
    f.memberOf = terms.memberOf;
    f.forbiddenAggregates = terms.forbidden;
  }
  const inTree = ctx.v(14) ? lastValue(ctx, 'in_tree') : undefined;
  if (inTree !== undefined) f.inTree = canonicalUuid(inTree);
  const resources = ctx.v(4) ? lastValue(ctx, 'resources') : undefined;
  if (resources !== undefined) {
    f.resources = parseResources(resources);
    for (const rc of f.resources.keys()) {
      if (!(await ctx.store.getResourceClass(rc))) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
    }
  }
  if (ctx.v(18) && allValues(ctx, 'required').length) {
    const values = ctx.v(39) ? allValues(ctx, 'required') : [lastValue(ctx, 'required')!];
    const terms = parseRequired(values, { allowForbidden: ctx.v(22), allowAnyOf: ctx.v(39) });
    const missing = await ctx.store.missingTraits(traitNames(terms));
    if (missing.length) throw badRequest(`No such trait(s): ${missing.join(', ')}.`);
    f.required = terms.required;
    f.forbidden = terms.forbidden;
  }
  const snap = await ctx.store.snapshot();
  const found = filterProviders(snap, f);
  return {
    status: 200,
    body: {
      resource_providers: found.map((p) => providerJson(ctx, {
        uuid: p.uuid, name: p.name, generation: p.generation, parentUuid: p.parent?.uuid ?? null, rootUuid: p.root.uuid,
      })),
    },
    lastModified: maxTime(found.map((p) => p.updatedAt)),
  };
}

async function create(ctx: Ctx): Promise<Reply> {
  const data = body<{ name: string; uuid?: string; parent_provider_uuid?: string | null }>(ctx, cached(`post:${ctx.v(14)}`, () => postSchema(ctx)));
  const uuid = data.uuid ? canonicalUuid(data.uuid) : randomUUID();
  const parent = data.parent_provider_uuid ? canonicalUuid(data.parent_provider_uuid) : null;
  const rp = await ctx.store.createProvider({ uuid, name: data.name, parentUuid: parent });
  const location = `/resource_providers/${rp.uuid}`;
  if (!ctx.v(20)) return { status: 201, headers: { location } };
  return { status: 200, headers: { location }, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

async function show(ctx: Ctx): Promise<Reply> {
  const rp = await ctx.store.getProvider(ctx.params.uuid!);
  if (!rp) throw notFoundProvider(ctx.params.uuid!);
  return { status: 200, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

async function update(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const data = body<{ name: string; parent_provider_uuid?: string | null }>(ctx, cached(`put:${ctx.v(14)}`, () => putSchema(ctx)));
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const parent = data.parent_provider_uuid === undefined ? undefined : data.parent_provider_uuid === null ? null : canonicalUuid(data.parent_provider_uuid);
  const rp = await ctx.store.updateProvider(uuid, { name: data.name, parentUuid: parent, allowReparent: ctx.v(37) });
  return { status: 200, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

async function remove(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteProvider(ctx.params.uuid!);
  return { status: 204 };
}

export const providerRoutes: RouteSpec[] = [
  { path: '/resource_providers', methods: { GET: { handler: list }, POST: { handler: create, jsonBody: true } } },
  { path: '/resource_providers/:uuid', methods: { GET: { handler: show }, PUT: { handler: update, jsonBody: true }, DELETE: { handler: remove } } },
];

export { PlacementError };
