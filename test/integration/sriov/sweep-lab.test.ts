// `vfnet sweep` on the simulated host, with the plugin binary and real namespaces: a pod dies
// without a DEL (its netns deleted; the VF netdev comes home under the pod's name, as a physical
// netdev does), another stays; the sweep restores the dead one's VF exactly, releases its claim
// and addresses, reports it, and leaves the live one alone. Then the same for an attachment the
// Go plugin made (its cache, the layout of sriov-cni v2.4), and for a record of a previous boot.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../../support/exec.js';
import { labFor, type TestLab } from '../../support/lab.js';
import { sh } from '../../support/lab-helpers.js';
import { createNetns, deleteNetns } from '../../support/netns.js';
import { DEBIAN_CNI_DIR, REPO_ROOT, SRIOV_BIN } from '../../support/paths.js';
import { execPlugin, type PluginCall } from '../../support/plugin.js';
import { Scratch } from '../../support/scratch.js';

let s: Scratch;
let lab: TestLab;
before(() => {
  s = new Scratch('vfnet-sweep');
  lab = labFor(s, { pfs: 1, vfsPerPf: 3 });
});
after(async () => {
  await s.dispose();
});

const conf = (deviceID: string, vlan: number) => ({
  cniVersion: '1.0.0',
  name: 'sweep-net',
  type: 'sriov',
  deviceID,
  vlan,
  mac: `02:00:00:5e:00:0${vlan % 10}`,
  spoofchk: 'off',
  trust: 'on',
  ipam: { type: 'host-local', dataDir: s.path('ipam'), subnet: '10.78.0.0/24' },
});
const peerDir = () => s.path('sriov-cni');
const call = (command: PluginCall['command'], containerId: string, netns: string): PluginCall => ({
  command,
  containerId,
  netns,
  ifname: 'net1',
  env: { ...lab.env, VFNET_SRIOV_CNI_DIR: peerDir() },
});
const addresses = () =>
  readdirSync(join(s.path('ipam'), 'sweep-net'))
    .filter((n) => /^\d/.test(n))
    .sort();

/** What a physical netdev does when its netns dies: back to the host, still named as in the pod. */
function podDies(netnsName: string): void {
  sh('ip', ['-n', netnsName, 'link', 'set', 'net1', 'netns', '1']);
  sh('ip', ['netns', 'del', netnsName]);
}

async function sweep(): Promise<{
  status: number;
  report: {
    swept: { pci: string; source: string; why: string; errors: string[] }[];
    live: number;
    deferred: unknown[];
  };
}> {
  const out = await run(process.execPath, [
    join(REPO_ROOT, 'dist/bin/vfnet'),
    'sweep',
    '--sysfs-root',
    lab.dir,
    '--state-dir',
    lab.stateDir,
    '--sriov-cni-dir',
    peerDir(),
    '--cni-path',
    DEBIAN_CNI_DIR,
    '--json',
  ]);
  assert.ok(out.stdout.startsWith('{'), `${out.stdout}${out.stderr}`);
  return { status: out.status ?? -1, report: JSON.parse(out.stdout) };
}

const pfView = (pci: string) => {
  const v = lab.show().vfs.find((x) => x.pci === pci)!;
  return JSON.stringify(v);
};

test('a pod that died without DEL is swept; a live one is not touched', async () => {
  const [dead, live] = [lab.vf(0, 0), lab.vf(0, 1)];
  const original = pfView(dead.pci);
  const podA = await createNetns(s, 'vs');
  const podB = await createNetns(s, 'vs');
  for (const [vf, pod, cid, vlan] of [
    [dead, podA, 'dead', 11],
    [live, podB, 'live', 12],
  ] as const) {
    const out = await execPlugin(SRIOV_BIN, call('ADD', cid, pod.path), conf(vf.pci, vlan));
    assert.equal(out.status, 0, out.stdout + out.stderr);
  }
  assert.equal(addresses().length, 2);
  podDies(podA.name);

  const { status, report } = await sweep();
  assert.equal(status, 0, JSON.stringify(report));
  assert.deepEqual(
    report.swept.map((x) => [x.pci, x.source, x.errors]),
    [[dead.pci, 'vfnet', []]],
  );
  assert.match(report.swept[0]!.why, /netns .* is gone/);
  assert.equal(report.live, 1);
  assert.equal(pfView(dead.pci), original, 'the VF is exactly as before its ADD');
  assert.deepEqual(
    lab.ledger().map((c) => c.containerId),
    ['live'],
  );
  assert.equal(addresses().length, 1, "the dead pod's address is released");
  assert.equal((await sweep()).report.swept.length, 0, 'nothing left to sweep');

  const del = await execPlugin(SRIOV_BIN, call('DEL', 'live', podB.path), conf(live.pci, 12));
  assert.equal(del.status, 0, del.stdout + del.stderr);
  await deleteNetns(podB.name);
});

test('an attachment sriov-cni made, whose pod died, is swept from its cache', async () => {
  const vf = lab.vf(0, 2);
  const original = pfView(vf.pci);
  const pod = await createNetns(s, 'vs');
  // Make the attachment with vfnet, then turn its mirror into a cache as sriov-cni v2.4 writes it
  // (no marker, no vfnet record): the state a node has right after the binary was swapped in.
  const out = await execPlugin(SRIOV_BIN, call('ADD', 'gopod', pod.path), conf(vf.pci, 13));
  assert.equal(out.status, 0, out.stdout + out.stderr);
  const cacheFile = join(peerDir(), 'gopod-net1');
  const cache = JSON.parse(sh('cat', [cacheFile])) as Record<string, unknown>;
  delete cache.vfnet;
  delete (cache.OrigVfState as Record<string, unknown>).Trust;
  writeFileSync(cacheFile, JSON.stringify(cache));
  sh('rm', ['-f', join(peerDir(), 'pci', vf.pci), join(lab.stateDir, 'att-gopod-net1.json')]);
  podDies(pod.name);

  const { status, report } = await sweep();
  assert.equal(status, 0, JSON.stringify(report));
  assert.deepEqual(
    report.swept.map((x) => [x.pci, x.source]),
    [[vf.pci, 'sriov-cni']],
  );
  assert.equal(pfView(vf.pci), original);
  assert.deepEqual(
    readdirSync(peerDir()).filter((n) => n.startsWith('gopod')),
    [],
  );
});

test('a record of a previous boot is settled even though its netns still exists', async () => {
  const vf = lab.vf(0, 0);
  const original = pfView(vf.pci);
  const bootId = join(lab.dir, 'proc/sys/kernel/random/boot_id');
  sh('mkdir', ['-p', join(lab.dir, 'proc/sys/kernel/random')]);
  writeFileSync(bootId, 'boot-before\n');
  const pod = await createNetns(s, 'vs');
  const out = await execPlugin(SRIOV_BIN, call('ADD', 'oldboot', pod.path), conf(vf.pci, 14));
  assert.equal(out.status, 0, out.stdout + out.stderr);
  writeFileSync(bootId, 'boot-after\n');
  const { report } = await sweep();
  assert.deepEqual(
    report.swept.map((x) => x.pci),
    [vf.pci],
  );
  assert.match(report.swept[0]!.why, /previous boot/);
  assert.equal(pfView(vf.pci), original);
  await deleteNetns(pod.name);
});

test('vfnet agent sweeps at start: a pod that died before it started is settled', async () => {
  const vf = lab.vf(0, 1);
  const original = pfView(vf.pci);
  const pod = await createNetns(s, 'vs');
  const out = await execPlugin(SRIOV_BIN, call('ADD', 'beforeagent', pod.path), conf(vf.pci, 15));
  assert.equal(out.status, 0, out.stdout + out.stderr);
  podDies(pod.name);
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
      '--state-dir',
      lab.stateDir,
      '--sriov-cni-dir',
      peerDir(),
      '--cni-path',
      DEBIAN_CNI_DIR,
      '--hostname',
      'sweep-host',
    ],
    { timeoutMs: 120_000 },
  );
  assert.match(agent.stdout, new RegExp(`sweep: swept +${vf.pci.replace(/\./g, '\\.')}`), agent.stdout + agent.stderr);
  assert.equal(pfView(vf.pci), original);
  assert.deepEqual(lab.ledger(), []);
});
