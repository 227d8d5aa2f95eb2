// FlockLocks between real processes (needs Bun: the locks go through bun:ffi). The other
// processes are util-linux `flock`, which takes flock(2) exactly as sriov-cni does, so these
// cases also show that the two plugins exclude each other on sriov-cni's lock files.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import type { FlockLocks as FlockLocksType } from '../../../src/host/rtnetlink/flock-locks.js';

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const base = mkdtempSync(join(tmpdir(), 'vfnet-flock-it-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

async function locksIn(dir: string, sriovCni = false): Promise<FlockLocksType> {
  const [{ BunLibc }, { FlockLocks, sriovCniLockPaths }] = await Promise.all([
    import('../../../src/host/rtnetlink/bun-libc.js'),
    import('../../../src/host/rtnetlink/flock-locks.js'),
  ]);
  return new FlockLocks(new BunLibc(), {
    dir: join(dir, 'locks'),
    ...(sriovCni ? { pathOf: sriovCniLockPaths(dir) } : {}),
  });
}

/** A `flock` process holding `path` until killed (--close: its child does not inherit the lock); resolves once it holds it. */
async function holder(path: string): Promise<ChildProcess> {
  const ready = `${path}.held`;
  mkdirSync(dirname(path), { recursive: true });
  const child = spawn('flock', ['--exclusive', '--close', path, 'sh', '-c', `touch ${ready}; exec sleep 600`], {
    stdio: 'ignore',
  });
  children.push(child);
  for (let i = 0; i < 500 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(ready), 'the holder never took the lock');
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

describe('FlockLocks across processes', {
  skip: !underBun && 'needs Bun (bun:ffi): scripts/test.mjs runs this file under bun test',
}, () => {
  it('is excluded by another process holding the lock, and free once that process is killed', async () => {
    const dir = mkdtempSync(join(base, 'a-'));
    const locks = await locksIn(dir);
    const h = await holder(locks.pathOf('pf-eth1'));
    assert.equal(locks.tryAcquire('pf-eth1'), null);
    assert.throws(
      () => locks.acquire('pf-eth1', 30),
      (e: unknown) => e instanceof HostError && e.errno === 'ETIMEDOUT' && e.message.includes('pf-eth1'),
    );
    h.kill('SIGKILL');
    await exited(h);
    const lock = locks.acquire('pf-eth1', 5000);
    assert.equal(
      spawnSync('flock', ['--nonblock', locks.pathOf('pf-eth1'), 'true']).status,
      1,
      'held now against others',
    );
    lock.release();
    lock.release();
    assert.equal(spawnSync('flock', ['--nonblock', locks.pathOf('pf-eth1'), 'true']).status, 0, 'free after release');
  });

  it('excludes a second holder inside the same process', async () => {
    const locks = await locksIn(mkdtempSync(join(base, 'b-')));
    const first = locks.tryAcquire('vf-0000:03:10.0')!;
    assert.ok(first);
    assert.equal(locks.tryAcquire('vf-0000:03:10.0'), null);
    first.release();
    locks.tryAcquire('vf-0000:03:10.0')!.release();
  });

  it("locks a VF on sriov-cni's own lock file when told to, so either plugin waits for the other", async () => {
    const dir = mkdtempSync(join(base, 'c-'));
    const locks = await locksIn(dir, true);
    const file = join(dir, 'pci', 'vf_lock', '0000:03:10.2.lock');
    assert.equal(locks.pathOf('vf-0000:03:10.2'), file);
    assert.equal(locks.pathOf('pf-eth1'), join(dir, 'locks', 'pf-eth1.flock'), "other names keep vfnet's directory");
    const ours = locks.tryAcquire('vf-0000:03:10.2')!;
    assert.equal(spawnSync('flock', ['--nonblock', file, 'true']).status, 1, 'sriov-cni would wait');
    ours.release();
    const theirs = await holder(file);
    assert.equal(locks.tryAcquire('vf-0000:03:10.2'), null, 'vfnet waits for sriov-cni');
    theirs.kill('SIGKILL');
  });

  it('refuses names that would leave the lock directory', async () => {
    const locks = await locksIn(mkdtempSync(join(base, 'd-')));
    for (const bad of ['', '../x', '.hidden', 'a/b']) {
      assert.throws(
        () => locks.tryAcquire(bad),
        (e: unknown) => e instanceof HostError && e.errno === 'EINVAL',
      );
    }
  });
});
