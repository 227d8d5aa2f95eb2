// /resource_providers/{uuid}/usages and GET /usages (1.9; by consumer type from 1.38).
import { lastValue, queryDict, type Ctx, type Reply } from '../context.js';
import { MV } from '../microversion.js';
import { forVersion } from '../schemas/common.js';
import { GET_USAGES } from '../schemas/usage.js';

export async function listUsagesForResourceProvider(ctx: Ctx): Promise<Reply> {
  const { provider, usages } = await ctx.store.getProviderUsages(ctx.params.uuid!);
  return { status: 200, body: { resource_provider_generation: provider.generation, usages: Object.fromEntries(usages) }, lastModified: 'now' };
}

export async function getTotalUsages(ctx: Ctx): Promise<Reply> {
  ctx.schemas.query(forVersion(ctx.version, GET_USAGES), queryDict(ctx));
  const projectId = lastValue(ctx, 'project_id')!;
  const userId = lastValue(ctx, 'user_id');
  const groups = await ctx.store.usages(userId === undefined ? { projectId } : { projectId, userId });
  if (!ctx.atLeast(MV.CONSUMER_TYPES)) {
    const total: Record<string, number> = {};
    for (const g of groups) for (const [rc, n] of g.usages) total[rc] = (total[rc] ?? 0) + n;
    return { status: 200, body: { usages: total }, lastModified: 'now' };
  }
  const wanted = lastValue(ctx, 'consumer_type');
  const out: Record<string, Record<string, number>> = {};
  const add = (key: string, g: (typeof groups)[number]) => {
    const e = (out[key] ??= { consumer_count: 0 });
    e.consumer_count = (e.consumer_count ?? 0) + g.consumerCount;
    for (const [rc, n] of g.usages) e[rc] = (e[rc] ?? 0) + n;
  };
  for (const g of groups) {
    const key = g.consumerType ?? 'unknown';
    if (wanted === undefined) add(key, g);
    else if (wanted === 'all') add('all', g);
    else if (wanted === 'unknown') {
      if (g.consumerType === null) add('unknown', g);
    } else if (g.consumerType === wanted) add(wanted, g);
  }
  return { status: 200, body: { usages: out }, lastModified: 'now' };
}
