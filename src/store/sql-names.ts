// Resource classes and traits: the two name tables (Placement's resource_class and trait
// objects). Every method runs inside the caller's transaction.
import { badRequest, conflict, notFound } from '../placement/errors.js';
import type { ResourceClass, Trait } from '../placement/types.js';
import { toNamed, type NamedRow, type StoreCtx } from './sql-rows.js';
import { inList, type SqlTx } from './sql.js';

/** Class name → id for those of `names` that exist (one query; none for an empty list). */
export async function classIds(tx: SqlTx, names: string[]): Promise<Map<string, number>> {
  const rows = names.length
    ? await tx.all<{ id: number; name: string }>(`SELECT id, name FROM resource_classes WHERE name IN ${inList(names.length)}`, names)
    : [];
  return new Map(rows.map((r) => [r.name, Number(r.id)]));
}

export class SqlNames {
  constructor(private readonly ctx: StoreCtx) {}

  async seedStandard(tx: SqlTx, resourceClasses: readonly string[], traits: readonly string[]): Promise<void> {
    const now = this.ctx.now();
    for (const [table, names] of [['resource_classes', resourceClasses], ['traits', traits]] as const) {
      const have = new Set((await tx.all<{ name: string }>(`SELECT name FROM ${table}`)).map((r) => r.name));
      for (const n of names) {
        if (have.has(n)) continue;
        await tx.run(`INSERT INTO ${table} (name, standard, created_at, updated_at) VALUES (?, 1, ?, ?)`, [n, now, now]);
      }
    }
  }

  // ------------------------------------------------------------ resource classes

  async listResourceClasses(tx: SqlTx): Promise<ResourceClass[]> {
    return (await tx.all<NamedRow>('SELECT * FROM resource_classes ORDER BY id')).map(toNamed);
  }

  async getResourceClass(tx: SqlTx, name: string): Promise<ResourceClass | null> {
    const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
    return r ? toNamed(r) : null;
  }

  async createResourceClass(tx: SqlTx, name: string): Promise<ResourceClass> {
    if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [name])) {
      throw conflict(`Conflicting resource class already exists: ${name}`);
    }
    const now = this.ctx.now();
    await tx.run('INSERT INTO resource_classes (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
    return { name, standard: false, createdAt: now, updatedAt: now };
  }

  async ensureResourceClass(tx: SqlTx, name: string): Promise<boolean> {
    if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [name])) return false;
    const now = this.ctx.now();
    await tx.run('INSERT INTO resource_classes (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
    return true;
  }

  async renameResourceClass(tx: SqlTx, name: string, newName: string): Promise<ResourceClass> {
    const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
    if (!r) throw notFound(`No such resource class ${name}.`);
    if (r.standard) throw badRequest(`Cannot update standard resource class ${name}`);
    if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [newName])) {
      throw conflict(`Resource class already exists: ${newName}`);
    }
    const now = this.ctx.now();
    await tx.run('UPDATE resource_classes SET name = ?, updated_at = ? WHERE id = ?', [newName, now, r.id]);
    return { name: newName, standard: false, createdAt: Number(r.created_at), updatedAt: now };
  }

  async deleteResourceClass(tx: SqlTx, name: string): Promise<void> {
    const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
    if (!r) throw notFound(`No such resource class ${name}.`);
    if (r.standard) throw badRequest(`Error in delete resource class: Cannot delete standard resource class ${name}.`);
    if (await tx.get('SELECT 1 AS x FROM inventories WHERE class_id = ?', [r.id])) {
      throw conflict(`Error in delete resource class: Class is in use in inventory: ${name}`);
    }
    await tx.run('DELETE FROM resource_classes WHERE id = ?', [r.id]);
  }

  // ------------------------------------------------------------ traits

  async listTraits(tx: SqlTx, filter: { names?: string[]; prefix?: string; associated?: boolean }): Promise<Trait[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.names) {
      where.push(`t.name IN ${inList(filter.names.length)}`);
      // An empty list still needs one placeholder to bind: '' is no trait's name.
      params.push(...(filter.names.length ? filter.names : ['']));
    }
    if (filter.prefix !== undefined) {
      where.push('substr(t.name, 1, ?) = ?');
      params.push(filter.prefix.length, filter.prefix);
    }
    if (filter.associated !== undefined) {
      where.push(`${filter.associated ? '' : 'NOT '}EXISTS (SELECT 1 FROM provider_traits pt WHERE pt.trait_id = t.id)`);
    }
    const sql = `SELECT * FROM traits t${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY t.name`;
    return (await tx.all<NamedRow>(sql, params)).map(toNamed);
  }

  async getTrait(tx: SqlTx, name: string): Promise<Trait | null> {
    const r = await tx.get<NamedRow>('SELECT * FROM traits WHERE name = ?', [name]);
    return r ? toNamed(r) : null;
  }

  async ensureTrait(tx: SqlTx, name: string): Promise<boolean> {
    if (await tx.get('SELECT id FROM traits WHERE name = ?', [name])) return false;
    const now = this.ctx.now();
    await tx.run('INSERT INTO traits (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
    return true;
  }

  async deleteTrait(tx: SqlTx, name: string): Promise<void> {
    const r = await tx.get<NamedRow>('SELECT * FROM traits WHERE name = ?', [name]);
    if (!r) throw notFound(`No such trait(s): ${name}`);
    if (r.standard) throw badRequest(`Cannot delete standard trait ${name}.`);
    if (await tx.get('SELECT 1 AS x FROM provider_traits WHERE trait_id = ?', [r.id])) {
      throw conflict(`The trait ${name} is in use by a resource provider.`);
    }
    await tx.run('DELETE FROM traits WHERE id = ?', [r.id]);
  }

  /** Names among `names` that do not exist; `names` is not empty (the front answers that). */
  async missingTraits(tx: SqlTx, names: string[]): Promise<string[]> {
    const have = new Set((await tx.all<{ name: string }>(`SELECT name FROM traits WHERE name IN ${inList(names.length)}`, names)).map((r) => r.name));
    return [...new Set(names)].filter((n) => !have.has(n));
  }
}
