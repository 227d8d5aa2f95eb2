// The node's embedded store: one SQLite file that holds the VF ledger (which attachment holds
// which VF) and, once `vfnet agent --db` registered this host there, the resource model the
// plugin claims VFs in when its config names no `placement` service.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openStore } from './open.js';
import type { SqlStore } from './sql-store.js';
import { openSqlite } from './sqlite-driver.js';
import { SqliteVfLedger, type VfLedger } from './vf-ledger.js';

export async function openNodeLedger(path: string): Promise<VfLedger> {
  mkdirSync(dirname(path), { recursive: true });
  return new SqliteVfLedger(await openSqlite(path), path);
}

/** The ledger for reading only; null when the store does not exist (nothing was ever claimed). */
export async function readNodeLedger(path: string): Promise<VfLedger | null> {
  return existsSync(path) ? openNodeLedger(path) : null;
}

/** True when the node's file holds a resource model (vfnet agent --db or vfnet serve wrote it). */
export async function hasNodeModel(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const db = await openSqlite(path);
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'resource_providers'").get() !== undefined;
  } finally {
    db.close();
  }
}

/** The resource model in the node's file, migrated to this version's schema. */
export function openNodeModel(path: string): Promise<SqlStore> {
  return openStore(path);
}
