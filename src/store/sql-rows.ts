// What the per-entity parts of the SQL store share: the row shapes as the drivers return them,
// their mapping to model types, and the context every part runs with. Kept here, not in one
// entity's file, so no entity file has to import another just for a type.
import { ErrorCode, conflict } from '../placement/errors.js';
import type { Consumer, Inventory, NamedItem, ResourceProvider } from '../placement/types.js';
import type { Dialect } from './sql.js';

/**
 * The per-store context of every entity part. Parts never open transactions themselves: the front
 * (SqlStore) opens one per call and hands them its SqlTx, so reshape can compose inventory and
 * allocation code inside one transaction.
 */
export interface StoreCtx {
  /** PostgreSQL needs explicit row locks (SELECT ... FOR UPDATE); SQLite holds the database lock. */
  readonly dialect: Dialect;
  readonly now: () => number;
}

export interface RpRow {
  id: number; uuid: string; name: string; generation: number; parent_id: number | null;
  root_id: number; created_at: number; updated_at: number; parent_uuid: string | null; root_uuid: string;
}
export interface InvRow {
  class_id: number; name: string; total: number; reserved: number; min_unit: number; max_unit: number;
  step_size: number; allocation_ratio: number;
}
export interface NamedRow { id: number; name: string; standard: number; created_at: number; updated_at: number }
export interface ConsumerRow {
  id: number; uuid: string; project_id: string; user_id: string; generation: number;
  consumer_type: string | null; created_at: number; updated_at: number;
}

/** A provider row with its parent's and root's uuids; callers append WHERE. */
export const RP_SELECT = `SELECT rp.id, rp.uuid, rp.name, rp.generation, rp.parent_id, rp.root_id, rp.created_at,
  rp.updated_at, parent.uuid AS parent_uuid, root.uuid AS root_uuid
  FROM resource_providers rp
  LEFT JOIN resource_providers parent ON parent.id = rp.parent_id
  LEFT JOIN resource_providers root ON root.id = rp.root_id`;

/** Inventory rows with their class names; callers append WHERE / ORDER BY. */
export const INV_SELECT = `SELECT i.class_id, rc.name, i.total, i.reserved, i.min_unit, i.max_unit, i.step_size, i.allocation_ratio
  FROM inventories i JOIN resource_classes rc ON rc.id = i.class_id`;

// Drivers return BIGINT and DOUBLE PRECISION columns as strings or numbers depending on the
// database, hence the Number(...) on every such column.
export const toProvider = (r: RpRow): ResourceProvider => ({
  id: r.id, uuid: r.uuid, name: r.name, generation: r.generation, parentUuid: r.parent_uuid,
  rootUuid: r.root_uuid ?? r.uuid, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
export const toInventory = (r: InvRow): Inventory => ({
  resourceClass: r.name, total: r.total, reserved: r.reserved, minUnit: r.min_unit, maxUnit: r.max_unit,
  stepSize: r.step_size, allocationRatio: Number(r.allocation_ratio),
});
export const toNamed = (r: NamedRow): NamedItem => ({
  name: r.name, standard: !!r.standard, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});
export const toConsumer = (r: ConsumerRow): Consumer => ({
  uuid: r.uuid, projectId: r.project_id, userId: r.user_id, generation: r.generation,
  consumerType: r.consumer_type, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

export const genConflict = (msg = 'resource provider generation conflict') => conflict(msg, ErrorCode.concurrentUpdate);

/** ' FOR UPDATE' on PostgreSQL, nothing on SQLite (whose BEGIN IMMEDIATE already locks). */
export const forUpdate = (ctx: StoreCtx): string => (ctx.dialect === 'pg' ? ' FOR UPDATE' : '');
