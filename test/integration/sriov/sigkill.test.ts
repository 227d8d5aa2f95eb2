// The plugin killed (SIGKILL) at random points of ADD, 50 times, on the simulated host: after
// each kill, GC (with the killed attachment not valid) brings the VF back exactly, so no VF is
// ever lost and the ledger always matches the hardware (`vfnet doctor` agrees). Once with
// `master` (the ledger alone), once with `physnet` claimed in the embedded store, where GC must
// also give back the model's claim of an ADD killed before it recorded anything.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
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

const HOST = 'kill-host';

/** SRIOV_NET_VF allocations in the lab's embedded store. */
function modelAllocations(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return Number((conn.prepare('SELECT COALESCE(SUM(used), 0) AS n FROM allocations').get() as { n: number }).n);
  } finally {
    conn.close();
  }
}

async function killAndCollect(
  config: Record<string, unknown>,
  env: Record<string, string>,
  check: (i: number) => void,
): Promise<number> {
  const original = lab.show();
  const gc = { ...config, 'cni.dev/valid-attachments': [] };
  let completed = 0;
  for (let i = 0; i < KILLS; i++) {
    const pod = await createNetns(s, 'vk');
    const addEnv = pluginEnv({ command: 'ADD', containerId: `kill${i}`, netns: pod.path, ifname: 'net1', env });
    // Spread the kills over the whole ADD: start-up, locking, the model claim, PF settings, the move, the record.
    await addKilledAfter(Math.floor(Math.random() * 250), addEnv, JSON.stringify(config));
    const out = await execPlugin(SRIOV_BIN, { command: 'GC', env }, gc);
    assert.equal(out.status, 0, formatResult(out));
    assert.deepEqual(lab.show(), original, `after kill ${i}`);
    assert.deepEqual(lab.stateFiles(), [], `after kill ${i}`);
    assert.deepEqual(lab.ledger(), [], `after kill ${i}`);
    check(i);
    await deleteNetns(pod.name);
    completed++;
  }
  return completed;
}

async function doctorAgrees(): Promise<void> {
  const doctor = await run(process.execPath, [
    join(REPO_ROOT, 'dist/bin/vfnet'),
    'doctor',
    '--sysfs-root',
    lab.dir,
    '--state-dir',
    lab.stateDir,
    '--hostname',
    HOST,
    '--json',
  ]);
  assert.equal(doctor.status, 0, formatResult(doctor));
  return;
}

test(`${KILLS} master ADDs killed at random points: GC restores every VF, the ledger matches the hardware`, async () => {
  const config = {
    cniVersion: '1.1.0',
    name: 'kill-net',
    type: 'sriov',
    master: lab.pf(0).name,
    vlan: 42,
    mac: '02:00:00:00:42:01',
    spoofchk: 'off',
    trust: 'on',
  };
  assert.equal(await killAndCollect(config, lab.env, () => {}), KILLS);
  await doctorAgrees();
});

test(`${KILLS} physnet ADDs on the embedded store killed at random points: GC also gives back the model's claims`, async () => {
  const agent = await run(
    process.execPath,
    [
      join(REPO_ROOT, 'dist/bin/vfnet'),
      'agent',
      '--db',
      lab.db,
      '--once',
      '--sysfs-root',
      lab.dir,
      '--hostname',
      HOST,
      '--physnet',
      `${lab.pf(0).name}=public`,
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(agent.status, 0, formatResult(agent));
  const config = {
    cniVersion: '1.1.0',
    name: 'kill-physnet',
    type: 'sriov',
    physnet: 'public',
    vlan: 43,
    spoofchk: 'off',
  };
  const env = { ...lab.env, VFNET_HOSTNAME: HOST };
  const done = await killAndCollect(config, env, (i) =>
    assert.equal(modelAllocations(lab.db), 0, `model allocations after kill ${i}`),
  );
  assert.equal(done, KILLS);
  const doctor = await run(process.execPath, [
    join(REPO_ROOT, 'dist/bin/vfnet'),
    'doctor',
    '--sysfs-root',
    lab.dir,
    '--state-dir',
    lab.stateDir,
    '--hostname',
    HOST,
    '--json',
  ]);
  assert.equal(doctor.status, 0, formatResult(doctor));
  const findings = (JSON.parse(doctor.stdout) as { findings: { check: string; status: string; detail: string }[] })
    .findings;
  assert.deepEqual(
    findings.filter((f) => f.check === 'model-claims').map((f) => [f.status, f.detail]),
    [['pass', `0 attachments and 0 claims in file://${lab.db} agree`]],
  );
});
