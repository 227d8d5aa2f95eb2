// /allocations/{consumer_uuid}, POST /allocations (1.13) and /resource_providers/{uuid}/allocations.
import { badRequest, notFound } from '../../placement/errors.js';
import type { Allocation, ConsumerAllocationWrite } from '../../placement/types.js';
import type { Ctx, Reply } from '../context.js';
import { isUuidLike } from '../json-schema.js';
import { MV } from '../microversion.js';
import { POST_ALLOCATIONS, PUT_ALLOCATIONS } from '../schemas/allocation.js';
import { forVersion } from '../schemas/common.js';
import { body, canonicalIfUuid, canonicalUuid, consumerWrite, type ConsumerBody } from '../util.js';

/** Placement's placeholder owner for consumers written before 1.8. */
const INCOMPLETE_CONSUMER_ID = '00000000-0000-0000-0000-000000000000';

export async function listForConsumer(ctx: Ctx): Promise<Reply> {
  const view = await ctx.store.getConsumerAllocations(canonicalIfUuid(ctx.params.consumer!));
  const allocations: Record<string, unknown> = {};
  for (const [rp, e] of view.allocations) allocations[rp] = { generation: e.generation, resources: Object.fromEntries(e.resources) };
  const out: Record<string, unknown> = { allocations };
  if (view.consumer && view.allocations.size) {
    if (ctx.atLeast(MV.ALLOCATIONS_DICT)) {
      out.project_id = view.consumer.projectId;
      out.user_id = view.consumer.userId;
    }
    if (ctx.atLeast(MV.CONSUMER_GENERATIONS)) out.consumer_generation = view.consumer.generation;
    if (ctx.atLeast(MV.CONSUMER_TYPES)) out.consumer_type = view.consumer.consumerType ?? 'unknown';
  }
  return { status: 200, body: out, lastModified: view.consumer?.updatedAt ?? 'now' };
}

export async function listForResourceProvider(ctx: Ctx): Promise<Reply> {
  const { provider, allocations } = await ctx.store.getProviderAllocations(ctx.params.uuid!);
  const out: Record<string, unknown> = {};
  for (const [c, res] of allocations) out[c] = { resources: Object.fromEntries(res) };
  return { status: 200, body: { resource_provider_generation: provider.generation, allocations: out }, lastModified: 'now' };
}

export async function setAllocations(ctx: Ctx): Promise<Reply> {
  if (!isUuidLike(ctx.params.consumer!)) throw badRequest(`Malformed consumer_uuid: ${ctx.params.consumer}`);
  const consumer = canonicalUuid(ctx.params.consumer!);
  const data = body<Record<string, unknown>>(ctx, forVersion(ctx.version, PUT_ALLOCATIONS));
  let write: ConsumerAllocationWrite;
  if (!ctx.atLeast(MV.ALLOCATIONS_DICT)) {
    const list = data.allocations as Array<{ resource_provider: { uuid: string }; resources: Record<string, number> }>;
    write = {
      consumerUuid: consumer,
      projectId: (data.project_id as string | undefined) ?? INCOMPLETE_CONSUMER_ID,
      userId: (data.user_id as string | undefined) ?? INCOMPLETE_CONSUMER_ID,
      allocations: list.flatMap((a) => Object.entries(a.resources).map(([rc, n]) => ({ providerUuid: canonicalIfUuid(a.resource_provider.uuid), resourceClass: rc, used: n }))),
    };
  } else {
    write = consumerWrite(ctx, consumer, data as unknown as ConsumerBody);
  }
  await checkClasses(ctx, write.allocations);
  await ctx.store.writeAllocations([write]);
  return { status: 204 };
}

/** Unknown classes are a 400 naming the class, before any capacity check. */
async function checkClasses(ctx: Ctx, allocations: Allocation[]): Promise<void> {
  const known = new Set((await ctx.store.listResourceClasses()).map((c) => c.name));
  for (const a of allocations) {
    if (!known.has(a.resourceClass)) {
      throw badRequest(`Unable to allocate inventory for consumer: No such resource class ${a.resourceClass}.`);
    }
  }
}

export async function setAllocationsForConsumers(ctx: Ctx): Promise<Reply> {
  const data = body<Record<string, ConsumerBody>>(ctx, forVersion(ctx.version, POST_ALLOCATIONS));
  const writes = Object.entries(data).map(([c, b]) => consumerWrite(ctx, canonicalIfUuid(c), b));
  await checkClasses(ctx, writes.flatMap((w) => w.allocations));
  await ctx.store.writeAllocations(writes);
  return { status: 204 };
}

export async function deleteAllocations(ctx: Ctx): Promise<Reply> {
  const consumer = ctx.params.consumer!;
  if (!(await ctx.store.deleteConsumerAllocations(canonicalIfUuid(consumer)))) {
    throw notFound(`No allocations for consumer '${consumer}'`);
  }
  return { status: 204 };
}
