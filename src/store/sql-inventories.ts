// Inventories of a provider (Placement's inventory object). Every change goes through one
// routine, `replace`, which reshape uses too. Every method runs inside the caller's transaction.
import { ErrorCode, badRequest, conflict, notFound } from '../placement/errors.js';
import type { Inventory, ResourceProvider } from '../placement/types.js';
import { classIds } from './sql-names.js';
import type { SqlProviders } from './sql-providers.js';
import { INV_SELECT, genConflict, toInventory, toProvider, type InvRow, type RpRow } from './sql-rows.js';
import { inList, type SqlTx } from './sql.js';

export interface ReplaceOptions {
  /**
   * Skip the refusal to remove a class that still has allocations. Reshape moves allocations in
   * the same transaction, so it checks "in use" itself, against the end state.
   */
  deferInUseCheck?: boolean;
  /** The 400 for an unknown class: Placement words it differently for reshape. */
  unknownClass?: (rp: RpRow, resourceClass: string) => string;
}

const unknownInInventory = (rp: RpRow, rc: string) =>
  `Unknown resource class in inventory for resource provider ${rp.uuid}: No such resource class ${rc}.`;

export class SqlInventories {
  constructor(private readonly providers: SqlProviders, private readonly now: () => number) {}

  private async rowsOf(tx: SqlTx, providerId: number): Promise<InvRow[]> {
    return tx.all<InvRow>(`${INV_SELECT} WHERE i.provider_id = ? ORDER BY rc.id`, [providerId]);
  }

  async of(tx: SqlTx, providerId: number): Promise<Inventory[]> {
    return (await this.rowsOf(tx, providerId)).map(toInventory);
  }

  private async usedClasses(tx: SqlTx, providerId: number): Promise<Set<string>> {
    return new Set((await tx.all<{ name: string }>(
      `SELECT DISTINCT rc.name FROM allocations a JOIN resource_classes rc ON rc.id = a.class_id WHERE a.provider_id = ?`, [providerId])).map((r) => r.name));
  }

  /**
   * Makes the provider's inventory exactly `inventories`: classes left out are deleted (refused
   * while allocated, unless deferred), kept ones updated in place, new ones inserted. No
   * generation handling: each caller checks and moves the generation its own way.
   */
  async replace(tx: SqlTx, rp: RpRow, inventories: Inventory[], opts: ReplaceOptions = {}): Promise<void> {
    const ids = await classIds(tx, inventories.map((i) => i.resourceClass));
    for (const inv of inventories) {
      if (!ids.has(inv.resourceClass)) throw badRequest((opts.unknownClass ?? unknownInInventory)(rp, inv.resourceClass));
    }
    const current = await this.rowsOf(tx, rp.id);
    const keep = new Set(inventories.map((i) => i.resourceClass));
    const removed = current.filter((r) => !keep.has(r.name));
    if (removed.length) {
      if (!opts.deferInUseCheck) {
        const used = await this.usedClasses(tx, rp.id);
        const inUse = removed.map((r) => r.name).filter((rc) => used.has(rc));
        if (inUse.length) {
          throw conflict(`update conflict: Inventory for '${inUse.join(', ')}' on resource provider '${rp.uuid}' in use.`, ErrorCode.inventoryInUse);
        }
      }
      await tx.run(`DELETE FROM inventories WHERE provider_id = ? AND class_id IN ${inList(removed.length)}`,
        [rp.id, ...removed.map((r) => r.class_id)]);
    }
    const now = this.now();
    const have = new Set(current.map((r) => r.name));
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

  async get(tx: SqlTx, uuid: string): Promise<{ provider: ResourceProvider; inventories: Inventory[] }> {
    const rp = await this.providers.require(tx, uuid);
    return { provider: toProvider(rp), inventories: await this.of(tx, rp.id) };
  }

  /** Locks the provider and checks the caller's generation before any change. */
  private async lockAt(tx: SqlTx, uuid: string, generation: number): Promise<RpRow> {
    const rp = await this.providers.require(tx, uuid, true);
    if (rp.generation !== generation) throw genConflict();
    return rp;
  }

  async set(tx: SqlTx, uuid: string, generation: number, inventories: Inventory[]): Promise<ResourceProvider> {
    const rp = await this.lockAt(tx, uuid, generation);
    await this.replace(tx, rp, inventories);
    return toProvider(await this.providers.bump(tx, rp, generation));
  }

  async add(tx: SqlTx, uuid: string, generation: number, inventory: Inventory): Promise<ResourceProvider> {
    const rp = await this.lockAt(tx, uuid, generation);
    const current = await this.of(tx, rp.id);
    if (current.some((i) => i.resourceClass === inventory.resourceClass)) {
      throw conflict(`Update conflict: Inventory for resource class ${inventory.resourceClass} already exists on resource provider ${uuid}.`);
    }
    const ids = await classIds(tx, [inventory.resourceClass]);
    if (!ids.size) throw badRequest(`Unable to create inventory for resource provider ${uuid}: No such resource class ${inventory.resourceClass}.`);
    await this.replace(tx, rp, [...current, inventory]);
    return toProvider(await this.providers.bump(tx, rp, generation));
  }

  async update(tx: SqlTx, uuid: string, generation: number, inventory: Inventory): Promise<ResourceProvider> {
    const rp = await this.lockAt(tx, uuid, generation);
    const ids = await classIds(tx, [inventory.resourceClass]);
    if (!ids.size) throw badRequest(`No such resource class ${inventory.resourceClass}.`);
    const current = await this.of(tx, rp.id);
    if (!current.some((i) => i.resourceClass === inventory.resourceClass)) {
      throw badRequest(`Unable to update inventory for resource provider ${uuid}: No inventory record with resource class ${inventory.resourceClass} for resource provider ${uuid}.`);
    }
    await this.replace(tx, rp, current.map((i) => (i.resourceClass === inventory.resourceClass ? inventory : i)));
    return toProvider(await this.providers.bump(tx, rp, generation));
  }

  async delete(tx: SqlTx, uuid: string, resourceClass: string): Promise<void> {
    const rp = await this.providers.require(tx, uuid, true);
    const current = await this.of(tx, rp.id);
    if (!current.some((i) => i.resourceClass === resourceClass)) {
      throw notFound(`No inventory of class ${resourceClass} found for delete`);
    }
    if ((await this.usedClasses(tx, rp.id)).has(resourceClass)) {
      // Placement 8.0 sends concurrent_update here (measured), unlike the other in-use refusals.
      throw conflict(`Unable to delete inventory of class ${resourceClass}: Inventory for '${resourceClass}' on resource provider '${uuid}' in use.`, ErrorCode.concurrentUpdate);
    }
    await this.replace(tx, rp, current.filter((i) => i.resourceClass !== resourceClass));
    await this.providers.bump(tx, rp, undefined);
  }

  async deleteAll(tx: SqlTx, uuid: string): Promise<void> {
    const rp = await this.providers.require(tx, uuid, true);
    await this.replace(tx, rp, []);
    await this.providers.bump(tx, rp, undefined);
  }
}
