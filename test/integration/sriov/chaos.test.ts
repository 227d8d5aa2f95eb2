// Chaos on the simulated host (issue 10), 50 runs of each: a DEL killed (SIGKILL) at a random
// point, an attachment record truncated at a random length or deleted, the node's ledger deleted
// or emptied. After each run and a GC (the attachment not valid), every VF is exactly as before
// (PF-level settings, netdev name, MAC, MTU, netns), no state is left but damaged records kept
// aside, and a lost ledger never lets a VF be handed out twice; `vfnet doctor` exits 0 at the end.
// Each test prints its counts (how many kills landed mid-DEL, how many ADDs were refused).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { formatResult, run } from '../../support/exec.js';
import { labFor, type TestLab } from '../../support/lab.js';
import { createNetns, deleteNetns } from '../../support/netns.js';
import { REPO_ROOT, SRIOV_BIN } from '../../support/paths.js';
import { cniError, execPlugin, pluginEnv } from '../../support/plugin.js';
import { Scratch } from '../../support/scratch.js';

const RUNS = 50;
let s: Scratch;
let lab: TestLab;

before(() => {
  s = new Scratch('vfnet-chaos');
  lab = labFor(s, { pfs: 1, vfsPerPf: 2 });
});
after(async () => {
  await s.dispose();
});

const config = () => ({
  cniVersion: '1.1.0',
  name: 'chaos-net',
  type: 'sriov',
  deviceID: lab.vf(0, 0).pci,
  vlan: 100,
  mac: '02:00:00:00:c4:05',
  spoofchk: 'off',
  trust: 'on',
});
const recordPath = (cid: string) => join(lab.stateDir, `att-${cid}-net1.json`);

/** Runs a command and kills it after `ms`; true when the kill landed before it exited. */
function killedAfter(ms: number, env: Record<string, string>, input: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(SRIOV_BIN, [], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

async function call(command: 'ADD' | 'DEL' | 'GC', cid: string, netns: string, conf: Record<string, unknown>) {
  return execPlugin(SRIOV_BIN, { command, containerId: cid, netns, ifname: 'net1', env: lab.env }, conf);
}

async function gcNoneValid(): Promise<void> {
  const out = await execPlugin(
    SRIOV_BIN,
    { command: 'GC', env: lab.env },
    { ...config(), 'cni.dev/valid-attachments': [] },
  );
  assert.equal(out.status, 0, formatResult(out));
}

/** After a run: the VFs as before, no claim left, only damaged records kept aside (removed here once seen). */
async function settled(
  original: Awaited<ReturnType<TestLab['snapshot']>>,
  what: string,
  asideExpected: boolean,
): Promise<void> {
  await gcNoneValid();
  assert.deepEqual(await lab.snapshot(), original, what);
  assert.deepEqual(lab.ledger(), [], what);
  const files = lab.stateFiles();
  const aside = files.filter((n) => n.includes('.damaged-'));
  assert.deepEqual(
    files.filter((n) => !n.includes('.damaged-')),
    [],
    what,
  );
  if (asideExpected) assert.equal(aside.length, 1, `${what}: the damaged record is kept aside`);
  for (const n of aside) rmSync(join(lab.stateDir, n));
}

async function doctorPasses(): Promise<void> {
  const doctor = await run(process.execPath, [
    join(REPO_ROOT, 'dist/bin/vfnet'),
    'doctor',
    '--sysfs-root',
    lab.dir,
    '--state-dir',
    lab.stateDir,
    '--json',
  ]);
  assert.equal(doctor.status, 0, formatResult(doctor));
}

/** ADD on a fresh pod; returns the pod. */
async function added(cid: string): Promise<{ name: string; path: string }> {
  const pod = await createNetns(s, 'ch');
  const out = await call('ADD', cid, pod.path, config());
  assert.equal(out.status, 0, formatResult(out));
  return pod;
}

test(`${RUNS} DELs killed at random points: GC restores every VF exactly`, async () => {
  const original = await lab.snapshot();
  let midway = 0;
  for (let i = 0; i < RUNS; i++) {
    const pod = await added(`kdel${i}`);
    const env = pluginEnv({ command: 'DEL', containerId: `kdel${i}`, netns: pod.path, ifname: 'net1', env: lab.env });
    if (await killedAfter(Math.floor(Math.random() * 120), env, JSON.stringify(config()))) midway++;
    await settled(original, `after DEL kill ${i}`, false);
    await deleteNetns(pod.name);
  }
  console.log(`chaos: ${RUNS} DELs killed at random points, ${midway} of them before DEL finished; all restored`);
  await doctorPasses();
});

test(`${RUNS} records truncated at random lengths or deleted: DEL or GC restores the VF from the ledger's copy`, async () => {
  const original = await lab.snapshot();
  const counts = { truncated: 0, deleted: 0, byDel: 0, byGc: 0 };
  for (let i = 0; i < RUNS; i++) {
    const cid = `dmg${i}`;
    const pod = await added(cid);
    const text = readFileSync(recordPath(cid), 'utf8');
    const truncate = i % 5 !== 4;
    if (truncate) {
      truncateSync(recordPath(cid), Math.floor(Math.random() * text.length));
      counts.truncated++;
    } else {
      rmSync(recordPath(cid));
      counts.deleted++;
    }
    if (i % 2 === 0) {
      const out = await call('DEL', cid, pod.path, config());
      assert.equal(out.status, 0, formatResult(out));
      counts.byDel++;
    } else {
      counts.byGc++;
    }
    await settled(original, `after damage ${i}`, truncate);
    await deleteNetns(pod.name);
  }
  console.log(
    `chaos: ${counts.truncated} records truncated and ${counts.deleted} deleted; settled by DEL ${counts.byDel}, by GC ${counts.byGc}; all restored`,
  );
  await doctorPasses();
});

test(`${RUNS} ledgers deleted or emptied while a VF is attached: it is never handed out twice`, async () => {
  const original = await lab.snapshot();
  const counts = { deleted: 0, emptiedRows: 0, emptiedFile: 0, refused: 0, otherVf: 0 };
  for (let i = 0; i < RUNS; i++) {
    const cid = `led${i}`;
    const pod = await added(cid);
    const db = lab.db;
    if (i % 3 === 0) {
      for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      counts.deleted++;
    } else if (i % 3 === 1) {
      const conn = new Database(db);
      conn.exec('DELETE FROM vf_claims');
      conn.close();
      counts.emptiedRows++;
    } else {
      for (const f of [`${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      writeFileSync(db, '');
      counts.emptiedFile++;
    }
    // A second container asks for the same VF by deviceID, a third for any VF of the PF.
    const pod2 = await createNetns(s, 'ch');
    const again = await call('ADD', `${cid}-b`, pod2.path, { ...config(), vlan: 200 });
    assert.equal(again.status, 1, `run ${i}: the held VF was handed out again: ${formatResult(again)}`);
    assert.equal(cniError(again)?.code, 100, formatResult(again));
    counts.refused++;
    const master = { cniVersion: '1.1.0', name: 'chaos-net', type: 'sriov', master: lab.pf(0).name };
    const other = await call('ADD', `${cid}-c`, pod2.path, master);
    assert.equal(other.status, 0, formatResult(other));
    assert.equal((other.json as { interfaces: { pciID?: string }[] }).interfaces[0]?.pciID, lab.vf(0, 1).pci);
    counts.otherVf++;
    const claims = lab.ledger().map((c) => c.pci);
    assert.deepEqual(claims, [...new Set(claims)].sort(), 'one holder per VF');
    assert.equal(claims.length, 2, `run ${i}: both attachments are in the ledger again`);
    assert.equal((await call('DEL', `${cid}-c`, pod2.path, master)).status, 0);
    assert.equal((await call('DEL', cid, pod.path, config())).status, 0);
    await settled(original, `after ledger loss ${i}`, false);
    await deleteNetns(pod.name);
    await deleteNetns(pod2.name);
  }
  console.log(
    `chaos: ledger deleted ${counts.deleted}, rows emptied ${counts.emptiedRows}, file emptied ${counts.emptiedFile}; same VF refused ${counts.refused}/${RUNS}, another VF given ${counts.otherVf}/${RUNS}; all restored`,
  );
  await doctorPasses();
});

test('a bare exec and VERSION change nothing on disk', async () => {
  const fresh = s.mkdir('bare-state');
  const env = { ...lab.env, VFNET_STATE_DIR: fresh };
  for (const command of [undefined, 'VERSION', 'version', 'BOGUS']) {
    const e: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env };
    if (command) e.CNI_COMMAND = command;
    await run(SRIOV_BIN, [], { env: e, cleanEnv: true, input: '{"cniVersion":"1.1.0","name":"n","type":"sriov"}' });
  }
  assert.deepEqual(readdirSync(fresh), [], 'no database, no lock directory, no record');
});
