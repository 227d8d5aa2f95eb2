// The ledger's set-up on open: a new file gets WAL, the table and the schema version; a ledger an
// older version wrote (no record column, no user_version) is upgraded in place and keeps its rows;
// a file whose version says it is set up is opened as it is.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { openNodeLedger } from '../../../src/store/node-store.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';
import { LEDGER_SCHEMA_VERSION } from '../../../src/store/vf-ledger.js';

const dir = mkdtempSync(join(tmpdir(), 'vfnet-ledger-setup-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const claim = {
  pci: '0000:3b:02.0',
  network: 'n',
  containerId: 'c1',
  ifname: 'eth0',
  netns: '/run/netns/x',
  at: '2026-01-01T00:00:00.000Z',
};

async function inspect(path: string): Promise<{ version: number; mode: string; columns: string[] }> {
  const db = await openSqlite(path);
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  const mode = (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode;
  const columns = (db.prepare('PRAGMA table_info(vf_claims)').all() as { name: string }[]).map((c) => c.name);
  db.close();
  return { version, mode, columns };
}

it('a new ledger is in WAL mode, has the table with its record column, and records its schema version', async () => {
  const path = join(dir, 'new.db');
  const ledger = await openNodeLedger(path);
  ledger.write({ ...claim, record: '{"r":1}' });
  assert.deepEqual(ledger.read(claim.pci), { ...claim, record: '{"r":1}' });
  const got = await inspect(path);
  assert.equal(got.version, LEDGER_SCHEMA_VERSION);
  assert.equal(got.mode, 'wal');
  assert.ok(got.columns.includes('record'), got.columns.join(','));
});

it('a ledger an older version wrote gets the record column and the version, and keeps its rows', async () => {
  const path = join(dir, 'old.db');
  const db = await openSqlite(path);
  db.exec(`CREATE TABLE vf_claims (pci TEXT PRIMARY KEY, network TEXT NOT NULL, container_id TEXT NOT NULL,
    ifname TEXT NOT NULL, netns TEXT NOT NULL, claimed_at TEXT NOT NULL)`);
  db.exec(`INSERT INTO vf_claims VALUES ('${claim.pci}', 'n', 'c1', 'eth0', '/run/netns/x', '${claim.at}')`);
  db.close();
  const ledger = await openNodeLedger(path);
  assert.deepEqual(ledger.read(claim.pci), claim);
  ledger.write({ ...claim, record: '{"r":2}' });
  assert.equal(ledger.read(claim.pci)?.record, '{"r":2}');
  const got = await inspect(path);
  assert.equal(got.version, LEDGER_SCHEMA_VERSION);
  assert.equal(got.mode, 'wal');
});

it('a file whose version says the ledger is set up is opened as it is, not set up again', async () => {
  const path = join(dir, 'set-up.db');
  (await openNodeLedger(path)).write(claim);
  assert.deepEqual((await openNodeLedger(path)).all(), [claim]);
  // A file with the version but no table: only a second set-up would create it.
  const bare = join(dir, 'bare.db');
  const db = await openSqlite(bare);
  db.exec(`PRAGMA user_version = ${LEDGER_SCHEMA_VERSION}`);
  db.close();
  const ledger = await openNodeLedger(bare);
  assert.throws(() => ledger.all(), /no such table: vf_claims/);
  assert.deepEqual((await inspect(bare)).columns, []);
});

it('the WAL stays small across many commits by one connection that is never closed (as a plugin exec ends)', async () => {
  // Every plugin exec rebuilds the WAL index by reading the whole WAL; the ledger checkpoints at
  // 64 pages, so that read stays bounded. At SQLite's default (1000 pages) this WAL reaches MBs.
  const path = join(dir, 'wal.db');
  const ledger = await openNodeLedger(path);
  for (let i = 0; i < 300; i++) {
    ledger.write({ ...claim, containerId: `c${i}`, record: JSON.stringify({ i, pad: 'x'.repeat(200) }) });
    ledger.remove(claim.pci);
  }
  const frame = 24 + 4096;
  const size = statSync(`${path}-wal`).size;
  assert.ok(size <= 32 + 80 * frame, `WAL is ${size} bytes (${Math.round(size / frame)} frames)`);
  assert.equal(ledger.read(claim.pci), null);
});

it('a new ledger opened while another process is setting it up waits for it, not failing SQLITE_BUSY at once', async () => {
  // Another connection holds the write lock, as another plugin exec in the middle of its set-up
  // does. SQLite refuses `PRAGMA journal_mode = WAL` at once there (it holds the read lock it
  // would raise, so waiting could deadlock); the open must back off and try again.
  const path = join(dir, 'raced.db');
  const other = await openSqlite(path);
  other.exec('BEGIN IMMEDIATE');
  const released = new Promise<void>((resolve) =>
    setTimeout(() => {
      other.exec('ROLLBACK');
      resolve();
    }, 200),
  );
  const ledger = await openNodeLedger(path);
  await released;
  ledger.write(claim);
  assert.deepEqual(ledger.all(), [claim]);
  assert.equal((await inspect(path)).mode, 'wal');
  other.close();
});
