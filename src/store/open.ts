// Opens a store from a location: a file path (SQLite) or a postgres:// URL.
import { preparePrivateDb, tightenDbFiles } from './private-files.js';
import type { SqlDb } from './sql.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { SqliteDb, type SqliteDurability } from './sqlite-db.js';
import { openSqlite } from './sqlite-driver.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * The service's durable commit without an fsync on the event loop (sqlite-db.ts): a group sync
 * of the -wal file and checkpoints on a worker thread. Loaded on demand: Node only.
 */
async function groupCommit(location: string): Promise<SqliteDurability> {
  const [{ GroupSync }, { nodeWalFiles }, { WorkerCheckpointer }] = await Promise.all([
    import('./group-sync.js'),
    import('./wal-files-node.js'),
    import('./wal-checkpointer.js'),
  ]);
  return { group: new GroupSync(nodeWalFiles, `${location}-wal`), checkpointer: new WorkerCheckpointer(location) };
}

export async function openStore(
  location: string,
  opts: SqlStoreOptions & { poolSize?: number } = {},
): Promise<SqlStore> {
  let db: SqlDb;
  if (isPostgresUrl(location)) {
    // Loaded on demand: the plugin binary opens SQLite files only, and is built without pg.
    const { PgDb } = await import('./pg-db.js');
    db = new PgDb(location, opts.poolSize);
  } else {
    if (location !== ':memory:') preparePrivateDb(location);
    db = new SqliteDb(await openSqlite(location), location === ':memory:' ? {} : await groupCommit(location));
    if (location !== ':memory:') tightenDbFiles(location);
  }
  const store = new SqlStore(db, opts);
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
