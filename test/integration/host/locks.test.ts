// FileLocks between real processes: contention, and reclaiming locks of processes that died.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sleepSync } from '../../../src/host/clock.js';
import { FileLocks } from '../../../src/host/locks.js';

const locksModule = new URL('../../../src/host/locks.js', import.meta.url).href;
const clockModule = new URL('../../../src/host/clock.js', import.meta.url).href;
const base = mkdtempSync(join(tmpdir(), 'vfnet-locks-it-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

/** Runs a script with FileLocks and sleepSync imported; resolves with its stdout. */
function child(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = `import { FileLocks } from ${JSON.stringify(locksModule)}; import { sleepSync } from ${JSON.stringify(clockModule)}; const [dir, ...args] = process.argv.slice(1); ${script}`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', source, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function waitFor(path: string): void {
  for (let i = 0; i < 2000 && !existsSync(path); i++) sleepSync(5);
  assert.ok(existsSync(path), `${path} never appeared`);
}

describe('FileLocks across processes', () => {
  it('serialises read-modify-write cycles of competing processes', async () => {
    const dir = join(base, `c${++n}`);
    mkdirSync(dir);
    const counter = join(dir, 'counter');
    writeFileSync(counter, '0');
    const script = `
      const { readFileSync, writeFileSync } = await import('node:fs');
      const locks = new FileLocks(dir);
      for (let i = 0; i < 20; i++) {
        const lock = locks.acquire('vf', 60000);
        const v = Number(readFileSync(args[0], 'utf8'));
        sleepSync(1);
        writeFileSync(args[0], String(v + 1));
        lock.release();
      }`;
    const results = await Promise.all([1, 2, 3, 4].map(() => child(script, [dir, counter])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(counter, 'utf8'), '80');
    assert.equal(existsSync(join(dir, 'vf.lock')), false);
  });

  it('lets exactly one of several simultaneous reclaimers take an abandoned lock', async () => {
    const dir = join(base, `r${++n}`);
    mkdirSync(dir);
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
    );
    writeFileSync(join(dir, 'vf.lock'), JSON.stringify({ pid: dead, start: '1', token: 'gone' }));
    const startAt = String(Date.now() + 1500);
    const script = `
      while (Date.now() < Number(args[0])) {}
      const lock = new FileLocks(dir).tryAcquire('vf');
      if (lock) { process.stdout.write('won'); sleepSync(3000); lock.release(); } else process.stdout.write('lost');`;
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => child(script, [dir, startAt])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(results.map((r) => r.stdout).sort(), ['lost', 'lost', 'lost', 'lost', 'lost', 'won']);
  });

  it('waits for a live holder to release', async () => {
    const dir = join(base, `w${++n}`);
    const held = join(base, `held${n}`);
    const holder = child(
      `const l = new FileLocks(dir).acquire('vf', 1000); (await import('node:fs')).writeFileSync(args[0], ''); sleepSync(500); l.release();`,
      [dir, held],
    );
    waitFor(held);
    const locks = new FileLocks(dir);
    assert.equal(locks.tryAcquire('vf'), null);
    const lock = locks.acquire('vf', 30000);
    assert.equal((await holder).code, 0);
    lock.release();
  });

  it('reclaims the lock of a holder that was killed', async () => {
    const dir = join(base, `k${++n}`);
    const held = join(base, `held${n}`);
    const holder = child(
      `new FileLocks(dir).acquire('vf', 1000); (await import('node:fs')).writeFileSync(args[0], ''); sleepSync(600000);`,
      [dir, held],
    );
    waitFor(held);
    const locks = new FileLocks(dir);
    assert.equal(locks.tryAcquire('vf'), null);
    const owner = JSON.parse(readFileSync(join(dir, 'vf.lock'), 'utf8'));
    process.kill(owner.pid, 'SIGKILL');
    await holder;
    const lock = locks.acquire('vf', 30000);
    assert.equal(JSON.parse(readFileSync(join(dir, 'vf.lock'), 'utf8')).pid, process.pid);
    lock.release();
  });
});
