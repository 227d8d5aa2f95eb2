// /resource_classes and /resource_classes/{name}.
import { badRequest, notFound } from '../../placement/errors.js';
import type { Ctx, Reply } from '../context.js';
import { MV } from '../microversion.js';
import { POST_RESOURCE_CLASS } from '../schemas/resource-class.js';
import { body, maxTime } from '../util.js';

const rcJson = (name: string) => ({ name, links: [{ rel: 'self', href: `/resource_classes/${name}` }] });

export async function listResourceClasses(ctx: Ctx): Promise<Reply> {
  const all = await ctx.store.listResourceClasses();
  return { status: 200, body: { resource_classes: all.map((c) => rcJson(c.name)) }, lastModified: maxTime(all.map((c) => c.updatedAt)) };
}

export async function createResourceClass(ctx: Ctx): Promise<Reply> {
  const b = body<{ name: string }>(ctx, POST_RESOURCE_CLASS);
  await ctx.store.createResourceClass(b.name);
  return { status: 201, headers: { location: `/resource_classes/${b.name}` } };
}

export async function getResourceClass(ctx: Ctx): Promise<Reply> {
  const rc = await ctx.store.getResourceClass(ctx.params.name!);
  if (!rc) throw notFound(`No such resource class ${ctx.params.name}.`);
  return { status: 200, body: rcJson(rc.name), lastModified: rc.standard ? 'now' : rc.updatedAt };
}

export async function updateResourceClass(ctx: Ctx): Promise<Reply> {
  const name = ctx.params.name!;
  if (!ctx.atLeast(MV.IDEMPOTENT_RESOURCE_CLASS_PUT)) {
    // 1.2–1.6: rename a custom class.
    const b = body<{ name: string }>(ctx, POST_RESOURCE_CLASS);
    const existing = await ctx.store.getResourceClass(name);
    if (!existing) throw notFound(`No such resource class ${name}.`);
    if (existing.standard) throw badRequest(`Cannot update standard resource class ${name}`);
    const rc = await ctx.store.renameResourceClass(name, b.name);
    return { status: 200, body: rcJson(rc.name), lastModified: rc.updatedAt };
  }
  // 1.7+: create-or-verify, no body.
  ctx.schemas.body(POST_RESOURCE_CLASS, { name });
  const created = await ctx.store.ensureResourceClass(name);
  return { status: created ? 201 : 204, headers: { location: `/resource_classes/${name}` } };
}

export async function deleteResourceClass(ctx: Ctx): Promise<Reply> {
  await ctx.store.deleteResourceClass(ctx.params.name!);
  return { status: 204 };
}
