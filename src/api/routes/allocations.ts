// /allocations/{consumer_uuid}, POST /allocations, /usages.
import { PlacementError, badRequest, notFound } from '../../placement/errors.js';
import type { Allocation, ConsumerAllocationWrite } from '../../placement/types.js';
import { lastValue, queryDict, type Ctx, type Reply, type RouteSpec } from '../context.js';
import { isUuidLike, type Schema } from '../json-schema.js';
import { RC_PATTERN, body } from './common.js';
import { canonicalUuid } from './providers.js';

const UUID_PATTERN = '^[0-9a-fA-F-]{36}$';
/** Placement's placeholder owner for consumers written before 1.8. */
export const INCOMPLETE_CONSUMER_ID = '00000000-0000-0000-0000-000000000000';
const RESOURCES = {
  type: 'object', minProperties: 1,
  patternProperties: { [RC_PATTERN]: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
};
const ID = { type: 'string', minLength: 1, maxLength: 255 };
const CONSUMER_TYPE = { type: 'string', pattern: '^[A-Z0-9_]+$', minLength: 1, maxLength: 255 };
const MAPPINGS = {
  type: 'object', minProperties: 1,
  patternProperties: { '^([a-zA-Z0-9_-]{1,64})?$': { type: 'array', minItems: 1, items: { type: 'string' } } },
  additionalProperties: false,
};

function listForm(withOwner: boolean): Schema {
  const properties: Record<string, unknown> = {
    allocations: {
      type: 'array', minItems: 1,
      items: {
        type: 'object',
        properties: {
          resource_provider: {
            type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, additionalProperties: false, required: ['uuid'],
          },
          resources: RESOURCES,
        },
        required: ['resource_provider', 'resources'],
        additionalProperties: false,
      },
    },
  };
  const required = ['allocations'];
  if (withOwner) {
    properties.project_id = ID;
    properties.user_id = ID;
    required.push('project_id', 'user_id');
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The dict form of 1.12+, for one consumer. */
function dictForm(minor: number, deletable: boolean): Schema {
  const properties: Record<string, unknown> = {
    allocations: {
      type: 'object', minProperties: deletable ? 0 : 1,
      patternProperties: {
        [UUID_PATTERN]: {
          type: 'object',
          properties: { generation: { type: 'integer' }, resources: RESOURCES },
          required: ['resources'],
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    project_id: ID,
    user_id: ID,
  };
  const required = ['allocations', 'project_id', 'user_id'];
  if (minor >= 28) {
    properties.consumer_generation = { type: ['integer', 'null'] };
    required.push('consumer_generation');
  }
  if (minor >= 34) properties.mappings = MAPPINGS;
  if (minor >= 38) {
    properties.consumer_type = CONSUMER_TYPE;
    required.push('consumer_type');
  }
  return { type: 'object', properties, additionalProperties: false, required };
}

const schemas = new Map<string, Schema>();
function schemaFor(key: string, make: () => Schema): Schema {
  let s = schemas.get(key);
  if (!s) schemas.set(key, (s = make()));
  return s;
}
/** The version bands at which the body schema changes. */
function band(ctx: Ctx): number {
  return [38, 34, 28, 12].find((m) => ctx.v(m)) ?? 0;
}

export function putSchema(ctx: Ctx): Schema {
  if (!ctx.v(12)) return schemaFor(`put-list-${ctx.v(8)}`, () => listForm(ctx.v(8)));
  const b = band(ctx);
  return schemaFor(`put-${b}`, () => dictForm(b, b >= 28));
}

export function postSchema(ctx: Ctx): Schema {
  const b = band(ctx);
  return schemaFor(`post-${b}`, () => ({
    type: 'object', minProperties: 1, additionalProperties: false,
    patternProperties: { [UUID_PATTERN]: dictForm(b, true) },
  }));
}

interface DictBody {
  allocations: Record<string, { resources: Record<string, number> }>;
  project_id: string;
  user_id: string;
  consumer_generation?: number | null;
  consumer_type?: string;
}

/** Dashless and upper-case spellings name the same consumer or provider. */
export function canonicalIfUuid(u: string): string {
  return isUuidLike(u) ? canonicalUuid(u) : u;
}

export function dictAllocations(a: DictBody['allocations']): Allocation[] {
  const out: Allocation[] = [];
  for (const [rp, v] of Object.entries(a)) {
    for (const [rc, n] of Object.entries(v.resources)) out.push({ providerUuid: canonicalIfUuid(rp), resourceClass: rc, used: n });
  }
  return out;
}

export function consumerWrite(ctx: Ctx, consumerUuid: string, b: DictBody): ConsumerAllocationWrite {
  const w: ConsumerAllocationWrite = {
    consumerUuid, projectId: b.project_id, userId: b.user_id, allocations: dictAllocations(b.allocations),
  };
  if (ctx.v(28)) w.consumerGeneration = b.consumer_generation ?? null;
  if (ctx.v(38)) w.consumerType = b.consumer_type!;
  return w;
}

async function getAllocations(ctx: Ctx): Promise<Reply> {
  const view = await ctx.store.getConsumerAllocations(canonicalIfUuid(ctx.params.consumer!));
  const allocations: Record<string, unknown> = {};
  for (const [rp, e] of view.allocations) allocations[rp] = { generation: e.generation, resources: Object.fromEntries(e.resources) };
  const out: Record<string, unknown> = { allocations };
  if (view.consumer && view.allocations.size) {
    if (ctx.v(12)) {
      out.project_id = view.consumer.projectId;
      out.user_id = view.consumer.userId;
    }
    if (ctx.v(28)) out.consumer_generation = view.consumer.generation;
    if (ctx.v(38)) out.consumer_type = view.consumer.consumerType ?? 'unknown';
  }
  return { status: 200, body: out, lastModified: view.consumer?.updatedAt ?? 'now' };
}

async function putAllocations(ctx: Ctx): Promise<Reply> {
  if (!isUuidLike(ctx.params.consumer!)) throw badRequest(`Malformed consumer_uuid: ${ctx.params.consumer}`);
  const consumer = canonicalUuid(ctx.params.consumer!);
  const data = body<Record<string, unknown>>(ctx, putSchema(ctx));
  let write: ConsumerAllocationWrite;
  if (!ctx.v(12)) {
    const list = data.allocations as Array<{ resource_provider: { uuid: string }; resources: Record<string, number> }>;
    write = {
      consumerUuid: consumer,
      projectId: (data.project_id as string | undefined) ?? INCOMPLETE_CONSUMER_ID,
      userId: (data.user_id as string | undefined) ?? INCOMPLETE_CONSUMER_ID,
      allocations: list.flatMap((a) => Object.entries(a.resources).map(([rc, n]) => ({ providerUuid: canonicalIfUuid(a.resource_provider.uuid), resourceClass: rc, used: n }))),
    };
  } else {
    write = consumerWrite(ctx, consumer, data as unknown as DictBody);
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

async function postAllocations(ctx: Ctx): Promise<Reply> {
  const data = body<Record<string, DictBody>>(ctx, postSchema(ctx));
  const writes = Object.entries(data).map(([c, b]) => consumerWrite(ctx, canonicalIfUuid(c), b));
  await checkClasses(ctx, writes.flatMap((w) => w.allocations));
  await ctx.store.writeAllocations(writes);
  return { status: 204 };
}

async function deleteAllocations(ctx: Ctx): Promise<Reply> {
  const consumer = ctx.params.consumer!;
  if (!(await ctx.store.deleteConsumerAllocations(canonicalIfUuid(consumer)))) {
    throw notFound(`No allocations for consumer '${consumer}'`);
  }
  return { status: 204 };
}

// ------------------------------------------------------------------ usages

function usagesSchema(ctx: Ctx): Schema {
  const properties: Record<string, unknown> = { project_id: ID, user_id: ID };
  if (ctx.v(38)) properties.consumer_type = { type: 'string', minLength: 1, maxLength: 255 };
  return { type: 'object', properties, required: ['project_id'], additionalProperties: false };
}

async function usages(ctx: Ctx): Promise<Reply> {
  ctx.schemas.query(schemaFor(`usages-${ctx.v(38)}`, () => usagesSchema(ctx)), queryDict(ctx));
  const projectId = lastValue(ctx, 'project_id')!;
  const userId = lastValue(ctx, 'user_id');
  const groups = await ctx.store.usages(userId === undefined ? { projectId } : { projectId, userId });
  if (!ctx.v(38)) {
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

export const allocationRoutes: RouteSpec[] = [
  {
    path: '/allocations/:consumer',
    methods: { GET: { handler: getAllocations }, PUT: { handler: putAllocations, jsonBody: true }, DELETE: { handler: deleteAllocations } },
  },
  { path: '/allocations', methods: { POST: { handler: postAllocations, min: 13, jsonBody: true } } },
  { path: '/usages', methods: { GET: { handler: usages, min: 9 } } },
];

export { PlacementError };
