// /resource_providers/{uuid}/inventories and /resource_providers/{uuid}/inventories/{resource_class}.
import { badRequest, notFound } from '../../placement/errors.js';
import type { Inventory } from '../../placement/types.js';
import type { Ctx, Reply } from '../context.js';
import { MV } from '../microversion.js';
import { POST_INVENTORY, PUT_INVENTORIES, PUT_INVENTORY } from '../schemas/inventory.js';
import { body, notFoundProvider, toInventory, type InventoryBody } from '../util.js';

/** reserved vs total: 1.26 allows reserved == total (capacity 0). */
function checkCapacity(ctx: Ctx, uuid: string, inv: Inventory, prefix: string): void {
  const equalAllowed = ctx.atLeast(MV.RESERVED_EQUALS_TOTAL);
  const bad = equalAllowed ? inv.reserved > inv.total : inv.reserved >= inv.total;
  if (bad) {
    throw badRequest(`${prefix} ${uuid}: Invalid inventory for '${inv.resourceClass}' on resource provider '${uuid}'. The reserved value is greater than ${equalAllowed ? '' : 'or equal to '}total.`);
  }
}

const inventoryJson = (inv: Inventory) => ({
  total: inv.total, reserved: inv.reserved, min_unit: inv.minUnit, max_unit: inv.maxUnit,
  step_size: inv.stepSize, allocation_ratio: inv.allocationRatio,
});

export async function getInventories(ctx: Ctx): Promise<Reply> {
  const { provider, inventories } = await ctx.store.getInventories(ctx.params.uuid!);
  return {
    status: 200,
    body: {
      resource_provider_generation: provider.generation,
      inventories: Object.fromEntries(inventories.map((i) => [i.resourceClass, inventoryJson(i)])),
    },
    lastModified: provider.updatedAt,
  };
}

export async function createInventory(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const b = body<InventoryBody>(ctx, POST_INVENTORY);
  const rp = await ctx.store.getProvider(uuid);
  if (!rp) throw notFoundProvider(uuid);
  const inv = toInventory(b.resource_class!, b);
  checkCapacity(ctx, uuid, inv, 'Unable to create inventory for resource provider');
  if (!(await ctx.store.getResourceClass(inv.resourceClass))) {
    throw badRequest(`Unable to create inventory for resource provider ${uuid}: No such resource class ${inv.resourceClass}.`);
  }
  const gen = b.resource_provider_generation ?? rp.generation;
  const after = await ctx.store.addInventory(uuid, gen, inv);
  return {
    status: 201,
    headers: { location: `/resource_providers/${uuid}/inventories/${inv.resourceClass}` },
    body: { resource_provider_generation: after.generation, ...inventoryJson(inv) },
    lastModified: after.updatedAt,
  };
}

export async function setInventories(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const b = body<{ resource_provider_generation: number; inventories: Record<string, InventoryBody> }>(ctx, PUT_INVENTORIES);
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const invs = Object.entries(b.inventories).map(([rc, x]) => toInventory(rc, x));
  for (const inv of invs) checkCapacity(ctx, uuid, inv, 'Unable to update inventory for resource provider');
  const after = await ctx.store.setInventories(uuid, b.resource_provider_generation, invs);
  return {
    status: 200,
    body: { resource_provider_generation: after.generation, inventories: Object.fromEntries(invs.map((i) => [i.resourceClass, inventoryJson(i)])) },
    lastModified: after.updatedAt,
  };
}

export async function deleteInventories(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteAllInventories(ctx.params.uuid!);
  return { status: 204 };
}

export async function getInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  const { provider, inventories } = await ctx.store.getInventories(uuid);
  const inv = inventories.find((i) => i.resourceClass === rc);
  if (!inv) throw notFound(`No inventory of class ${rc} for ${uuid}`);
  return { status: 200, body: { resource_provider_generation: provider.generation, ...inventoryJson(inv) }, lastModified: provider.updatedAt };
}

export async function updateInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  const b = body<InventoryBody>(ctx, PUT_INVENTORY);
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const inv = toInventory(rc, b);
  checkCapacity(ctx, uuid, inv, 'Unable to update inventory for resource provider');
  const after = await ctx.store.updateInventory(uuid, b.resource_provider_generation!, inv);
  return { status: 200, body: { resource_provider_generation: after.generation, ...inventoryJson(inv) }, lastModified: after.updatedAt };
}

export async function deleteInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  await ctx.store.deleteInventory(uuid, rc);
  return { status: 204 };
}
