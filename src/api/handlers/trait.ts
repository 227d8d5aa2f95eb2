// /traits, /traits/{name} and /resource_providers/{uuid}/traits.
import { badRequest, notFound } from '../../placement/errors.js';
import { lastValue, queryDict, type Ctx, type Reply } from '../context.js';
import { CUSTOM_TRAIT, LIST_TRAITS_QUERY, SET_TRAITS_FOR_RP } from '../schemas/trait.js';
import { body, maxTime } from '../util.js';

export async function listTraits(ctx: Ctx): Promise<Reply> {
  ctx.schemas.query(LIST_TRAITS_QUERY, queryDict(ctx));
  const filter: { names?: string[]; prefix?: string; associated?: boolean } = {};
  const name = lastValue(ctx, 'name');
  if (name !== undefined) {
    if (name.startsWith('in:')) filter.names = name.slice(3).split(',');
    else if (name.startsWith('startswith:')) filter.prefix = name.slice('startswith:'.length);
    else {
      throw badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
    }
  }
  const associated = lastValue(ctx, 'associated');
  if (associated !== undefined) {
    if (associated !== 'true' && associated !== 'false') {
      throw badRequest('The query parameter "associated" only accepts "true" or "false"');
    }
    filter.associated = associated === 'true';
  }
  const traits = await ctx.store.listTraits(filter);
  return { status: 200, body: { traits: traits.map((t) => t.name) }, lastModified: maxTime(traits.map((t) => t.updatedAt)) };
}

export async function getTrait(ctx: Ctx): Promise<Reply> {
  const t = await ctx.store.getTrait(ctx.params.name!);
  if (!t) throw notFound(`No such trait(s): ${ctx.params.name}`);
  return { status: 204, lastModified: t.updatedAt };
}

export async function putTrait(ctx: Ctx): Promise<Reply> {
  const name = ctx.params.name!;
  if (!CUSTOM_TRAIT.test(name) || name.length > 255) {
    throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
  }
  const created = await ctx.store.ensureTrait(name);
  const t = await ctx.store.getTrait(name);
  return { status: created ? 201 : 204, headers: { location: `/traits/${name}` }, lastModified: t?.updatedAt ?? 'now' };
}

export async function deleteTrait(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteTrait(ctx.params.name!);
  return { status: 204 };
}

export async function listTraitsForResourceProvider(ctx: Ctx): Promise<Reply> {
  const { provider, traits } = await ctx.store.getProviderTraits(ctx.params.uuid!);
  return { status: 200, body: { traits, resource_provider_generation: provider.generation }, lastModified: provider.updatedAt };
}

export async function updateTraitsForResourceProvider(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const b = body<{ traits: string[]; resource_provider_generation: number }>(ctx, SET_TRAITS_FOR_RP);
  const after = await ctx.store.setProviderTraits(uuid, b.resource_provider_generation, b.traits);
  const { traits } = await ctx.store.getProviderTraits(uuid);
  return { status: 200, body: { traits, resource_provider_generation: after.generation }, lastModified: after.updatedAt };
}

export async function deleteTraitsForResourceProvider(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteProviderTraits(ctx.params.uuid!);
  return { status: 204 };
}
