// /resource_classes and /traits.
import { PlacementError, badRequest, conflict, notFound } from '../../placement/errors.js';
import { lastValue, queryDict, type Ctx, type Reply, type RouteSpec } from '../context.js';
import { CUSTOM_RC_PATTERN, body, maxTime } from './common.js';

const RC_BODY = {
  type: 'object',
  properties: { name: { type: 'string', pattern: CUSTOM_RC_PATTERN, maxLength: 255 } },
  required: ['name'],
  additionalProperties: false,
};

const rcJson = (name: string) => ({ name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] });

async function listClasses(ctx: Ctx): Promise<Reply> {
  const all = await ctx.store.listResourceClasses();
  return { status: 200, body: { resource_classes: all.map((c) => rcJson(c.name)) }, lastModified: maxTime(all.map((c) => c.updatedAt)) };
}

async function createClass(ctx: Ctx): Promise<Reply> {
  const b = body<{ name: string }>(ctx, RC_BODY);
  await ctx.store.createResourceClass(b.name);
  return { status: 201, headers: { location: `/resource_classes/${b.name}` } };
}

async function showClass(ctx: Ctx): Promise<Reply> {
  const rc = await ctx.store.getResourceClass(ctx.params.name!);
  if (!rc) throw notFound(`No such resource class ${ctx.params.name}.`);
  return { status: 200, body: rcJson(rc.name), lastModified: rc.standard ? 'now' : rc.updatedAt };
}

async function putClass(ctx: Ctx): Promise<Reply> {
  const name = ctx.params.name!;
  if (!ctx.v(7)) {
    // 1.2–1.6: rename a custom class.
    const b = body<{ name: string }>(ctx, RC_BODY);
    const existing = await ctx.store.getResourceClass(name);
    if (!existing) throw notFound(`No such resource class ${name}.`);
    if (existing.standard) throw badRequest(`Cannot update standard resource class ${name}`);
    const rc = await ctx.store.renameResourceClass(name, b.name);
    return { status: 200, body: rcJson(rc.name), lastModified: rc.updatedAt };
  }
  // 1.7+: create-or-verify, no body.
  ctx.schemas.body(RC_BODY, { name });
  const created = await ctx.store.ensureResourceClass(name);
  return { status: created ? 201 : 204, headers: { location: `/resource_classes/${name}` } };
}

async function deleteClass(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteResourceClass(ctx.params.name!);
  return { status: 204 };
}

// ------------------------------------------------------------------ traits

const TRAITS_QUERY = {
  type: 'object',
  properties: { name: { type: 'string' }, associated: { type: 'string' } },
  additionalProperties: false,
};
const CUSTOM_TRAIT = /^CUSTOM_[A-Z0-9_]+$/;

async function listTraits(ctx: Ctx): Promise<Reply> {
  ctx.schemas.query(TRAITS_QUERY, queryDict(ctx));
  const filter: { names?: string[]; prefix?: string; associated?: boolean } = {};
  const name = lastValue(ctx, 'name');
  if (name !== undefined) {
    if (name.startsWith('in:')) filter.names = name.slice(3).split(',');
    else if (name.startsWith('startswith:')) filter.prefix = name.slice('startswith:'.length);
    else {
      throw badRequest(`Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: "${name}"`);
    }
  }
  const associated = lastValue(ctx, 'associated');
  if (associated !== undefined) {
    if (associated !== 'true' && associated !== 'false') {
      throw badRequest('The query parameter "associated" only accepts "true" or "false"');
    }
    filter.associated = associated === 'true';
  }
  const traits = await ctx.store.listTraits(filter);
  return { status: 200, body: { traits: traits.map((t) => t.name) }, lastModified: maxTime(traits.map((t) => t.updatedAt)) };
}

async function showTrait(ctx: Ctx): Promise<Reply> {
  const t = await ctx.store.getTrait(ctx.params.name!);
  if (!t) throw notFound(`No such trait(s): ${ctx.params.name}`);
  return { status: 204, lastModified: t.updatedAt };
}

async function putTrait(ctx: Ctx): Promise<Reply> {
  const name = ctx.params.name!;
  if (!CUSTOM_TRAIT.test(name) || name.length > 255) {
    throw badRequest('The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"');
  }
  const created = await ctx.store.ensureTrait(name);
  const t = await ctx.store.getTrait(name);
  return { status: created ? 201 : 204, headers: { location: `/traits/${name}` }, lastModified: t?.updatedAt ?? 'now' };
}

async function deleteTrait(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteTrait(ctx.params.name!);
  return { status: 204 };
}

export const nameRoutes: RouteSpec[] = [
  { path: '/resource_classes', methods: { GET: { handler: listClasses, min: 2 }, POST: { handler: createClass, min: 2, jsonBody: true } } },
  {
    path: '/resource_classes/:name',
    methods: { GET: { handler: showClass, min: 2 }, PUT: { handler: putClass, min: 2, jsonBodyBelow: 7 }, DELETE: { handler: deleteClass, min: 2 } },
  },
  { path: '/traits', methods: { GET: { handler: listTraits, min: 6 } } },
  { path: '/traits/:name', methods: { GET: { handler: showTrait, min: 6 }, PUT: { handler: putTrait, min: 6 }, DELETE: { handler: deleteTrait, min: 6 } } },
];

export { PlacementError, conflict };
