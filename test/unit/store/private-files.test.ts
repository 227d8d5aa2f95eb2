// Item 5 of issue 10: the node's database and its WAL/SHM are 0600 in a 0700 directory, the
// plugin's log file is never reached through a symlink, and a damaged ledger row is an error
// naming the ledger, not a TypeError later.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CniError } from '../../../src/cni/index.js';
import { createLogger } from '../../../src/host/log.js';
import { Records } from '../../../src/sriov/records.js';
import { openNodeLedger } from '../../../src/store/node-store.js';
import { openSqlite } from '../../../src/store/sqlite-driver.js';
import { MemoryVfLedger } from '../../../src/store/vf-ledger.js';
import { CallRecorder } from '../../support/fake-host/recorder.js';
import { FakeStateFiles } from '../../support/fake-host/stores.js';

const base = mkdtempSync(join(tmpdir(), 'vfnet-private-'));
after(() => rmSync(base, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('private files', () => {
  it('the node database: directory 0700, database, WAL and SHM 0600, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      const db = join(base, 'fresh', 'vfnet', 'vfnet.db');
      const ledger = await openNodeLedger(db);
      ledger.write({ pci: '0000:af:06.0', network: 'n', containerId: 'c', ifname: 'net1', netns: '/x', at: 't' });
      assert.equal(mode(join(base, 'fresh')), 0o700);
      assert.equal(mode(join(base, 'fresh', 'vfnet')), 0o700);
      for (const f of [db, `${db}-wal`, `${db}-shm`]) {
        assert.ok(existsSync(f), f);
        assert.equal(mode(f), 0o600, f);
      }
    } finally {
      process.umask(old);
    }
  });

  it('a database an earlier version left 0644 is narrowed to 0600', async () => {
    const db = join(base, 'old.db');
    writeFileSync(db, '');
    chmodSync(db, 0o644);
    await openNodeLedger(db);
    assert.equal(mode(db), 0o600);
  });

  it('logFile: a symlink is not followed (the target is untouched; the line goes to stderr)', () => {
    const target = join(base, 'target');
    writeFileSync(target, 'precious\n');
    const link = join(base, 'log-link');
    symlinkSync(target, link);
    const stderr: string[] = [];
    const log = createLogger({}, (l) => stderr.push(l));
    log.configure('info', link);
    log.info('hello');
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.match(stderr.join(''), /hello/);
    const plain = join(base, 'plain.log');
    log.configure('info', plain);
    log.info('to the file');
    assert.match(readFileSync(plain, 'utf8'), /to the file/);
    assert.equal(mode(plain), 0o600);
  });

  it('a ledger row of the wrong type is a CNI error naming the ledger', async () => {
    const db = join(base, 'bad-row.db');
    await openNodeLedger(db);
    const conn = await openSqlite(db);
    conn.exec(
      "INSERT INTO vf_claims (pci, network, container_id, ifname, netns, claimed_at, record) VALUES ('0000:af:06.0', 'n', 'c', 'net1', '/x', 't', X'2a')",
    );
    conn.close();
    const records = new Records(new FakeStateFiles(new CallRecorder()), await openNodeLedger(db));
    assert.throws(
      () => records.allClaims(),
      (e: unknown) =>
        e instanceof CniError && e.code === 5 && /damaged row for VF 0000:af:06.0: record not text/.test(e.message),
    );
    assert.equal(new Records(new FakeStateFiles(new CallRecorder()), new MemoryVfLedger()).allClaims().length, 0);
  });
});
