// The read model of the allocation-candidates engine: every provider with its inventories,
// usages, traits and aggregates, loaded in one read transaction (Placement computes candidates in
// SQL; vfnet loads these rows once per change and answers from memory).
import type { SnapshotRows } from '../placement/snapshot.js';
import type { SqlTx } from './sql.js';
import { type InvRow, type RpRow, toInventory } from './sql-rows.js';

export async function loadSnapshotRows(tx: SqlTx): Promise<SnapshotRows> {
  return {
    providers: (
      await tx.all<RpRow>(
        'SELECT id, uuid, name, generation, parent_id, root_id, created_at, updated_at FROM resource_providers',
      )
    ).map((r) => ({
      id: Number(r.id),
      uuid: r.uuid,
      name: r.name,
      generation: r.generation,
      parentId: r.parent_id === null ? null : Number(r.parent_id),
      rootId: Number(r.root_id),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    })),
    inventories: (
      await tx.all<InvRow & { provider_id: number }>(
        `SELECT i.provider_id, rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
       FROM inventories i JOIN resource_classes rc ON rc.id = i.class_id`,
      )
    ).map((r) => ({ providerId: Number(r.provider_id), ...toInventory(r) })),
    usages: (
      await tx.all<{ provider_id: number; name: string; used: number }>(
        `SELECT a.provider_id, rc.name, SUM(a.used) AS used FROM allocations a
       JOIN resource_classes rc ON rc.id = a.class_id GROUP BY a.provider_id, rc.name`,
      )
    ).map((r) => ({ providerId: Number(r.provider_id), resourceClass: r.name, used: Number(r.used) })),
    traits: (
      await tx.all<{ provider_id: number; name: string }>(
        'SELECT pt.provider_id, t.name FROM provider_traits pt JOIN traits t ON t.id = pt.trait_id ORDER BY t.id',
      )
    ).map((r) => ({ providerId: Number(r.provider_id), trait: r.name })),
    aggregates: (
      await tx.all<{ provider_id: number; aggregate_uuid: string }>(
        'SELECT provider_id, aggregate_uuid FROM provider_aggregates',
      )
    ).map((r) => ({ providerId: Number(r.provider_id), aggregate: r.aggregate_uuid })),
  };
}
