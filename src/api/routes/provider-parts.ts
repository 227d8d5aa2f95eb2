// The sub-resources of one provider: inventories, traits, aggregates, usages, allocations.
import { PlacementError, badRequest, notFound } from '../../placement/errors.js';
import { INVENTORY_DEFAULTS, type Inventory } from '../../placement/types.js';
import type { Ctx, Reply, RouteSpec } from '../context.js';
import { RC_PATTERN, UUID_SCHEMA, body, inventoryProps, notFoundProvider } from './common.js';

const POST_INVENTORY = {
  type: 'object',
  properties: { ...inventoryProps(), resource_class: { type: 'string', pattern: RC_PATTERN } },
  required: ['total', 'resource_class'],
  additionalProperties: false,
};
const PUT_INVENTORY_RECORD = { type: 'object', properties: inventoryProps(), required: ['total'], additionalProperties: false };
const PUT_ONE_INVENTORY = {
  type: 'object', properties: inventoryProps(), required: ['total', 'resource_provider_generation'], additionalProperties: false,
};
const PUT_INVENTORIES = {
  type: 'object',
  properties: {
    resource_provider_generation: { type: 'integer' },
    inventories: { type: 'object', patternProperties: { [RC_PATTERN]: PUT_INVENTORY_RECORD } },
  },
  required: ['resource_provider_generation', 'inventories'],
  additionalProperties: false,
};

interface InventoryBody {
  resource_provider_generation?: number; total: number; reserved?: number; min_unit?: number;
  max_unit?: number; step_size?: number; allocation_ratio?: number; resource_class?: string;
}

function toInventory(rc: string, b: InventoryBody): Inventory {
  return {
    resourceClass: rc,
    total: b.total,
    reserved: b.reserved ?? INVENTORY_DEFAULTS.reserved,
    minUnit: b.min_unit ?? INVENTORY_DEFAULTS.minUnit,
    maxUnit: b.max_unit ?? INVENTORY_DEFAULTS.maxUnit,
    stepSize: b.step_size ?? INVENTORY_DEFAULTS.stepSize,
    allocationRatio: b.allocation_ratio ?? INVENTORY_DEFAULTS.allocationRatio,
  };
}

/** reserved vs total: 1.26 allows reserved == total (capacity 0). */
function checkCapacity(ctx: Ctx, uuid: string, inv: Inventory, prefix: string): void {
  const bad = ctx.v(26) ? inv.reserved > inv.total : inv.reserved >= inv.total;
  if (bad) {
    throw badRequest(`${prefix} ${uuid}: Invalid inventory for '${inv.resourceClass}' on resource provider '${uuid}'. The reserved value is greater than ${ctx.v(26) ? '' : 'or equal to '}total.`);
  }
}

const inventoryJson = (inv: Inventory) => ({
  total: inv.total, reserved: inv.reserved, min_unit: inv.minUnit, max_unit: inv.maxUnit,
  step_size: inv.stepSize, allocation_ratio: inv.allocationRatio,
});

async function listInventories(ctx: Ctx): Promise<Reply> {
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

async function postInventory(ctx: Ctx): Promise<Reply> {
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

async function putInventories(ctx: Ctx): Promise<Reply> {
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

async function deleteInventories(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteAllInventories(ctx.params.uuid!);
  return { status: 204 };
}

async function showInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  const { provider, inventories } = await ctx.store.getInventories(uuid);
  const inv = inventories.find((i) => i.resourceClass === rc);
  if (!inv) throw notFound(`No inventory of class ${rc} for ${uuid}`);
  return { status: 200, body: { resource_provider_generation: provider.generation, ...inventoryJson(inv) }, lastModified: provider.updatedAt };
}

async function putInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  const b = body<InventoryBody>(ctx, PUT_ONE_INVENTORY);
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  const inv = toInventory(rc, b);
  checkCapacity(ctx, uuid, inv, 'Unable to update inventory for resource provider');
  const after = await ctx.store.updateInventory(uuid, b.resource_provider_generation!, inv);
  return { status: 200, body: { resource_provider_generation: after.generation, ...inventoryJson(inv) }, lastModified: after.updatedAt };
}

async function deleteInventory(ctx: Ctx): Promise<Reply> {
  const { uuid, rc } = ctx.params as { uuid: string; rc: string };
  await ctx.store.deleteInventory(uuid, rc);
  return { status: 204 };
}

// ------------------------------------------------------------------ traits

const PUT_TRAITS = {
  type: 'object',
  properties: {
    traits: { type: 'array', items: { type: 'string', maxLength: 255 } },
    resource_provider_generation: { type: 'integer' },
  },
  required: ['traits', 'resource_provider_generation'],
  additionalProperties: false,
};

async function listProviderTraits(ctx: Ctx): Promise<Reply> {
  const { provider, traits } = await ctx.store.getProviderTraits(ctx.params.uuid!);
  return { status: 200, body: { traits, resource_provider_generation: provider.generation }, lastModified: provider.updatedAt };
}

async function putProviderTraits(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  const b = body<{ traits: string[]; resource_provider_generation: number }>(ctx, PUT_TRAITS);
  const after = await ctx.store.setProviderTraits(uuid, b.resource_provider_generation, b.traits);
  const { traits } = await ctx.store.getProviderTraits(uuid);
  return { status: 200, body: { traits, resource_provider_generation: after.generation }, lastModified: after.updatedAt };
}

async function deleteProviderTraits(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteProviderTraits(ctx.params.uuid!);
  return { status: 204 };
}

// ------------------------------------------------------------------ aggregates

const AGG_LIST = { type: 'array', items: UUID_SCHEMA, uniqueItems: true };
const PUT_AGGREGATES_1_1 = AGG_LIST;
const PUT_AGGREGATES_1_19 = {
  type: 'object',
  properties: { aggregates: AGG_LIST, resource_provider_generation: { type: 'integer' } },
  required: ['aggregates', 'resource_provider_generation'],
  additionalProperties: false,
};

async function listAggregates(ctx: Ctx): Promise<Reply> {
  const { provider, aggregates } = await ctx.store.getProviderAggregates(ctx.params.uuid!);
  const out: Record<string, unknown> = { aggregates };
  if (ctx.v(19)) out.resource_provider_generation = provider.generation;
  return { status: 200, body: out, lastModified: provider.updatedAt };
}

async function putAggregates(ctx: Ctx): Promise<Reply> {
  const uuid = ctx.params.uuid!;
  let aggs: string[];
  let gen: number | undefined;
  if (!(await ctx.store.getProvider(uuid))) throw notFoundProvider(uuid);
  if (ctx.v(19)) {
    const b = body<{ aggregates: string[]; resource_provider_generation: number }>(ctx, PUT_AGGREGATES_1_19);
    aggs = b.aggregates;
    gen = b.resource_provider_generation;
  } else {
    aggs = body<string[]>(ctx, PUT_AGGREGATES_1_1);
  }
  const after = await ctx.store.setProviderAggregates(uuid, gen, aggs);
  const out: Record<string, unknown> = { aggregates: [...new Set(aggs)] };
  if (ctx.v(19)) out.resource_provider_generation = after.generation;
  return { status: 200, body: out, lastModified: after.updatedAt };
}

// ------------------------------------------------------------------ usages and allocations

async function providerUsages(ctx: Ctx): Promise<Reply> {
  const { provider, usages } = await ctx.store.getProviderUsages(ctx.params.uuid!);
  return { status: 200, body: { resource_provider_generation: provider.generation, usages: Object.fromEntries(usages) }, lastModified: 'now' };
}

async function providerAllocations(ctx: Ctx): Promise<Reply> {
  const { provider, allocations } = await ctx.store.getProviderAllocations(ctx.params.uuid!);
  const out: Record<string, unknown> = {};
  for (const [c, res] of allocations) out[c] = { resources: Object.fromEntries(res) };
  return { status: 200, body: { resource_provider_generation: provider.generation, allocations: out }, lastModified: 'now' };
}

export const providerPartRoutes: RouteSpec[] = [
  {
    path: '/resource_providers/:uuid/inventories',
    methods: {
      GET: { handler: listInventories },
      POST: { handler: postInventory, jsonBody: true },
      PUT: { handler: putInventories, jsonBody: true },
      DELETE: { handler: deleteInventories, min: 5, minStatus: 405 },
    },
  },
  {
    path: '/resource_providers/:uuid/inventories/:rc',
    methods: { GET: { handler: showInventory }, PUT: { handler: putInventory, jsonBody: true }, DELETE: { handler: deleteInventory } },
  },
  { path: '/resource_providers/:uuid/usages', methods: { GET: { handler: providerUsages } } },
  { path: '/resource_providers/:uuid/aggregates', methods: { GET: { handler: listAggregates, min: 1 }, PUT: { handler: putAggregates, min: 1, jsonBody: true } } },
  { path: '/resource_providers/:uuid/allocations', methods: { GET: { handler: providerAllocations } } },
  {
    path: '/resource_providers/:uuid/traits',
    methods: {
      GET: { handler: listProviderTraits, min: 6 },
      PUT: { handler: putProviderTraits, min: 6, jsonBody: true },
      DELETE: { handler: deleteProviderTraits, min: 6 },
    },
  },
];

export { PlacementError };
