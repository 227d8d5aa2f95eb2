// Helpers shared by the route modules.
import { PlacementError } from '../../placement/errors.js';
import type { ResourceProvider } from '../../placement/types.js';
import type { Ctx } from '../context.js';
import type { Schema } from '../json-schema.js';

export const MAX_INT = 2147483647;
export const RC_PATTERN = '^[A-Z0-9_]+$';
export const CUSTOM_RC_PATTERN = '^CUSTOM_[A-Z0-9_]+$';
export const UUID_SCHEMA = { type: 'string', format: 'uuid' };

/** The body, parsed and validated. */
export function body<T>(ctx: Ctx, schema: Schema): T {
  const data = ctx.json();
  ctx.schemas.body(schema, data);
  return data as T;
}

export function providerLinks(ctx: Ctx, uuid: string): Array<{ rel: string; href: string }> {
  const base = `/resource_providers/${uuid}`;
  const links = [
    { rel: 'self', href: base },
    { rel: 'inventories', href: `${base}/inventories` },
    { rel: 'usages', href: `${base}/usages` },
  ];
  if (ctx.v(1)) links.push({ rel: 'aggregates', href: `${base}/aggregates` });
  if (ctx.v(6)) links.push({ rel: 'traits', href: `${base}/traits` });
  if (ctx.v(11)) links.push({ rel: 'allocations', href: `${base}/allocations` });
  return links;
}

export function providerJson(ctx: Ctx, p: Pick<ResourceProvider, 'uuid' | 'name' | 'generation' | 'parentUuid' | 'rootUuid'>): Record<string, unknown> {
  const out: Record<string, unknown> = { uuid: p.uuid, name: p.name, generation: p.generation, links: providerLinks(ctx, p.uuid) };
  if (ctx.v(14)) {
    out.parent_provider_uuid = p.parentUuid;
    out.root_provider_uuid = p.rootUuid;
  }
  return out;
}

export function notFoundProvider(uuid: string): PlacementError {
  return new PlacementError(404, `No resource provider with uuid ${uuid} found`);
}

export function maxTime(times: number[]): number | 'now' {
  return times.length ? Math.max(...times) : 'now';
}

/** The fields of one inventory in request bodies (inventories, reshaper), as Placement's schema has them. */
export const inventoryProps = () => ({
  resource_provider_generation: { type: 'integer' },
  total: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  reserved: { type: 'integer', maximum: MAX_INT, minimum: 0 },
  min_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  max_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  step_size: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  allocation_ratio: { type: 'number', maximum: 3.40282e38 },
});
