// The group commit's promise (src/store/group-sync.ts): a write is acknowledged only after a sync
// of the -wal file that began after its COMMIT, one sync covers every commit queued while another
// was in flight, and a failed sync fails the acknowledgement (and every later one), never acks.
// The SQLite file is real; the file-system port is a fake that records and holds each sync.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DurabilityError, GroupSync, type WalFiles, type WalHandle } from '../../../src/store/group-sync.js';
import { SqliteDb } from '../../../src/store/sqlite-db.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';

/** A WalFiles whose syncs wait until the test lets them finish (or fail). */
class HeldWalFiles implements WalFiles {
  readonly events: string[] = [];
  ino = 7;
  opens = 0;
  dirSyncs = 0;
  private held: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  async inode(): Promise<number | null> {
    return this.ino;
  }
  async open(): Promise<WalHandle> {
    this.opens++;
    const ino = this.ino;
    return {
      ino,
      sync: () =>
        new Promise<void>((resolve, reject) => {
          this.events.push('sync-start');
          this.held.push({
            resolve: () => {
              this.events.push('sync-end');
              resolve();
            },
            reject,
          });
        }),
      close: async () => undefined,
    };
  }
  async syncDir(): Promise<void> {
    this.dirSyncs++;
  }
  get inFlight(): number {
    return this.held.length;
  }
  /** Lets the oldest held sync finish, or fail with `error`. */
  release(error?: Error): void {
    const h = this.held.shift();
    assert.ok(h, 'a sync is in flight');
    if (error) h.reject(error);
    else h.resolve();
  }
}

/** Lets queued promise callbacks and the fake's awaits run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('group commit (NORMAL + a sync of the -wal file before the answer)', () => {
  let dir: string;
  let files: HeldWalFiles;
  let group: GroupSync;
  let db: SqliteDb;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vfnet-group-'));
    files = new HeldWalFiles();
    group = new GroupSync(files, join(dir, 'db.sqlite-wal'));
    db = new SqliteDb(await openSqlite(join(dir, 'db.sqlite')), { group });
    const created = db.write((tx) => tx.run('CREATE TABLE t (v TEXT)'));
    await settle();
    files.release();
    await created;
  });

  afterEach(async () => {
    while (files.inFlight > 0) files.release();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) => db.write((tx) => tx.run('INSERT INTO t (v) VALUES (?)', [v]));

  it('commits with synchronous=NORMAL (the sync is its own)', async () => {
    const p = db.read((tx) => tx.get<{ synchronous: number }>('PRAGMA synchronous'));
    await settle();
    while (files.inFlight > 0) files.release();
    assert.equal((await p)?.synchronous, 1);
  });

  it('acknowledges a write only after a sync that started after its COMMIT', async () => {
    const before = files.events.length;
    let acked = false;
    const w = insert('a').then(() => {
      acked = true;
      files.events.push('ack');
    });
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(acked, false, 'not acknowledged while the sync is in flight');
    assert.equal(files.inFlight, 1);
    files.release();
    await w;
    assert.deepEqual(files.events.slice(before), ['sync-start', 'sync-end', 'ack']);
  });

  it('one sync covers every commit that finished while another was in flight', async () => {
    const first = insert('first');
    await settle();
    assert.equal(files.inFlight, 1);
    const acks: string[] = [];
    const rest = Array.from({ length: 8 }, (_, i) => insert(`w${i}`).then(() => acks.push(`w${i}`)));
    for (let i = 0; i < 5; i++) await settle();
    const syncsBefore = group.syncs;
    files.release(); // the first sync began before w0..w7 committed: it covers none of them
    await first;
    for (let i = 0; i < 5; i++) await settle();
    assert.deepEqual(acks, []);
    assert.equal(files.inFlight, 1, 'one more sync for all eight');
    files.release();
    await Promise.all(rest);
    assert.equal(acks.length, 8);
    assert.equal(group.syncs, syncsBefore + 1);
  });

  it('a failed sync fails the write, and every later write and read, never acknowledging', async () => {
    const w = insert('lost?');
    await settle();
    files.release(new Error('EIO: input/output error'));
    await assert.rejects(w, (e: Error) => e instanceof DurabilityError && /could not be synced/.test(e.message));
    const syncs = group.syncs;
    await assert.rejects(insert('next'), DurabilityError);
    await assert.rejects(
      db.read((tx) => tx.all('SELECT v FROM t')),
      DurabilityError,
    );
    assert.equal(group.syncs, syncs, 'no retried sync (it could "succeed" over dropped pages)');
  });

  it('a read waits for the commits it could see to be durable', async () => {
    const w = insert('seen');
    await settle();
    let read = false;
    const r = db
      .read((tx) => tx.all<{ v: string }>('SELECT v FROM t'))
      .then((rows) => {
        read = true;
        return rows;
      });
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(read, false);
    files.release();
    await w;
    assert.deepEqual(
      (await r).map((x) => x.v),
      ['seen'],
    );
  });

  it('reopens the -wal file (and syncs its directory) when the path names another inode', async () => {
    const w1 = insert('one');
    await settle();
    files.release();
    await w1;
    const opens = files.opens;
    const dirSyncs = files.dirSyncs;
    files.ino = 8;
    const w2 = insert('two');
    for (let i = 0; i < 5; i++) await settle();
    files.release();
    await w2;
    assert.equal(files.opens, opens + 1);
    assert.equal(files.dirSyncs, dirSyncs + 1);
  });
});
