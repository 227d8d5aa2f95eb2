// The node's embedded store: one SQLite file that holds the VF ledger (which attachment holds
// which VF) and, once `vfnet agent --db` registered this host there, the resource model the
// plugin claims VFs in when its config names no `placement` service.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openStore } from './open.js';
import type { SqlStore } from './sql-store.js';
import { openSqlite } from './sqlite-driver.js';
import { SqliteVfLedger, type VfLedger } from './vf-ledger.js';

export const DEFAULT_NODE_DB = '/var/lib/vfnet/vfnet.db';
/** The plugin's default state directory (sriov-cni's). */
export const DEFAULT_PLUGIN_STATE_DIR = '/var/lib/cni/sriov';

/**
 * Where the node's store is: `db` when given (VFNET_DB, --db); beside a state directory that was
 * moved away from the default (tests and labs keep everything in one place); else the default.
 */
export function nodeDbPath(o: { db?: string | undefined; stateDir?: string | undefined }): string {
  if (o.db) return o.db;
  if (o.stateDir && o.stateDir !== DEFAULT_PLUGIN_STATE_DIR) return join(o.stateDir, 'vfnet.db');
  return DEFAULT_NODE_DB;
}

/** The embedded store as a model target (what attachment records name). */
export function nodeDbTarget(path: string): string {
  return `file://${path}`;
}

/** The path of a `file:` target; null for anything else. */
export function nodeDbFromTarget(target: string): string | null {
  return target.startsWith('file://') ? target.slice('file://'.length) : null;
}

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
