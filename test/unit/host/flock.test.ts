// flock(2) locks under Node, through util-linux flock(1) on this process's descriptor: they
// exclude any other flock user of the same file (sriov-cni, the shell's flock), and go with release.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FlockLocks } from '../../../src/host/flock.js';
import { FakeClock } from '../../support/fake-host/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'vfnet-flock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** Can another process take the lock right now? */
const othersCan = (name: string) => spawnSync('flock', ['-n', join(dir, `${name}.lock`), 'true']).status === 0;

describe('FlockLocks (util-linux backend)', () => {
  it('holds a flock another process cannot take, until released', () => {
    const locks = new FlockLocks({ dir, backend: 'util-linux' });
    const lock = locks.tryAcquire('0000:af:06.0');
    assert.ok(lock);
    assert.equal(othersCan('0000:af:06.0'), false);
    assert.equal(locks.tryAcquire('0000:af:06.0'), null, 'a second open file description is excluded too');
    lock.release();
    assert.equal(othersCan('0000:af:06.0'), true);
  });

  it('times out with ETIMEDOUT while another process holds it', () => {
    // A lock held by a live process: a shell that keeps it for the duration of this check.
    const script = `exec 9<>"${join(dir, 'busy.lock')}"; flock -x 9; echo held; read _`;
    const child = spawnSync(
      'bash',
      [
        '-c',
        `${script} & sleep 0.2; node -e "
      const { FlockLocks } = await import('${join(process.cwd(), 'dist/src/host/flock.js')}');
      try { new FlockLocks({ dir: '${dir}', backend: 'util-linux' }).acquire('busy', 30); console.log('got'); }
      catch (e) { console.log(e.errno); }"; kill %1`,
      ],
      { encoding: 'utf8' },
    );
    assert.match(child.stdout, /ETIMEDOUT/, child.stdout + child.stderr);
  });

  it('refuses names that would leave the directory', () => {
    const locks = new FlockLocks({ dir, backend: 'util-linux', clock: new FakeClock() });
    assert.throws(() => locks.tryAcquire('../x'), /invalid lock name/);
  });
});
