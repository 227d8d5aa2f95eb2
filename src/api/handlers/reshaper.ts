// POST /reshaper (1.30): inventories and allocations of several providers, atomically.
import type { InventoryWrite } from '../../store/port.js';
import type { Ctx, Reply } from '../context.js';
import { forVersion } from '../schemas/common.js';
import { POST_RESHAPER } from '../schemas/reshaper.js';
import { body, consumerWrite, toInventory, type ConsumerBody, type InventoryBody } from '../util.js';

export async function reshape(ctx: Ctx): Promise<Reply> {
  const data = body<{
    inventories: Record<string, { resource_provider_generation: number; inventories: Record<string, InventoryBody> }>;
    allocations: Record<string, ConsumerBody>;
  }>(ctx, forVersion(ctx.version, POST_RESHAPER));
  const inventories: InventoryWrite[] = Object.entries(data.inventories).map(([uuid, v]) => ({
    providerUuid: uuid,
    generation: v.resource_provider_generation,
    inventories: Object.entries(v.inventories).map(([rc, i]) => toInventory(rc, i)),
  }));
  const allocations = Object.entries(data.allocations).map(([c, b]) => consumerWrite(ctx, c, b));
  await ctx.store.reshape(inventories, allocations);
  return { status: 204 };
}
