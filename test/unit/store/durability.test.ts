// An acknowledged write must survive a power cut, not only a crash of the process. In WAL mode
// that takes a sync of the -wal file after the commit and before the answer: synchronous=FULL
// does it inside COMMIT (the plugin keeps it), the service's group commit does it after a
// NORMAL commit, off the event loop (group-sync.test.ts, durable-commit.test.ts). A power cut
// cannot be made here; the settings that guarantee it can be read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../../src/store/open.js';
import type { SqlDb } from '../../../src/store/sql.js';
import { SqliteDb } from '../../../src/store/sqlite-db.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';

const pragma = async (db: SqlDb, name: string) =>
  Object.values((await db.read((tx) => tx.get<Record<string, unknown>>(`PRAGMA ${name}`))) ?? {})[0];

test('a bare SQLite connection (the plugin) commits with journal_mode=WAL, synchronous=FULL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-durable-'));
  try {
    const db = new SqliteDb(await openSqlite(join(dir, 'db.sqlite')));
    assert.equal(await pragma(db, 'journal_mode'), 'wal');
    assert.equal(await pragma(db, 'synchronous'), 2, 'synchronous=FULL is 2');
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service store (openStore) commits with NORMAL, syncs the WAL itself, checkpoints off the connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-durable-'));
  try {
    const store = await openStore(join(dir, 'db.sqlite'));
    const db = (store as unknown as { db: SqlDb }).db;
    assert.equal(await pragma(db, 'journal_mode'), 'wal');
    assert.equal(await pragma(db, 'synchronous'), 1, 'synchronous=NORMAL is 1');
    assert.equal(await pragma(db, 'wal_autocheckpoint'), 0, 'no checkpoint inside COMMIT');
    await store.createResourceClass('CUSTOM_DURABLE');
    const group = (db as unknown as { group?: { syncs: number } }).group;
    assert.ok(group && group.syncs >= 1, 'the write was followed by a sync of the -wal file');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
