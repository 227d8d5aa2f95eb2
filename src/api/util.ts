// What several handlers need, so that no handler imports another (Placement keeps the same kind
// of thing in placement/util.py): the validated body, uuid spellings, a provider's JSON, and the
// conversions of inventory and allocation bodies that both their own routes and the reshaper read.
import { PlacementError } from '../placement/errors.js';
import { INVENTORY_DEFAULTS, type Allocation, type ConsumerAllocationWrite, type Inventory, type ResourceProvider } from '../placement/types.js';
import type { Ctx } from './context.js';
import { isUuidLike, type Schema } from './json-schema.js';
import { MV } from './microversion.js';

/** The body, parsed and validated. */
export function body<T>(ctx: Ctx, schema: Schema): T {
  const data = ctx.json();
  ctx.schemas.body(schema, data);
  return data as T;
}

/** last-modified of a list: its newest member, or now for an empty one. */
export function maxTime(times: number[]): number | 'now' {
  return times.length ? Math.max(...times) : 'now';
}

// ------------------------------------------------------------------ uuids

/** UUIDs are stored in their canonical dashed, lower-case form. */
export function canonicalUuid(u: string): string {
  const hex = u.toLowerCase().replace(/^urn:uuid:/, '').replace(/[{}-]/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Dashless and upper-case spellings name the same consumer or provider. */
export function canonicalIfUuid(u: string): string {
  return isUuidLike(u) ? canonicalUuid(u) : u;
}

// ------------------------------------------------------------------ providers

export function notFoundProvider(uuid: string): PlacementError {
  return new PlacementError(404, `No resource provider with uuid ${uuid} found`);
}

export function providerLinks(ctx: Ctx, uuid: string): Array<{ rel: string; href: string }> {
  const base = `/resource_providers/${uuid}`;
  const links = [
    { rel: 'self', href: base },
    { rel: 'inventories', href: `${base}/inventories` },
    { rel: 'usages', href: `${base}/usages` },
  ];
  if (ctx.atLeast(MV.PROVIDER_AGGREGATES)) links.push({ rel: 'aggregates', href: `${base}/aggregates` });
  if (ctx.atLeast(MV.TRAITS)) links.push({ rel: 'traits', href: `${base}/traits` });
  if (ctx.atLeast(MV.ALLOCATIONS_LINK)) links.push({ rel: 'allocations', href: `${base}/allocations` });
  return links;
}

export function providerJson(ctx: Ctx, p: Pick<ResourceProvider, 'uuid' | 'name' | 'generation' | 'parentUuid' | 'rootUuid'>): Record<string, unknown> {
  const out: Record<string, unknown> = { uuid: p.uuid, name: p.name, generation: p.generation, links: providerLinks(ctx, p.uuid) };
  if (ctx.atLeast(MV.NESTED_PROVIDERS)) {
    out.parent_provider_uuid = p.parentUuid;
    out.root_provider_uuid = p.rootUuid;
  }
  return out;
}

// ------------------------------------------------------------------ inventory bodies

export interface InventoryBody {
  resource_provider_generation?: number; total: number; reserved?: number; min_unit?: number;
  max_unit?: number; step_size?: number; allocation_ratio?: number; resource_class?: string;
}

/** One inventory record of a body, with Placement's defaults for what it leaves out. */
export function toInventory(rc: string, b: InventoryBody): Inventory {
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

// ------------------------------------------------------------------ allocation bodies

/** One consumer's allocations in the dict form of 1.12+ (PUT, POST /allocations, the reshaper). */
export interface ConsumerBody {
  allocations: Record<string, { resources: Record<string, number> }>;
  project_id: string;
  user_id: string;
  consumer_generation?: number | null;
  consumer_type?: string;
}

export function dictAllocations(a: ConsumerBody['allocations']): Allocation[] {
  const out: Allocation[] = [];
  for (const [rp, v] of Object.entries(a)) {
    for (const [rc, n] of Object.entries(v.resources)) out.push({ providerUuid: canonicalIfUuid(rp), resourceClass: rc, used: n });
  }
  return out;
}

export function consumerWrite(ctx: Ctx, consumerUuid: string, b: ConsumerBody): ConsumerAllocationWrite {
  const w: ConsumerAllocationWrite = {
    consumerUuid, projectId: b.project_id, userId: b.user_id, allocations: dictAllocations(b.allocations),
  };
  if (ctx.atLeast(MV.CONSUMER_GENERATIONS)) w.consumerGeneration = b.consumer_generation ?? null;
  if (ctx.atLeast(MV.CONSUMER_TYPES)) w.consumerType = b.consumer_type!;
  return w;
}
