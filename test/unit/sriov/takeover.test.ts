// Takeover from sriov-cni and back, and the sweeper, on the in-memory host: attachments the Go
// plugin made (its cache in each shape from v2.0 to master, its markers, its flock) are deleted,
// checked and collected by vfnet; vfnet's own attachments leave a cache the Go plugin can read.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CniError } from '../../../src/cni/index.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { parseCache } from '../../../src/sriov/sriov-cni/cache.js';
import { goAdd } from '../../support/go-sriov-cni.js';
import {
  type PluginEnv as Env,
  IPAM,
  PF,
  POD,
  POD2,
  cniRequest as request,
  sriovEnv as setup,
  VF0,
  VF1,
} from '../../support/sriov-env.js';

const GO_CONF = { deviceID: VF0, vlan: 100, mac: 'ca:fe:c0:ff:ee:01', spoofchk: 'off', trust: 'on', ...IPAM };

const vf0 = (v: ReturnType<typeof hostView>) => Object.values(v.vfs)[0]![0];

function hostView(env: Env) {
  const s = env.host.fake.snapshot();
  return { links: s.links.filter((l) => l.ns === 'host'), vfs: s.vfs };
}

describe('takeover from sriov-cni', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  for (const version of ['v2.0', 'v2.4', 'master'] as const) {
    it(`DEL of a ${version} attachment restores the VF from its cache and drops the cache and marker`, () => {
      const before = hostView(env);
      goAdd(env, version);
      env.plugin.del(request('DEL', GO_CONF));
      assert.deepEqual(hostView(env), before);
      assert.deepEqual([...env.host.fake.sriovCniFiles.files.keys()], []);
      assert.equal(env.host.fake.processes.callsFor('DEL').length, 1, 'IPAM DEL ran');
    });
  }

  it('DEL of a Go attachment whose netns is gone restores the VF the kernel brought home', () => {
    const before = hostView(env);
    goAdd(env, 'master');
    env.host.fake.destroyNetns(POD);
    env.plugin.del(request('DEL', GO_CONF, { netns: '' }));
    assert.deepEqual(hostView(env), before);
  });

  it('CHECK passes on a Go attachment and notices drift', () => {
    goAdd(env, 'v2.4');
    env.plugin.check(request('CHECK', GO_CONF));
    env.host.pf.setVlan(PF, 0, 200, 0, '802.1q');
    assert.throws(
      () => env.plugin.check(request('CHECK', GO_CONF)),
      (e: unknown) => e instanceof CniError && e.code === SriovCode.CheckFailed && /vlan/.test(e.message),
    );
  });

  it('GC releases Go attachments missing from the valid list, and only those', () => {
    const before = hostView(env);
    goAdd(env, 'master', { cid: 'c1', netns: POD, vf: 0 });
    goAdd(env, 'master', { cid: 'c2', netns: POD2, vf: 1 });
    env.plugin.gc(
      request(
        'GC',
        { cniVersion: '1.1.0', master: PF, 'cni.dev/valid-attachments': [{ containerID: 'c2', ifname: 'net1' }] },
        { containerId: '', netns: '', ifname: '' },
      ),
    );
    assert.deepEqual(vf0(hostView(env)), vf0(before));
    assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 100, 'the valid one is untouched');
    assert.deepEqual([...env.host.fake.sriovCniFiles.files.keys()].sort(), ['c2-net1', `pci/${VF1}`]);
  });

  it('ADD never takes a VF that a marker gives to a live netns; master skips it', () => {
    env.host.fake.sriovCniFiles.write(`pci/${VF0}`, POD2);
    env.host.fake.sriovCniFiles.write(
      'g-net1',
      JSON.stringify({ name: 'net-a', deviceID: VF0, OrigVfState: {}, DPDKMode: true }),
    );
    assert.throws(
      () => env.plugin.add(request('ADD', { deviceID: VF0 })),
      (e: unknown) => e instanceof CniError && e.code === SriovCode.VfInUse && /marker/.test(e.details ?? ''),
    );
    const r = env.plugin.add(request('ADD', { master: PF })) as { interfaces: Array<{ pciID?: string }> };
    assert.equal(r.interfaces[0]?.pciID, VF1);
  });

  it('ADD on a VF left by a dead Go pod restores it from the cache first and releases its addresses', () => {
    goAdd(env, 'master', { cid: 'old', netns: POD2 });
    env.host.fake.destroyNetns(POD2);
    env.host.fake.processes.calls.length = 0;
    env.plugin.add(request('ADD', { deviceID: VF0, ...IPAM }));
    assert.equal(
      env.host.fake.vfConfig(PF, 0).vlan,
      0,
      'the old VLAN went before this ADD recorded the original state',
    );
    const dels = env.host.fake.processes.callsFor('DEL');
    assert.deepEqual(
      dels.map((c) => c.env.CNI_CONTAINERID),
      ['old'],
    );
    assert.equal(env.host.fake.sriovCniFiles.read('old-net1'), null);
  });

  it('drops a live marker that no cache backs (sriov-cni v2.4 removed the cache, not the marker)', () => {
    env.host.fake.sriovCniFiles.write(`pci/${VF0}`, POD2);
    env.plugin.add(request('ADD', { deviceID: VF0 }));
    assert.equal(env.host.fake.sriovCniFiles.read(`pci/${VF0}`), POD);
  });

  it("waits on sriov-cni's flock of the VF, and times out with code 11 while the Go plugin holds it", () => {
    env.host.fake.sriovCniLocks.holdExternally(VF0);
    assert.throws(
      () => env.plugin.add(request('ADD', { deviceID: VF0 })),
      (e: unknown) => e instanceof CniError && e.code === 11,
    );
  });
});

describe('rollback to sriov-cni', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  it("ADD leaves sriov-cni's cache and marker, read back as what ADD did; DEL removes both", () => {
    env.plugin.add(request('ADD', { ...GO_CONF, vlanQoS: 2, max_tx_rate: 300 }));
    const text = env.host.fake.sriovCniFiles.read('c1-net1');
    assert.ok(text, 'cache written');
    const raw = JSON.parse(text) as Record<string, unknown>;
    // The fields sriov-cni v2.4's and master's DEL read.
    assert.deepEqual(
      [
        raw.deviceID,
        raw.Master,
        raw.VFID,
        raw.ContIFNames,
        raw.MAC,
        raw.vlan,
        raw.vlanQoS,
        raw.spoofchk,
        raw.trust,
        raw.max_tx_rate,
      ],
      [VF0, PF, 0, 'net1', 'ca:fe:c0:ff:ee:01', 100, 2, 'off', 'on', 300],
    );
    const c = parseCache(text, 'cache');
    assert.equal(c.original?.hostIfName, 'enp175s6');
    assert.deepEqual(
      [c.original?.vlan, c.original?.spoofchk, c.original?.trust, c.original?.adminMac],
      [0, true, false, '00:00:00:00:00:00'],
    );
    assert.equal(env.host.fake.sriovCniFiles.read(`pci/${VF0}`), POD);
    env.plugin.del(request('DEL', GO_CONF));
    assert.deepEqual([...env.host.fake.sriovCniFiles.files.keys()], []);
  });

  it("after sriov-cni's DEL of a vfnet attachment (cache gone), vfnet forgets it without touching the VF", async () => {
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 5 }));
    // sriov-cni v2.4's DEL: the VF restored, the cache removed, the marker (unknown to it) left.
    env.host.fake.sriovCniFiles.remove('c1-net1');
    env.host.pf.setVlan(PF, 0, 0, 0, '802.1q');
    env.host.links.moveAndRename(POD, 'net1', null, 'enp175s6');
    // ... and a new Go pod took the VF.
    env.host.pf.setVlan(PF, 0, 77, 0, '802.1q');
    const report = await env.plugin.sweep({}, []);
    assert.match(report.swept[0]?.why ?? '', /sriov-cni's DEL undid it/);
    assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 77, 'the VF was left alone');
    assert.deepEqual(env.ledger.all(), []);
    env.host.pf.setVlan(PF, 0, 0, 0, '802.1q');
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 6 }));
    assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 6, 'the same container can ADD again');
  });

  it('a failed ADD leaves no cache and no marker', () => {
    env.host.fake.processes.failIpam(11, 'no addresses', ['ADD']);
    assert.throws(() => env.plugin.add(request('ADD', GO_CONF)));
    assert.deepEqual([...env.host.fake.sriovCniFiles.files.keys()], []);
  });
});

describe('sweeper', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  it('settles an attachment whose netns is gone, IPAM included, and never touches a live one', async () => {
    const before = hostView(env);
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 7, ...IPAM }));
    env.plugin.add(request('ADD', { deviceID: VF1, vlan: 8, ...IPAM }, { containerId: 'c2', netns: POD2 }));
    env.host.fake.destroyNetns(POD);
    env.host.fake.processes.calls.length = 0;
    const report = await env.plugin.sweep({}, ['/opt/cni/bin']);
    assert.deepEqual(
      report.swept.map((s) => [s.pci, s.containerId, s.errors]),
      [[VF0, 'c1', []]],
    );
    assert.equal(report.live, 1);
    assert.deepEqual(vf0(hostView(env)), vf0(before));
    assert.ok(env.host.fake.link(null, 'enp175s6'), 'home under its own name');
    assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 8, 'the live attachment is untouched');
    assert.deepEqual(
      env.ledger.all().map((c) => c.pci),
      [VF1],
    );
    const del = env.host.fake.processes.callsFor('DEL');
    assert.deepEqual(
      del.map((c) => [c.env.CNI_CONTAINERID, c.env.CNI_IFNAME, JSON.parse(c.stdin).ipam.type]),
      [['c1', 'net1', 'host-local']],
    );
    assert.equal(env.host.fake.sriovCniFiles.read('c1-net1'), null, 'its sriov-cni mirror went too');
    assert.equal((await env.plugin.sweep({}, [])).swept.length, 0, 'a second sweep has nothing to do');
  });

  it('settles records of a previous boot at once, even with their netns still there', async () => {
    env.host.fake.sysfs.writeFile('proc/sys/kernel/random/boot_id', 'boot-1');
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 7 }));
    env.host.fake.sysfs.writeFile('proc/sys/kernel/random/boot_id', 'boot-2');
    const report = await env.plugin.sweep({}, []);
    assert.match(report.swept[0]?.why ?? '', /previous boot/);
    assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 0);
  });

  it('leaves an attachment whose VF is locked by a running command for the next sweep', async () => {
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 7 }));
    env.host.fake.destroyNetns(POD);
    const release = env.host.fake.locks.holdExternally(`vf-${VF0}`);
    const first = await env.plugin.sweep({}, []);
    assert.deepEqual([first.swept.length, first.deferred.length], [0, 1]);
    release();
    assert.equal((await env.plugin.sweep({}, [])).swept.length, 1);
  });

  it('settles Go attachments whose marker names a dead netns, or whose VF came home without a marker', async () => {
    const before = hostView(env);
    goAdd(env, 'master', { cid: 'g1', netns: POD, vf: 0 });
    goAdd(env, 'v2.4', { cid: 'g2', netns: POD2, vf: 1 });
    env.host.fake.destroyNetns(POD);
    env.host.fake.destroyNetns(POD2);
    const report = await env.plugin.sweep({}, ['/opt/cni/bin']);
    assert.deepEqual(report.swept.map((s) => [s.source, s.containerId]).sort(), [
      ['sriov-cni', 'g1'],
      ['sriov-cni', 'g2'],
    ]);
    assert.deepEqual(hostView(env), before);
    assert.deepEqual([...env.host.fake.sriovCniFiles.files.keys()], []);
  });
});
