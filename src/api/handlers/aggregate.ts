// /resource_providers/{uuid}/aggregates (1.1; with the provider generation from 1.19).
import type { Ctx, Reply } from '../context.js';
import { MV } from '../microversion.js';
import { PUT_AGGREGATES } from '../schemas/aggregate.js';
import { forVersion } from '../schemas/common.js';
import { body, notFoundProvider } from '../util.js';

export async function getAggregates(ctx: Ctx): Promise<Reply> {
  const { provider, aggregates } = await ctx.store.getProviderAggregates(ctx.params.uuid!);
  const out: Record<string, unknown> = { aggregates };
  if (ctx.atLeast(MV.AGGREGATES_GENERATION)) out.resource_provider_generation = provider.generation;
  return { status: 200, body: out, lastModified: provider.updatedAt };
}

export async function setAggregates(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  let aggs: string[];
  let gen: number | undefined;
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const withGeneration = ctx.atLeast(MV.AGGREGATES_GENERATION);
  const schema = forVersion(ctx.version, PUT_AGGREGATES);
  if (withGeneration) {
    const b = body<{ aggregates: string[]; resource_provider_generation: number }>(ctx, schema);
    aggs = b.aggregates;
    gen = b.resource_provider_generation;
  } else {
    aggs = body<string[]>(ctx, schema);
  }
  const after = await ctx.store.setProviderAggregates(uuid, gen, aggs);
  const out: Record<string, unknown> = { aggregates: [...new Set(aggs)] };
  if (withGeneration) out.resource_provider_generation = after.generation;
  return { status: 200, body: out, lastModified: after.updatedAt };
}
