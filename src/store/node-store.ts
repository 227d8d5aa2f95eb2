// The node's embedded store: one SQLite file that holds the VF ledger (which attachment holds
// which VF) and, once `vfnet agent --db` registered this host there, the resource model the
// plugin claims VFs in when its config names no `placement` service.
import { existsSync } from '../os/fs.js';
import { preparePrivateDb, tightenDbFiles } from './private-files.js';
import type { SqlStore } from './sql-store.js';
import { openSqlite } from './sqlite-driver.js';
import { SqliteVfLedger, setUpLedgerOnce, type VfLedger } from './vf-ledger.js';

export async function openNodeLedger(path: string): Promise<VfLedger> {
  preparePrivateDb(path);
  const db = await openSqlite(path);
  // The connection's settings (busy timeout above all) first, then the file's set-up.
  const ledger = new SqliteVfLedger(db, path);
  await setUpLedgerOnce(db);
  // The WAL and SHM exist once the ledger switched to WAL: they take the database's mode, and
  // ones an earlier version left readable are narrowed here.
  tightenDbFiles(path);
  return ledger;
}

/** The ledger for reading only; null when the store does not exist (nothing was ever claimed). */
export async function readNodeLedger(path: string): Promise<VfLedger | null> {
  return existsSync(path) ? openNodeLedger(path) : null;
}

/**
 * The resource model in the node's file, migrated to this version's schema; null when the file
 * holds none (no vfnet agent --db or vfnet serve wrote it), which is then left as it is.
 */
export async function openNodeModel(path: string): Promise<SqlStore | null> {
  if (!existsSync(path)) return null;
  const db = await openSqlite(path);
  if (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'resource_providers'").get() === undefined
  ) {
    db.close();
    return null;
  }
  // The model's modules load only here, once the file holds a model: a plugin exec that claims
  // nothing in it (no model on this node, or a `placement` service) never evaluates them.
  const [{ SqlStore }, { SqliteDb }] = await Promise.all([import('./sql-store.js'), import('./sqlite-db.js')]);
  const store = new SqlStore(new SqliteDb(db));
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
