// /resource_providers and /resource_providers/{uuid}.
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../placement/errors.js';
import { filterProviders, type ProviderFilter } from '../../placement/provider-filter.js';
import { allValues, lastValue, queryDict, type Ctx, type Reply } from '../context.js';
import { MV } from '../microversion.js';
import { parseMemberOf, parseRequired, parseResources, traitNames } from '../query-params.js';
import { forVersion } from '../schemas/common.js';
import { GET_RESOURCE_PROVIDERS, POST_RESOURCE_PROVIDER, PUT_RESOURCE_PROVIDER } from '../schemas/resource-provider.js';
import { body, canonicalUuid, maxTime, notFoundProvider, providerJson } from '../util.js';

export async function listResourceProviders(ctx: Ctx): Promise<Reply> {
  ctx.schemas.query(forVersion(ctx.version, GET_RESOURCE_PROVIDERS), queryDict(ctx));
  const f: ProviderFilter = {};
  const name = lastValue(ctx, 'name');
  if (name !== undefined) f.name = name;
  const uuid = lastValue(ctx, 'uuid');
  if (uuid !== undefined) f.uuid = canonicalUuid(uuid);
  if (ctx.atLeast(MV.MEMBER_OF) && allValues(ctx, 'member_of').length) {
    const values = allValues(ctx, 'member_of');
    const terms = parseMemberOf(values, '', { allowMultiple: ctx.atLeast(MV.MULTIPLE_MEMBER_OF), allowForbidden: ctx.atLeast(MV.FORBIDDEN_AGGREGATES) });
    f.memberOf = terms.memberOf;
    f.forbiddenAggregates = terms.forbidden;
  }
  const inTree = ctx.atLeast(MV.NESTED_PROVIDERS) ? lastValue(ctx, 'in_tree') : undefined;
  if (inTree !== undefined) f.inTree = canonicalUuid(inTree);
  const resources = ctx.atLeast(MV.RESOURCES_FILTER) ? lastValue(ctx, 'resources') : undefined;
  if (resources !== undefined) {
    f.resources = parseResources(resources);
    for (const rc of f.resources.keys()) {
      if (!(await ctx.store.getResourceClass(rc))) throw badRequest(`Invalid resource class in resources parameter: No such resource class ${rc}.`);
    }
  }
  if (ctx.atLeast(MV.PROVIDERS_REQUIRED) && allValues(ctx, 'required').length) {
    // Before 1.39 a repeated key counts once, with its last value (webob's dict).
    const values = ctx.atLeast(MV.ANY_TRAITS) ? allValues(ctx, 'required') : [lastValue(ctx, 'required')!];
    const terms = parseRequired(values, { allowForbidden: ctx.atLeast(MV.FORBIDDEN_TRAITS), allowAnyOf: ctx.atLeast(MV.ANY_TRAITS) });
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

export async function createResourceProvider(ctx: Ctx): Promise<Reply> {
  const data = body<{ name: string; uuid?: string; parent_provider_uuid?: string | null }>(ctx, forVersion(ctx.version, POST_RESOURCE_PROVIDER));
  const uuid = data.uuid ? canonicalUuid(data.uuid) : randomUUID();
  const parent = data.parent_provider_uuid ? canonicalUuid(data.parent_provider_uuid) : null;
  const rp = await ctx.store.createProvider({ uuid, name: data.name, parentUuid: parent });
  const location = `/resource_providers/${rp.uuid}`;
  if (!ctx.atLeast(MV.CREATE_PROVIDER_BODY)) return { status: 201, headers: { location } };
  return { status: 200, headers: { location }, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

export async function getResourceProvider(ctx: Ctx): Promise<Reply> {
  const rp = await ctx.store.getProvider(ctx.params.uuid!);
  if (!rp) throw notFoundProvider(ctx.params.uuid!);
  return { status: 200, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

export async function updateResourceProvider(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const data = body<{ name: string; parent_provider_uuid?: string | null }>(ctx, forVersion(ctx.version, PUT_RESOURCE_PROVIDER));
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const parent = data.parent_provider_uuid === undefined ? undefined : data.parent_provider_uuid === null ? null : canonicalUuid(data.parent_provider_uuid);
  const rp = await ctx.store.updateProvider(uuid, { name: data.name, parentUuid: parent, allowReparent: ctx.atLeast(MV.REPARENT) });
  return { status: 200, body: providerJson(ctx, rp), lastModified: rp.updatedAt };
}

export async function deleteResourceProvider(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteProvider(ctx.params.uuid!);
  return { status: 204 };
}
