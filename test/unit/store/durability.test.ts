// An acknowledged write must survive a power cut, not only a crash of the process: in WAL mode
// that takes synchronous=FULL (each commit synced to the disk), which NORMAL is not (it syncs at
// checkpoints only). A power cut cannot be made here; the setting that guarantees it can be read.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteDb } from '../../../src/store/sqlite-db.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';

test('SQLite commits are synced to disk (journal_mode=WAL, synchronous=FULL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-durable-'));
  try {
    const db = new SqliteDb(await openSqlite(join(dir, 'db.sqlite')));
    const sync = await db.read((tx) => tx.get<{ synchronous: number }>('PRAGMA synchronous'));
    const mode = await db.read((tx) => tx.get<{ journal_mode: string }>('PRAGMA journal_mode'));
    assert.equal(mode?.journal_mode, 'wal');
    assert.equal(sync?.synchronous, 2, 'synchronous=FULL is 2');
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
