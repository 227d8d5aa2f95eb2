// Reshape (Placement's reshaper): new inventories for several providers and the allocations moved
// onto them, in the caller's one transaction, built from the inventory and allocation parts.
import { ErrorCode, PlacementError, conflict } from '../placement/errors.js';
import type { ConsumerAllocationWrite } from '../placement/types.js';
import type { InventoryWrite } from './port.js';
import type { SqlAllocations } from './sql-allocations.js';
import type { SqlInventories } from './sql-inventories.js';
import type { SqlProviders } from './sql-providers.js';
import { genConflict, type RpRow } from './sql-rows.js';
import type { SqlTx } from './sql.js';

export class SqlReshaper {
  constructor(
    private readonly providers: SqlProviders,
    private readonly inventories: SqlInventories,
    private readonly allocations: SqlAllocations,
    private readonly now: () => number,
  ) {}

  async reshape(tx: SqlTx, inventories: InventoryWrite[], allocations: ConsumerAllocationWrite[]): Promise<void> {
    const locked = new Set<number>();
    const rows: Array<{ rp: RpRow; w: InventoryWrite }> = [];
    // Lock in uuid order so two reshapes cannot deadlock.
    for (const w of [...inventories].sort((a, b) => a.providerUuid.localeCompare(b.providerUuid))) {
      const rp = await this.providers.row(tx, w.providerUuid, true);
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
    // transaction, so the in-use check is made against the final state, below.
    for (const { rp, w } of rows) {
      await this.inventories.replace(tx, rp, w.inventories, {
        deferInUseCheck: true,
        unknownClass: (_rp, rc) => `No such resource class ${rc}.`,
      });
    }
    await this.allocations.write(tx, allocations, locked);
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
  }
}
