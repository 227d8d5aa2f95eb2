// PlacementStore over SQL, shared by SQLite and PostgreSQL. Each write is one transaction that
// locks what it checks (SQLite: the database write lock of BEGIN IMMEDIATE; PostgreSQL: the
// provider and consumer rows, SELECT ... FOR UPDATE), compares generations and capacity, writes,
// and bumps the change counter that tells every process its snapshot is stale.
import { fits, unitsOk } from '../placement/capacity.js';
import { ErrorCode, PlacementError, badRequest, conflict, notFound } from '../placement/errors.js';
import { ProviderSnapshot, type SnapshotRows } from '../placement/snapshot.js';
import type {
  Consumer, ConsumerAllocationWrite, Inventory, NamedItem, ResourceProvider,
} from '../placement/types.js';
import type {
  ConsumerAllocationView, InventoryWrite, PlacementStore, UsageGroup, UsageQuery,
} from './port.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './schema.js';
import { inList, type SqlDb, type SqlTx } from './sql.js';

interface RpRow {
  id: number; uuid: string; name: string; generation: number; parent_id: number | null;
  root_id: number; created_at: number; updated_at: number; parent_uuid: string | null; root_uuid: string;
}
interface InvRow {
  class_id: number; name: string; total: number; reserved: number; min_unit: number; max_unit: number;
  step_size: number; allocation_ratio: number;
}
interface NamedRow { id: number; name: string; standard: number; created_at: number; updated_at: number }
interface ConsumerRow {
  id: number; uuid: string; project_id: string; user_id: string; generation: number;
  consumer_type: string | null; created_at: number; updated_at: number;
}

const RP_SELECT = `SELECT rp.id, rp.uuid, rp.name, rp.generation, rp.parent_id, rp.root_id, rp.created_at,
  rp.updated_at, parent.uuid AS parent_uuid, root.uuid AS root_uuid
  FROM resource_providers rp
  LEFT JOIN resource_providers parent ON parent.id = rp.parent_id
  LEFT JOIN resource_providers root ON root.id = rp.root_id`;

const toProvider = (r: RpRow): ResourceProvider => ({
  id: r.id, uuid: r.uuid, name: r.name, generation: r.generation, parentUuid: r.parent_uuid,
  rootUuid: r.root_uuid ?? r.uuid, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
const toInventory = (r: InvRow): Inventory => ({
  resourceClass: r.name, total: r.total, reserved: r.reserved, minUnit: r.min_unit, maxUnit: r.max_unit,
  stepSize: r.step_size, allocationRatio: Number(r.allocation_ratio),
});
const toNamed = (r: NamedRow): NamedItem => ({
  name: r.name, standard: !!r.standard, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
const toConsumer = (r: ConsumerRow): Consumer => ({
  uuid: r.uuid, projectId: r.project_id, userId: r.user_id, generation: r.generation,
  consumerType: r.consumer_type, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

const genConflict = (msg = 'resource provider generation conflict') => conflict(msg, ErrorCode.concurrentUpdate);

export interface SqlStoreOptions {
  now?: () => number;
}

export class SqlStore implements PlacementStore {
  private readonly now: () => number;
  private cached: { counter: number; snap: ProviderSnapshot } | null = null;
  private loading: Promise<ProviderSnapshot> | null = null;

  constructor(private readonly db: SqlDb, opts: SqlStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** Applies pending migrations; safe to run from several processes at once. */
  async migrate(): Promise<number[]> {
    // Usually nothing is pending: a read says so without the write lock, which every plugin
    // process opening the node's store would otherwise take in turn.
    const current = await this.db.read((tx) => tx.all<{ version: number }>('SELECT version FROM schema_migrations')).catch(() => null);
    if (current && MIGRATIONS.every((m) => current.some((r) => Number(r.version) === m.version))) return [];
    const applied: number[] = [];
    await this.db.write(async (tx) => {
      if (this.db.dialect === 'pg') await tx.run('SELECT pg_advisory_xact_lock(77880001)');
      await tx.run(MIGRATIONS_TABLE);
      const done = new Set((await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const s of m.statements(this.db.dialect)) await tx.run(s);
        await tx.run('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)',
          [m.version, m.description, this.now()]);
        applied.push(m.version);
      }
    });
    return applied;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Every write goes through here, so the change counter can never be forgotten. */
  private write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.write(async (tx) => {
      const out = await fn(tx);
      // Last statement of the transaction: on PostgreSQL its row lock is held only until commit.
      await tx.run('UPDATE meta SET change_counter = change_counter + 1 WHERE id = 1');
      return out;
    });
  }

  // ---------------------------------------------------------------- snapshot

  async snapshot(): Promise<ProviderSnapshot> {
    const counter = await this.db.read(async (tx) => Number((await tx.get<{ c: number }>('SELECT change_counter AS c FROM meta WHERE id = 1'))!.c));
    if (this.cached && this.cached.counter === counter) return this.cached.snap;
    if (this.loading) return this.loading;
    this.loading = this.db.read(async (tx) => {
      const c = Number((await tx.get<{ c: number }>('SELECT change_counter AS c FROM meta WHERE id = 1'))!.c);
      const rows: SnapshotRows = {
        providers: (await tx.all<RpRow>('SELECT id, uuid, name, generation, parent_id, root_id, created_at, updated_at FROM resource_providers'))
          .map((r) => ({ id: Number(r.id), uuid: r.uuid, name: r.name, generation: r.generation,
            parentId: r.parent_id === null ? null : Number(r.parent_id), rootId: Number(r.root_id),
            createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) })),
        inventories: (await tx.all<InvRow & { provider_id: number }>(
          `SELECT i.provider_id, rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
           FROM inventories i JOIN resource_classes rc ON rc.id = i.class_id`))
          .map((r) => ({ providerId: Number(r.provider_id), ...toInventory(r) })),
        usages: (await tx.all<{ provider_id: number; name: string; used: number }>(
          `SELECT a.provider_id, rc.name, SUM(a.used) AS used FROM allocations a
           JOIN resource_classes rc ON rc.id = a.class_id GROUP BY a.provider_id, rc.name`))
          .map((r) => ({ providerId: Number(r.provider_id), resourceClass: r.name, used: Number(r.used) })),
        traits: (await tx.all<{ provider_id: number; name: string }>(
          'SELECT pt.provider_id, t.name FROM provider_traits pt JOIN traits t ON t.id = pt.trait_id ORDER BY t.id'))
          .map((r) => ({ providerId: Number(r.provider_id), trait: r.name })),
        aggregates: (await tx.all<{ provider_id: number; aggregate_uuid: string }>(
          'SELECT provider_id, aggregate_uuid FROM provider_aggregates'))
          .map((r) => ({ providerId: Number(r.provider_id), aggregate: r.aggregate_uuid })),
      };
      const snap = new ProviderSnapshot(rows);
      this.cached = { counter: c, snap };
      return snap;
    });
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  // ---------------------------------------------------------------- names

  async seedStandardNames(resourceClasses: readonly string[], traits: readonly string[]): Promise<void> {
    await this.write(async (tx) => {
      const now = this.now();
      for (const [table, names] of [['resource_classes', resourceClasses], ['traits', traits]] as const) {
        const have = new Set((await tx.all<{ name: string }>(`SELECT name FROM ${table}`)).map((r) => r.name));
        for (const n of names) {
          if (have.has(n)) continue;
          await tx.run(`INSERT INTO ${table} (name, standard, created_at, updated_at) VALUES (?, 1, ?, ?)`, [n, now, now]);
        }
      }
    });
  }

  async listResourceClasses() {
    return this.db.read(async (tx) => (await tx.all<NamedRow>('SELECT * FROM resource_classes ORDER BY id')).map(toNamed));
  }

  async getResourceClass(name: string) {
    return this.db.read(async (tx) => {
      const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
      return r ? toNamed(r) : null;
    });
  }

  async createResourceClass(name: string) {
    return this.write(async (tx) => {
      if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [name])) {
        throw conflict(`Conflicting resource class already exists: ${name}`);
      }
      const now = this.now();
      await tx.run('INSERT INTO resource_classes (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
      return { name, standard: false, createdAt: now, updatedAt: now };
    });
  }

  async ensureResourceClass(name: string) {
    return this.write(async (tx) => {
      if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [name])) return false;
      const now = this.now();
      await tx.run('INSERT INTO resource_classes (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
      return true;
    });
  }

  async renameResourceClass(name: string, newName: string) {
    return this.write(async (tx) => {
      const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
      if (!r) throw notFound(`No such resource class ${name}.`);
      if (r.standard) throw badRequest(`Cannot update standard resource class ${name}`);
      if (await tx.get('SELECT id FROM resource_classes WHERE name = ?', [newName])) {
        throw conflict(`Resource class already exists: ${newName}`);
      }
      const now = this.now();
      await tx.run('UPDATE resource_classes SET name = ?, updated_at = ? WHERE id = ?', [newName, now, r.id]);
      return { name: newName, standard: false, createdAt: Number(r.created_at), updatedAt: now };
    });
  }

  async deleteResourceClass(name: string) {
    await this.write(async (tx) => {
      const r = await tx.get<NamedRow>('SELECT * FROM resource_classes WHERE name = ?', [name]);
      if (!r) throw notFound(`No such resource class ${name}.`);
      if (r.standard) throw badRequest(`Error in delete resource class: Cannot delete standard resource class ${name}.`);
      if (await tx.get('SELECT 1 AS x FROM inventories WHERE class_id = ?', [r.id])) {
        throw conflict(`Error in delete resource class: Class is in use in inventory: ${name}`);
      }
      await tx.run('DELETE FROM resource_classes WHERE id = ?', [r.id]);
    });
  }

  async listTraits(filter: { names?: string[]; prefix?: string; associated?: boolean }) {
    return this.db.read(async (tx) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.names) {
        where.push(`t.name IN ${inList(filter.names.length)}`);
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
    });
  }

  async getTrait(name: string) {
    return this.db.read(async (tx) => {
      const r = await tx.get<NamedRow>('SELECT * FROM traits WHERE name = ?', [name]);
      return r ? toNamed(r) : null;
    });
  }

  async ensureTrait(name: string) {
    return this.write(async (tx) => {
      if (await tx.get('SELECT id FROM traits WHERE name = ?', [name])) return false;
      const now = this.now();
      await tx.run('INSERT INTO traits (name, standard, created_at, updated_at) VALUES (?, 0, ?, ?)', [name, now, now]);
      return true;
    });
  }

  async deleteTrait(name: string) {
    await this.write(async (tx) => {
      const r = await tx.get<NamedRow>('SELECT * FROM traits WHERE name = ?', [name]);
      if (!r) throw notFound(`No such trait(s): ${name}`);
      if (r.standard) throw badRequest(`Cannot delete standard trait ${name}.`);
      if (await tx.get('SELECT 1 AS x FROM provider_traits WHERE trait_id = ?', [r.id])) {
        throw conflict(`The trait ${name} is in use by a resource provider.`);
      }
      await tx.run('DELETE FROM traits WHERE id = ?', [r.id]);
    });
  }

  async missingTraits(names: string[]) {
    if (names.length === 0) return [];
    return this.db.read(async (tx) => {
      const have = new Set((await tx.all<{ name: string }>(`SELECT name FROM traits WHERE name IN ${inList(names.length)}`, names)).map((r) => r.name));
      return [...new Set(names)].filter((n) => !have.has(n));
    });
  }

  // ---------------------------------------------------------------- providers

  private async providerRow(tx: SqlTx, uuid: string, lock = false): Promise<RpRow | undefined> {
    if (lock && this.db.dialect === 'pg') {
      await tx.run('SELECT id FROM resource_providers WHERE uuid = ? FOR UPDATE', [uuid]);
    }
    return tx.get<RpRow>(`${RP_SELECT} WHERE rp.uuid = ?`, [uuid]);
  }

  private async requireProvider(tx: SqlTx, uuid: string, lock = false): Promise<RpRow> {
    const r = await this.providerRow(tx, uuid, lock);
    if (!r) throw notFound(`No resource provider with uuid ${uuid} found`);
    return r;
  }

  /** Bumps the provider generation if it still is `expected` (compare-and-swap). */
  private async bump(tx: SqlTx, rp: RpRow, expected: number | undefined, onConflict = genConflict): Promise<RpRow> {
    const now = this.now();
    const res = expected === undefined
      ? await tx.run('UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id = ?', [now, rp.id])
      : await tx.run('UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id = ? AND generation = ?', [now, rp.id, expected]);
    if (res.changes !== 1) throw onConflict();
    return { ...rp, generation: expected === undefined ? rp.generation + 1 : expected + 1, updated_at: now };
  }

  async createProvider(p: { uuid: string; name: string; parentUuid: string | null }) {
    return this.write(async (tx) => {
      if (await tx.get('SELECT id FROM resource_providers WHERE uuid = ?', [p.uuid])) {
        throw conflict(`Conflicting resource provider uuid: ${p.uuid} already exists.`, ErrorCode.duplicateName);
      }
      if (await tx.get('SELECT id FROM resource_providers WHERE name = ?', [p.name])) {
        throw conflict(`Conflicting resource provider name: ${p.name} already exists.`, ErrorCode.duplicateName);
      }
      let parent: RpRow | undefined;
      if (p.parentUuid !== null) {
        if (p.parentUuid === p.uuid) {
          throw badRequest(`Unable to create resource provider "${p.name}", ${p.uuid}: parent provider UUID cannot be same as UUID. Please modify the parent provider UUID to a different UUID.`);
        }
        parent = await this.providerRow(tx, p.parentUuid, true);
        if (!parent) {
          throw badRequest(`Unable to create resource provider "${p.name}", ${p.uuid}: The resource provider's parent provider UUID does not exist.`);
        }
      }
      const now = this.now();
      const row = await tx.get<{ id: number }>(
        'INSERT INTO resource_providers (uuid, name, generation, parent_id, root_id, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?, ?) RETURNING id',
        [p.uuid, p.name, parent?.id ?? null, parent?.root_id ?? null, now, now]);
      const id = Number(row!.id);
      if (!parent) await tx.run('UPDATE resource_providers SET root_id = ? WHERE id = ?', [id, id]);
      return toProvider((await this.providerRow(tx, p.uuid))!);
    });
  }

  async getProvider(uuid: string) {
    return this.db.read(async (tx) => {
      const r = await this.providerRow(tx, uuid);
      return r ? toProvider(r) : null;
    });
  }

  async updateProvider(uuid: string, change: { name: string; parentUuid?: string | null; allowReparent: boolean }) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      const other = await tx.get<{ id: number }>('SELECT id FROM resource_providers WHERE name = ?', [change.name]);
      if (other && Number(other.id) !== Number(rp.id)) {
        throw conflict(`Conflicting resource provider name: ${change.name} already exists.`, ErrorCode.duplicateName);
      }
      let parentId = rp.parent_id === null ? null : Number(rp.parent_id);
      let rootId = Number(rp.root_id);
      if (change.parentUuid !== undefined && change.parentUuid !== rp.parent_uuid) {
        if (change.parentUuid === null) {
          if (!change.allowReparent) throw badRequest('Unable to save resource provider ' + uuid + ': Object action update failed because: un-parenting a provider is not currently allowed.');
          parentId = null;
          rootId = Number(rp.id);
        } else {
          if (rp.parent_id !== null && !change.allowReparent) {
            throw badRequest('Unable to save resource provider ' + uuid + ': Object action update failed because: re-parenting a provider is not currently allowed.');
          }
          const parent = await this.providerRow(tx, change.parentUuid, true);
          if (!parent) throw badRequest(`Unable to save resource provider ${uuid}: parent provider UUID does not exist.`);
          // The new parent may not be in this provider's own subtree.
          for (let cur: number | null = Number(parent.id); cur !== null;) {
            if (cur === Number(rp.id)) {
              throw badRequest(`Unable to save resource provider ${uuid}: Object action update failed because: creating loop in the provider tree is not allowed.`);
            }
            const up: { parent_id: number | null } | undefined = await tx.get<{ parent_id: number | null }>('SELECT parent_id FROM resource_providers WHERE id = ?', [cur]);
            cur = up?.parent_id === null || up?.parent_id === undefined ? null : Number(up.parent_id);
          }
          parentId = Number(parent.id);
          rootId = Number(parent.root_id);
        }
      }
      const now = this.now();
      await tx.run('UPDATE resource_providers SET name = ?, parent_id = ?, updated_at = ? WHERE id = ?', [change.name, parentId, now, rp.id]);
      if (rootId !== Number(rp.root_id)) await this.setSubtreeRoot(tx, Number(rp.id), rootId);
      return toProvider((await this.providerRow(tx, uuid))!);
    });
  }

  private async setSubtreeRoot(tx: SqlTx, id: number, rootId: number): Promise<void> {
    let frontier = [id];
    while (frontier.length) {
      await tx.run(`UPDATE resource_providers SET root_id = ? WHERE id IN ${inList(frontier.length)}`, [rootId, ...frontier]);
      frontier = (await tx.all<{ id: number }>(`SELECT id FROM resource_providers WHERE parent_id IN ${inList(frontier.length)}`, frontier)).map((r) => Number(r.id));
    }
  }

  async deleteProvider(uuid: string) {
    await this.write(async (tx) => {
      const rp = await this.providerRow(tx, uuid, true);
      if (!rp) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
      // Placement checks children before allocations.
      if (await tx.get('SELECT 1 AS x FROM resource_providers WHERE parent_id = ?', [rp.id])) {
        throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, ErrorCode.cannotDeleteParent);
      }
      if (await tx.get('SELECT 1 AS x FROM allocations WHERE provider_id = ?', [rp.id])) {
        throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, ErrorCode.providerInUse);
      }
      await tx.run('DELETE FROM inventories WHERE provider_id = ?', [rp.id]);
      await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
      await tx.run('DELETE FROM provider_aggregates WHERE provider_id = ?', [rp.id]);
      await tx.run('DELETE FROM resource_providers WHERE id = ?', [rp.id]);
    });
  }

  // ---------------------------------------------------------------- inventories

  private async inventoriesOf(tx: SqlTx, providerId: number): Promise<Inventory[]> {
    return (await tx.all<InvRow>(
      `SELECT i.class_id, rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
       FROM inventories i JOIN resource_classes rc ON rc.id = i.class_id WHERE i.provider_id = ? ORDER BY rc.id`, [providerId])).map(toInventory);
  }

  private async classIds(tx: SqlTx, names: string[]): Promise<Map<string, number>> {
    const rows = names.length
      ? await tx.all<{ id: number; name: string }>(`SELECT id, name FROM resource_classes WHERE name IN ${inList(names.length)}`, names)
      : [];
    return new Map(rows.map((r) => [r.name, Number(r.id)]));
  }

  async getInventories(uuid: string) {
    return this.db.read(async (tx) => {
      const rp = await this.requireProvider(tx, uuid);
      return { provider: toProvider(rp), inventories: await this.inventoriesOf(tx, rp.id) };
    });
  }

  private async usedClasses(tx: SqlTx, providerId: number): Promise<Set<string>> {
    return new Set((await tx.all<{ name: string }>(
      `SELECT DISTINCT rc.name FROM allocations a JOIN resource_classes rc ON rc.id = a.class_id WHERE a.provider_id = ?`, [providerId])).map((r) => r.name));
  }

  /** Replaces the provider's inventory with `inventories` inside `tx`; no generation handling. */
  private async replaceInventories(tx: SqlTx, rp: RpRow, inventories: Inventory[]): Promise<void> {
    const ids = await this.classIds(tx, inventories.map((i) => i.resourceClass));
    for (const inv of inventories) {
      if (!ids.has(inv.resourceClass)) {
        throw badRequest(`Unknown resource class in inventory for resource provider ${rp.uuid}: No such resource class ${inv.resourceClass}.`);
      }
    }
    const current = await this.inventoriesOf(tx, rp.id);
    const keep = new Set(inventories.map((i) => i.resourceClass));
    const removed = current.filter((i) => !keep.has(i.resourceClass)).map((i) => i.resourceClass);
    if (removed.length) {
      const used = await this.usedClasses(tx, rp.id);
      const inUse = removed.filter((rc) => used.has(rc));
      if (inUse.length) {
        throw conflict(`update conflict: Inventory for '${inUse.join(', ')}' on resource provider '${rp.uuid}' in use.`, ErrorCode.inventoryInUse);
      }
      const rids = await this.classIds(tx, removed);
      await tx.run(`DELETE FROM inventories WHERE provider_id = ? AND class_id IN ${inList(removed.length)}`, [rp.id, ...removed.map((r) => rids.get(r))]);
    }
    const now = this.now();
    const have = new Set(current.map((i) => i.resourceClass));
    for (const inv of inventories) {
      const vals = [inv.total, inv.reserved, inv.minUnit, inv.maxUnit, inv.stepSize, inv.allocationRatio];
      if (have.has(inv.resourceClass)) {
        await tx.run('UPDATE inventories SET total = ?, reserved = ?, min_unit = ?, max_unit = ?, step_size = ?, allocation_ratio = ?, updated_at = ? WHERE provider_id = ? AND class_id = ?',
          [...vals, now, rp.id, ids.get(inv.resourceClass)]);
      } else {
        await tx.run('INSERT INTO inventories (provider_id, class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [rp.id, ids.get(inv.resourceClass), ...vals, now, now]);
      }
    }
  }

  async setInventories(uuid: string, generation: number, inventories: Inventory[]) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      if (rp.generation !== generation) throw genConflict();
      await this.replaceInventories(tx, rp, inventories);
      return toProvider(await this.bump(tx, rp, generation));
    });
  }

  async addInventory(uuid: string, generation: number, inventory: Inventory) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      if (rp.generation !== generation) throw genConflict();
      const current = await this.inventoriesOf(tx, rp.id);
      if (current.some((i) => i.resourceClass === inventory.resourceClass)) {
        throw conflict(`Update conflict: Inventory for resource class ${inventory.resourceClass} already exists on resource provider ${uuid}.`);
      }
      const ids = await this.classIds(tx, [inventory.resourceClass]);
      if (!ids.size) throw badRequest(`Unable to create inventory for resource provider ${uuid}: No such resource class ${inventory.resourceClass}.`);
      await this.replaceInventories(tx, rp, [...current, inventory]);
      return toProvider(await this.bump(tx, rp, generation));
    });
  }

  async updateInventory(uuid: string, generation: number, inventory: Inventory) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      if (rp.generation !== generation) throw genConflict();
      const ids = await this.classIds(tx, [inventory.resourceClass]);
      if (!ids.size) throw badRequest(`No such resource class ${inventory.resourceClass}.`);
      const current = await this.inventoriesOf(tx, rp.id);
      if (!current.some((i) => i.resourceClass === inventory.resourceClass)) {
        throw badRequest(`Unable to update inventory for resource provider ${uuid}: No inventory record with resource class ${inventory.resourceClass} for resource provider ${uuid}.`);
      }
      await this.replaceInventories(tx, rp, current.map((i) => (i.resourceClass === inventory.resourceClass ? inventory : i)));
      return toProvider(await this.bump(tx, rp, generation));
    });
  }

  async deleteInventory(uuid: string, resourceClass: string) {
    await this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      const current = await this.inventoriesOf(tx, rp.id);
      if (!current.some((i) => i.resourceClass === resourceClass)) {
        throw notFound(`No inventory of class ${resourceClass} found for delete`);
      }
      if ((await this.usedClasses(tx, rp.id)).has(resourceClass)) {
        // Placement 8.0 sends concurrent_update here (measured), unlike the other in-use refusals.
        throw conflict(`Unable to delete inventory of class ${resourceClass}: Inventory for '${resourceClass}' on resource provider '${uuid}' in use.`, ErrorCode.concurrentUpdate);
      }
      await this.replaceInventories(tx, rp, current.filter((i) => i.resourceClass !== resourceClass));
      await this.bump(tx, rp, undefined);
    });
  }

  async deleteAllInventories(uuid: string) {
    await this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      await this.replaceInventories(tx, rp, []);
      await this.bump(tx, rp, undefined);
    });
  }

  // ---------------------------------------------------------------- traits and aggregates

  private async traitsOf(tx: SqlTx, providerId: number): Promise<string[]> {
    return (await tx.all<{ name: string }>(
      'SELECT t.name FROM provider_traits pt JOIN traits t ON t.id = pt.trait_id WHERE pt.provider_id = ? ORDER BY t.name', [providerId])).map((r) => r.name);
  }

  async getProviderTraits(uuid: string) {
    return this.db.read(async (tx) => {
      const rp = await this.requireProvider(tx, uuid);
      return { provider: toProvider(rp), traits: await this.traitsOf(tx, rp.id) };
    });
  }

  async setProviderTraits(uuid: string, generation: number, traits: string[]) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      const wanted = [...new Set(traits)];
      const rows = wanted.length
        ? await tx.all<{ id: number; name: string }>(`SELECT id, name FROM traits WHERE name IN ${inList(wanted.length)}`, wanted)
        : [];
      const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
      if (missing.length) throw badRequest(`No such trait ${missing.join(', ')}`);
      if (rp.generation !== generation) {
        throw genConflict("Resource provider's generation already changed. Please update the generation and try again.");
      }
      await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
      for (const r of rows) await tx.run('INSERT INTO provider_traits (provider_id, trait_id) VALUES (?, ?)', [rp.id, r.id]);
      return toProvider(await this.bump(tx, rp, generation));
    });
  }

  async deleteProviderTraits(uuid: string) {
    await this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
      await this.bump(tx, rp, undefined);
    });
  }

  async getProviderAggregates(uuid: string) {
    return this.db.read(async (tx) => {
      const rp = await this.requireProvider(tx, uuid);
      const aggs = (await tx.all<{ aggregate_uuid: string }>('SELECT aggregate_uuid FROM provider_aggregates WHERE provider_id = ? ORDER BY aggregate_uuid', [rp.id])).map((r) => r.aggregate_uuid);
      return { provider: toProvider(rp), aggregates: aggs };
    });
  }

  async setProviderAggregates(uuid: string, generation: number | undefined, aggregates: string[]) {
    return this.write(async (tx) => {
      const rp = await this.requireProvider(tx, uuid, true);
      if (generation !== undefined && rp.generation !== generation) {
        throw genConflict("Resource provider's generation already changed. Please update the generation and try again.");
      }
      await tx.run('DELETE FROM provider_aggregates WHERE provider_id = ?', [rp.id]);
      for (const a of new Set(aggregates)) await tx.run('INSERT INTO provider_aggregates (provider_id, aggregate_uuid) VALUES (?, ?)', [rp.id, a]);
      return toProvider(generation === undefined ? rp : await this.bump(tx, rp, generation));
    });
  }

  // ---------------------------------------------------------------- usages and allocations

  async getProviderUsages(uuid: string) {
    return this.db.read(async (tx) => {
      const rp = await this.requireProvider(tx, uuid);
      const usages = new Map<string, number>();
      for (const inv of await this.inventoriesOf(tx, rp.id)) usages.set(inv.resourceClass, 0);
      for (const r of await tx.all<{ name: string; used: number }>(
        `SELECT rc.name, SUM(a.used) AS used FROM allocations a JOIN resource_classes rc ON rc.id = a.class_id
         WHERE a.provider_id = ? GROUP BY rc.name`, [rp.id])) usages.set(r.name, Number(r.used));
      return { provider: toProvider(rp), usages };
    });
  }

  async getProviderAllocations(uuid: string) {
    return this.db.read(async (tx) => {
      const rp = await this.requireProvider(tx, uuid);
      const out = new Map<string, Map<string, number>>();
      for (const r of await tx.all<{ uuid: string; name: string; used: number }>(
        `SELECT c.uuid, rc.name, a.used FROM allocations a JOIN consumers c ON c.id = a.consumer_id
         JOIN resource_classes rc ON rc.id = a.class_id WHERE a.provider_id = ? ORDER BY a.id`, [rp.id])) {
        let m = out.get(r.uuid);
        if (!m) out.set(r.uuid, (m = new Map()));
        m.set(r.name, (m.get(r.name) ?? 0) + Number(r.used));
      }
      return { provider: toProvider(rp), allocations: out };
    });
  }

  async getConsumerAllocations(consumerUuid: string): Promise<ConsumerAllocationView> {
    return this.db.read(async (tx) => {
      const c = await tx.get<ConsumerRow>('SELECT * FROM consumers WHERE uuid = ?', [consumerUuid]);
      const allocations: ConsumerAllocationView['allocations'] = new Map();
      if (!c) return { consumer: null, allocations };
      for (const r of await tx.all<{ uuid: string; generation: number; name: string; used: number }>(
        `SELECT rp.uuid, rp.generation, rc.name, a.used FROM allocations a
         JOIN resource_providers rp ON rp.id = a.provider_id JOIN resource_classes rc ON rc.id = a.class_id
         WHERE a.consumer_id = ? ORDER BY a.id`, [c.id])) {
        let e = allocations.get(r.uuid);
        if (!e) allocations.set(r.uuid, (e = { generation: r.generation, resources: new Map() }));
        e.resources.set(r.name, (e.resources.get(r.name) ?? 0) + Number(r.used));
      }
      return { consumer: toConsumer(c), allocations };
    });
  }

  async writeAllocations(writes: ConsumerAllocationWrite[]) {
    await this.write((tx) => this.applyAllocationWrites(tx, writes));
  }

  /**
   * The heart of claiming: lock the consumers and providers involved, check consumer
   * generations, then every (provider, class) against inventory with the consumers' old
   * allocations taken out, then replace. Any failure aborts the whole batch.
   */
  private async applyAllocationWrites(tx: SqlTx, writes: ConsumerAllocationWrite[], lockedProviders = new Set<number>()): Promise<void> {
    const pg = this.db.dialect === 'pg';
    const now = this.now();
    const consumers = new Map<string, ConsumerRow | undefined>();
    for (const w of writes) {
      const c = await tx.get<ConsumerRow>(`SELECT * FROM consumers WHERE uuid = ?${pg ? ' FOR UPDATE' : ''}`, [w.consumerUuid]);
      consumers.set(w.consumerUuid, c);
      if (w.consumerGeneration !== undefined) {
        const actual = c ? c.generation : null;
        if (actual !== w.consumerGeneration) {
          throw conflict(`consumer generation conflict - expected ${actual === null ? 'null' : actual} but got ${w.consumerGeneration === null ? 'null' : w.consumerGeneration}`, ErrorCode.concurrentUpdate);
        }
      }
    }
    // Providers named by the writes, plus those holding the consumers' current allocations.
    const uuids = new Set<string>();
    for (const w of writes) for (const a of w.allocations) uuids.add(a.providerUuid);
    const uuidList = [...uuids];
    const rps = uuidList.length
      ? await tx.all<RpRow>(`${RP_SELECT} WHERE rp.uuid IN ${inList(uuidList.length)}`, uuidList)
      : [];
    const rpByUuid = new Map(rps.map((r) => [r.uuid, r]));
    for (const u of uuidList) {
      if (!rpByUuid.has(u)) throw badRequest(`Allocation for resource provider '${u}' that does not exist.`);
    }
    const classNames = [...new Set(writes.flatMap((w) => w.allocations.map((a) => a.resourceClass)))];
    const classIds = await this.classIds(tx, classNames);
    for (const n of classNames) if (!classIds.has(n)) throw badRequest(`No such resource class ${n}.`);

    const consumerIds = [...consumers.values()].filter((c): c is ConsumerRow => !!c).map((c) => Number(c.id));
    const oldProviderIds = consumerIds.length
      ? (await tx.all<{ provider_id: number }>(`SELECT DISTINCT provider_id FROM allocations WHERE consumer_id IN ${inList(consumerIds.length)}`, consumerIds)).map((r) => Number(r.provider_id))
      : [];
    const allIds = [...new Set([...rps.map((r) => Number(r.id)), ...oldProviderIds])].sort((a, b) => a - b);
    if (pg) {
      const toLock = allIds.filter((id) => !lockedProviders.has(id));
      if (toLock.length) await tx.run(`SELECT id FROM resource_providers WHERE id IN ${inList(toLock.length)} ORDER BY id FOR UPDATE`, toLock);
    }

    // Requested totals per (provider, class) across the batch.
    const want = new Map<number, Map<number, number>>();
    for (const w of writes) {
      for (const a of w.allocations) {
        const pid = Number(rpByUuid.get(a.providerUuid)!.id);
        const cid = classIds.get(a.resourceClass)!;
        let m = want.get(pid);
        if (!m) want.set(pid, (m = new Map()));
        m.set(cid, (m.get(cid) ?? 0) + a.used);
      }
    }
    for (const [pid, perClass] of want) {
      const rp = rps.find((r) => Number(r.id) === pid)!;
      const invs = await tx.all<InvRow>(
        `SELECT i.class_id, rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
         FROM inventories i JOIN resource_classes rc ON rc.id = i.class_id WHERE i.provider_id = ?`, [pid]);
      for (const [cid, amount] of perClass) {
        const invRow = invs.find((i) => Number(i.class_id) === cid);
        const rcName = classNames.find((n) => classIds.get(n) === cid)!;
        if (!invRow) {
          throw conflict(`Unable to allocate inventory: Inventory for '${rcName}' on resource provider '${rp.uuid}' invalid.`);
        }
        const inv = toInventory(invRow);
        const usedRow = await tx.get<{ used: number | null }>(
          `SELECT SUM(used) AS used FROM allocations WHERE provider_id = ? AND class_id = ?${consumerIds.length ? ` AND consumer_id NOT IN ${inList(consumerIds.length)}` : ''}`,
          [pid, cid, ...consumerIds]);
        const used = Number(usedRow?.used ?? 0);
        const perConsumer = writes.flatMap((w) => w.allocations)
          .filter((a) => Number(rpByUuid.get(a.providerUuid)!.id) === pid && classIds.get(a.resourceClass) === cid);
        if (perConsumer.some((a) => !unitsOk(inv, a.used))) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rcName}' on resource provider '${rp.uuid}'. The requested amount would violate inventory constraints.`);
        }
        if (!fits(inv, used, amount)) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rcName}' on resource provider '${rp.uuid}'. The requested amount would exceed the capacity.`);
        }
      }
    }

    // Replace.
    for (const w of writes) {
      let c = consumers.get(w.consumerUuid);
      if (c) await tx.run('DELETE FROM allocations WHERE consumer_id = ?', [c.id]);
      if (w.allocations.length === 0) {
        if (c) await tx.run('DELETE FROM consumers WHERE id = ?', [c.id]);
        continue;
      }
      if (!c) {
        const row = await tx.get<{ id: number }>(
          'INSERT INTO consumers (uuid, project_id, user_id, generation, consumer_type, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) RETURNING id',
          [w.consumerUuid, w.projectId, w.userId, w.consumerType ?? null, now, now]);
        c = { id: Number(row!.id) } as ConsumerRow;
      } else {
        await tx.run('UPDATE consumers SET project_id = ?, user_id = ?, generation = generation + 1, consumer_type = ?, updated_at = ? WHERE id = ?',
          [w.projectId, w.userId, w.consumerType === undefined ? c.consumer_type : w.consumerType, now, c.id]);
      }
      for (const a of w.allocations) {
        await tx.run('INSERT INTO allocations (provider_id, consumer_id, class_id, used, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
          [rpByUuid.get(a.providerUuid)!.id, c.id, classIds.get(a.resourceClass), a.used, now, now]);
      }
    }
    // Every provider that gains or loses allocations moves to a new generation.
    const touched = [...new Set([...want.keys(), ...oldProviderIds])];
    if (touched.length) {
      await tx.run(`UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id IN ${inList(touched.length)}`, [now, ...touched]);
    }
  }

  async deleteConsumerAllocations(consumerUuid: string) {
    return this.write(async (tx) => {
      const c = await tx.get<ConsumerRow>(`SELECT * FROM consumers WHERE uuid = ?${this.db.dialect === 'pg' ? ' FOR UPDATE' : ''}`, [consumerUuid]);
      if (!c) return false;
      const res = await tx.run('DELETE FROM allocations WHERE consumer_id = ?', [c.id]);
      await tx.run('DELETE FROM consumers WHERE id = ?', [c.id]);
      return res.changes > 0;
    });
  }

  async usages(q: UsageQuery): Promise<UsageGroup[]> {
    return this.db.read(async (tx) => {
      const where = ['c.project_id = ?'];
      const params: unknown[] = [q.projectId];
      if (q.userId !== undefined) {
        where.push('c.user_id = ?');
        params.push(q.userId);
      }
      const rows = await tx.all<{ id: number; consumer_type: string | null; name: string; used: number }>(
        `SELECT c.id, c.consumer_type, rc.name, a.used FROM allocations a JOIN consumers c ON c.id = a.consumer_id
         JOIN resource_classes rc ON rc.id = a.class_id WHERE ${where.join(' AND ')}`, params);
      const groups = new Map<string | null, { consumers: Set<number>; usages: Map<string, number> }>();
      for (const r of rows) {
        let g = groups.get(r.consumer_type);
        if (!g) groups.set(r.consumer_type, (g = { consumers: new Set(), usages: new Map() }));
        g.consumers.add(Number(r.id));
        g.usages.set(r.name, (g.usages.get(r.name) ?? 0) + Number(r.used));
      }
      return [...groups].map(([consumerType, g]) => ({ consumerType, consumerCount: g.consumers.size, usages: g.usages }));
    });
  }

  async reshape(inventories: InventoryWrite[], allocations: ConsumerAllocationWrite[]) {
    await this.write(async (tx) => {
      const locked = new Set<number>();
      const rows: Array<{ rp: RpRow; w: InventoryWrite }> = [];
      // Lock in uuid order so two reshapes cannot deadlock.
      for (const w of [...inventories].sort((a, b) => a.providerUuid.localeCompare(b.providerUuid))) {
        const rp = await this.providerRow(tx, w.providerUuid, true);
        if (!rp) {
          throw new PlacementError(400, `Resource provider not found: ${w.providerUuid}`, ErrorCode.providerNotFound);
        }
        if (rp.generation !== w.generation) {
          throw genConflict(`resource provider generation conflict: actual: ${rp.generation}, given: ${w.generation}`);
        }
        locked.add(Number(rp.id));
        rows.push({ rp, w });
      }
      // Inventories first may temporarily remove in-use classes; allocations move in the same
      // transaction, so the in-use check is made against the final state.
      for (const { rp, w } of rows) await this.replaceInventoriesDeferred(tx, rp, w.inventories);
      await this.applyAllocationWrites(tx, allocations, locked);
      for (const { rp } of rows) {
        const inUse = await tx.all<{ name: string }>(
          `SELECT DISTINCT rc.name FROM allocations a JOIN resource_classes rc ON rc.id = a.class_id
           WHERE a.provider_id = ? AND NOT EXISTS (SELECT 1 FROM inventories i WHERE i.provider_id = a.provider_id AND i.class_id = a.class_id)`, [rp.id]);
        if (inUse.length) {
          throw conflict(`update conflict: Inventory for '${inUse.map((r) => r.name).join(', ')}' on resource provider '${rp.uuid}' in use.`, ErrorCode.inventoryInUse);
        }
      }
      // Placement sets an interim inventory (skipped when the new one is empty), replaces the
      // allocations, then sets the final inventory: each step moves the generation.
      for (const { rp, w } of rows) {
        const steps = w.inventories.length ? 2 : 1;
        await tx.run('UPDATE resource_providers SET generation = generation + ?, updated_at = ? WHERE id = ?', [steps, this.now(), rp.id]);
      }
    });
  }

  /** replaceInventories without the in-use check (reshaper checks the end state). */
  private async replaceInventoriesDeferred(tx: SqlTx, rp: RpRow, inventories: Inventory[]): Promise<void> {
    const ids = await this.classIds(tx, inventories.map((i) => i.resourceClass));
    for (const inv of inventories) {
      if (!ids.has(inv.resourceClass)) throw badRequest(`No such resource class ${inv.resourceClass}.`);
    }
    await tx.run('DELETE FROM inventories WHERE provider_id = ?', [rp.id]);
    const now = this.now();
    for (const inv of inventories) {
      await tx.run('INSERT INTO inventories (provider_id, class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [rp.id, ids.get(inv.resourceClass), inv.total, inv.reserved, inv.minUnit, inv.maxUnit, inv.stepSize, inv.allocationRatio, now, now]);
    }
  }
}
