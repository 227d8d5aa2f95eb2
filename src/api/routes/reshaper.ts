// POST /reshaper (1.30+): inventories and allocations of several providers, atomically.
import { PlacementError } from '../../placement/errors.js';
import { INVENTORY_DEFAULTS } from '../../placement/types.js';
import type { Ctx, Reply, RouteSpec } from '../context.js';
import type { Schema } from '../json-schema.js';
import type { InventoryWrite } from '../../store/port.js';
import { consumerWrite, postSchema } from './allocations.js';
import { RC_PATTERN, body, inventoryProps } from './common.js';

const PUT_INVENTORIES = {
  type: 'object',
  properties: {
    resource_provider_generation: { type: 'integer' },
    inventories: {
      type: 'object',
      patternProperties: { [RC_PATTERN]: { type: 'object', properties: inventoryProps(), required: ['total'], additionalProperties: false } },
    },
  },
  required: ['resource_provider_generation', 'inventories'],
  additionalProperties: false,
};
const schemas = new Map<string, Schema>();
function schemaFor(ctx: Ctx): Schema {
  const key = ctx.v(38) ? '38' : ctx.v(34) ? '34' : '30';
  let s = schemas.get(key);
  if (!s) {
    s = {
      type: 'object',
      properties: {
        inventories: {
          type: 'object',
          patternProperties: { '^[0-9a-fA-F-]{36}$': PUT_INVENTORIES },
          minProperties: 1,
          additionalProperties: false,
        },
        // Unlike POST /allocations, a reshape may move no allocations at all.
        allocations: { ...postSchema(ctx), minProperties: 0 },
      },
      required: ['inventories', 'allocations'],
      additionalProperties: false,
    };
    schemas.set(key, s);
  }
  return s;
}

interface InvBody {
  total: number; reserved?: number; min_unit?: number; max_unit?: number; step_size?: number; allocation_ratio?: number;
}

async function reshape(ctx: Ctx): Promise<Reply> {
  const data = body<{
    inventories: Record<string, { resource_provider_generation: number; inventories: Record<string, InvBody> }>;
    allocations: Record<string, Parameters<typeof consumerWrite>[2]>;
  }>(ctx, schemaFor(ctx));
  const inventories: InventoryWrite[] = Object.entries(data.inventories).map(([uuid, v]) => ({
    providerUuid: uuid,
    generation: v.resource_provider_generation,
    inventories: Object.entries(v.inventories).map(([rc, i]) => ({
      resourceClass: rc, total: i.total, reserved: i.reserved ?? INVENTORY_DEFAULTS.reserved,
      minUnit: i.min_unit ?? INVENTORY_DEFAULTS.minUnit, maxUnit: i.max_unit ?? INVENTORY_DEFAULTS.maxUnit,
      stepSize: i.step_size ?? INVENTORY_DEFAULTS.stepSize, allocationRatio: i.allocation_ratio ?? INVENTORY_DEFAULTS.allocationRatio,
    })),
  }));
  const allocations = Object.entries(data.allocations).map(([c, b]) => consumerWrite(ctx, c, b));
  await ctx.store.reshape(inventories, allocations);
  return { status: 204 };
}

export const reshaperRoutes: RouteSpec[] = [
  { path: '/reshaper', methods: { POST: { handler: reshape, min: 30, jsonBody: true } } },
];

export { PlacementError };
