// The plugin killed (SIGKILL) at random points of ADD, 50 times, on the simulated host: after
// each kill, GC (with the killed attachment not valid) brings the VF back exactly, so no VF is
// ever lost and the ledger always matches the hardware (`vfnet doctor` agrees).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { formatResult, run } from '../../support/exec.js';
import { labFor, type TestLab } from '../../support/lab.js';
import { createNetns, deleteNetns } from '../../support/netns.js';
import { REPO_ROOT, SRIOV_BIN } from '../../support/paths.js';
import { execPlugin, pluginEnv } from '../../support/plugin.js';
import { Scratch } from '../../support/scratch.js';

const KILLS = 50;
let s: Scratch;
let lab: TestLab;

before(() => {
  s = new Scratch('vfnet-sigkill');
  lab = labFor(s, { pfs: 1, vfsPerPf: 2 });
});
after(async () => {
  await s.dispose();
});

/** Runs ADD and kills it after `ms`; resolves when it is gone. */
function addKilledAfter(ms: number, env: Record<string, string>, input: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(SRIOV_BIN, [], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

test(`${KILLS} ADDs killed at random points: GC restores every VF, the ledger matches the hardware`, async () => {
  const original = lab.show();
  const config = {
    cniVersion: '1.1.0', name: 'kill-net', type: 'sriov', master: lab.pf(0).name, vlan: 42, mac: '02:00:00:00:42:01', spoofchk: 'off', trust: 'on',
  };
  const gc = { ...config, 'cni.dev/valid-attachments': [] };
  let completed = 0;
  for (let i = 0; i < KILLS; i++) {
    const pod = await createNetns(s, 'vk');
    const env = pluginEnv({ command: 'ADD', containerId: `kill${i}`, netns: pod.path, ifname: 'net1', env: lab.env });
    // Spread the kills over the whole ADD: start-up, locking, PF settings, the move, the record.
    await addKilledAfter(Math.floor(Math.random() * 250), env, JSON.stringify(config));
    const out = await execPlugin(SRIOV_BIN, { command: 'GC', env: lab.env }, gc);
    assert.equal(out.status, 0, formatResult(out));
    assert.deepEqual(lab.show(), original, `after kill ${i}`);
    assert.deepEqual(readdirSync(lab.stateDir).filter((n) => n.startsWith('att-') || n.startsWith('vf-')), [], `after kill ${i}`);
    await deleteNetns(pod.name);
    completed++;
  }
  assert.equal(completed, KILLS);
  const doctor = await run(process.execPath, [join(REPO_ROOT, 'dist/bin/vfnet'), 'doctor', '--sysfs-root', lab.dir, '--state-dir', lab.stateDir]);
  assert.equal(doctor.status, 0, formatResult(doctor));
});
