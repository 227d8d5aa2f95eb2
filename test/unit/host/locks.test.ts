import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileLocks } from '../../../src/host/locks.js';
import { HostError } from '../../../src/host/ports.js';
import { processStartTime, SystemProcessTable } from '../../../src/host/process-table.js';
import { FakeClock, FakeProcessTable } from '../../support/fake-host/stores.js';

const base = mkdtempSync(join(tmpdir(), 'vfnet-locks-test-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(base, `l${++n}`);

/** A pid that certainly belongs to no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('processStartTime', () => {
  it('reads field 22 even when the command name has spaces and parentheses', () => {
    const proc = join(base, `proc${++n}`);
    mkdirSync(join(proc, '42'), { recursive: true });
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    writeFileSync(join(proc, '42', 'stat'), `42 (a) b (c) ${fields.join(' ')}\n`);
    assert.equal(processStartTime(42, proc), '22');
    assert.equal(processStartTime(43, proc), null);
  });

  it('gives the same answer twice for a live process and null for a dead one', () => {
    const mine = processStartTime(process.pid);
    assert.match(mine ?? '', /^\d+$/);
    assert.equal(processStartTime(process.pid), mine);
    assert.equal(processStartTime(deadPid()), null);
  });
});

describe('SystemProcessTable', () => {
  it('finds this process and pid 1 alive, and an exited child dead', () => {
    const table = new SystemProcessTable();
    assert.equal(table.alive(process.pid), true);
    assert.equal(table.alive(1), true, 'a process this one may not signal still runs');
    assert.equal(table.alive(deadPid()), false);
    assert.equal(table.startTime(process.pid), processStartTime(process.pid));
  });
});

describe('FileLocks', () => {
  it('is exclusive until released, and records the owner', () => {
    const dir = freshDir();
    const locks = new FileLocks(dir);
    const lock = locks.tryAcquire('0000:af:06.0');
    assert.ok(lock);
    const owner = JSON.parse(readFileSync(join(dir, '0000:af:06.0.lock'), 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.start, processStartTime(process.pid));
    assert.equal(locks.tryAcquire('0000:af:06.0'), null);
    assert.equal(
      new FileLocks({ dir }).tryAcquire('0000:af:06.0'),
      null,
      'another instance in the same process must not get it',
    );
    assert.ok(locks.tryAcquire('0000:af:06.1'), 'another name is independent');
    lock.release();
    assert.equal(existsSync(join(dir, '0000:af:06.0.lock')), false);
    assert.ok(locks.tryAcquire('0000:af:06.0'));
  });

  it('release leaves a file that is no longer ours, and a second release does nothing', () => {
    const dir = freshDir();
    const locks = new FileLocks(dir);
    const lock = locks.tryAcquire('x')!;
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: 1, start: processStartTime(1), token: 'other' }));
    lock.release();
    lock.release();
    assert.equal(existsSync(join(dir, 'x.lock')), true);
  });

  it('reclaims a lock whose owner is dead', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: deadPid(), start: '12345', token: 't' }));
    const lock = new FileLocks(dir).tryAcquire('x');
    assert.ok(lock);
    assert.equal(JSON.parse(readFileSync(join(dir, 'x.lock'), 'utf8')).pid, process.pid);
    assert.deepEqual(readdirSync(dir), ['x.lock'], 'no guard or temporary file is left behind');
  });

  it('reclaims a lock whose pid now belongs to another process (a different start time)', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: 1, start: 'not-the-start-of-pid-1', token: 't' }));
    assert.ok(new FileLocks(dir).tryAcquire('x'));
  });

  it('asks its process table who is alive', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const processes = new FakeProcessTable();
    processes.start(process.pid, 'me');
    processes.start(777, 'then');
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: 777, start: 'then', token: 't' }));
    const locks = new FileLocks({ dir, processes });
    assert.equal(locks.tryAcquire('x'), null);
    processes.stop(777);
    assert.ok(locks.tryAcquire('x'));
    assert.equal(JSON.parse(readFileSync(join(dir, 'x.lock'), 'utf8')).start, 'me');
  });

  it('does not reclaim a lock whose owner is alive', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: 1, start: processStartTime(1), token: 't' }));
    assert.equal(new FileLocks(dir).tryAcquire('x'), null);
  });

  it('treats an unreadable lock file as abandoned only once it is old', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'x.lock');
    writeFileSync(path, 'garbage');
    const locks = new FileLocks({ dir, corruptGraceMs: 60_000 });
    assert.equal(locks.tryAcquire('x'), null);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    assert.ok(locks.tryAcquire('x'));
  });

  it('clears a reclaim guard left by a dead reclaimer', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const dead = deadPid();
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: dead, start: '1', token: 'a' }));
    writeFileSync(join(dir, 'x.lock.reclaim'), JSON.stringify({ pid: dead, start: '1', token: 'b' }));
    const locks = new FileLocks(dir);
    assert.equal(locks.tryAcquire('x'), null, 'the first try finds the orphaned guard and clears it');
    assert.ok(locks.tryAcquire('x'));
  });

  it('waits with backoff on the clock and then fails with ETIMEDOUT naming the holder', () => {
    const dir = freshDir();
    const clock = new FakeClock();
    const holder = new FileLocks({ dir, clock }).tryAcquire('x')!;
    const t0 = clock.now();
    let err: unknown;
    try {
      new FileLocks({ dir, clock }).acquire('x', 1000);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof HostError);
    assert.equal(err.errno, 'ETIMEDOUT');
    assert.match(err.message, new RegExp(`held by pid ${process.pid}`));
    assert.equal(clock.now() - t0, 1000);
    holder.release();
    assert.ok(new FileLocks({ dir, clock }).acquire('x', 1000));
  });

  it('acquires at once when free, with a zero timeout too', () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    assert.ok(new FileLocks({ dir: freshDir(), clock }).acquire('x', 0));
    assert.equal(clock.now(), t0);
  });

  it('rejects names that would leave the directory', () => {
    const locks = new FileLocks(freshDir());
    for (const bad of ['', 'a/b', '.hidden']) {
      assert.throws(
        () => locks.tryAcquire(bad),
        (e: unknown) => e instanceof HostError && e.errno === 'EINVAL',
      );
    }
  });

  it('fails with the filesystem errno when the directory cannot be made', () => {
    const file = join(base, `file${++n}`);
    writeFileSync(file, '');
    assert.throws(
      () => new FileLocks(join(file, 'locks')).tryAcquire('x'),
      (e: unknown) => e instanceof HostError && e.errno === 'ENOTDIR',
    );
  });
});
