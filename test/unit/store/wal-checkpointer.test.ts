// Checkpoints off the event loop (src/store/wal-checkpointer.ts): with SQLite's automatic
// checkpoint off on the service's connection, the worker thread must still keep the WAL from
// growing without bound under writes that never stop: checkpoints complete and the WAL restarts
// from its start, and every write stays readable through the database file alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../../src/store/open.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';
import type { WorkerCheckpointer } from '../../../src/store/wal-checkpointer.js';

/** The WAL header's salts: SQLite draws new ones each time the WAL restarts from its start. */
function walSalts(walPath: string): string {
  const fd = openSync(walPath, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.subarray(16, 24).toString('hex');
  } finally {
    closeSync(fd);
  }
}

test('under continuous writes the worker checkpoints and the WAL restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-ckpt-'));
  try {
    const path = join(dir, 'db.sqlite');
    const store = await openStore(path);
    const checkpointer = (store as unknown as { db: { checkpointer: WorkerCheckpointer } }).db.checkpointer;
    let commits = 0;
    const until = Date.now() + 3500;
    const salts = new Set<string>();
    const watch = setInterval(() => salts.add(walSalts(`${path}-wal`)), 100);
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; Date.now() < until; i++) {
          await store.createResourceClass(`CUSTOM_W${w}_${i}`);
          commits++;
        }
      }),
    );
    clearInterval(watch);
    assert.ok(salts.size >= 3, `the WAL restarted ${salts.size - 1} times in 3.5 s of writes`);
    assert.ok(checkpointer.checkpoints >= 2, `${checkpointer.checkpoints} checkpoints completed in 3.5 s`);
    assert.equal(checkpointer.failures, 0);
    const other = await openSqlite(path);
    const n = other.prepare("SELECT count(*) AS n FROM resource_classes WHERE name LIKE 'CUSTOM_W%'").get() as {
      n: number;
    };
    assert.equal(n.n, commits);
    other.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store left open does not keep its process alive (the checkpoint worker is unref-ed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-ckpt-'));
  try {
    const open = new URL('../../../src/store/open.js', import.meta.url).href;
    const script = `const { openStore } = await import(${JSON.stringify(open)});
      const store = await openStore(${JSON.stringify(join(dir, 'db.sqlite'))});
      for (let i = 0; i < 50; i++) await store.createResourceClass('CUSTOM_OPEN_' + i);
      await new Promise((r) => setTimeout(r, 1500));`;
    const t0 = Date.now();
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000, stdio: 'inherit' });
    assert.ok(Date.now() - t0 < 15_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
