// sriov-cni cache files that cannot be read (issue 10, after the takeover): truncated JSON, the
// wrong types, a directory where the file should be, an unreadable file. Each is kept aside
// under a name that says so (never deleted), its VF is reset to safe defaults (or, for vfnet's
// own attachment, restored exactly from vfnet's record), and DEL, GC and sweep settle it once
// instead of failing or leaving the VF configured for a pod that is gone. On main, DEL exited 0
// and left the VF on VLAN 100 with the pod's admin MAC, and the file in place for ever.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CniError } from '../../../src/cni/index.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { goAdd } from '../../support/go-sriov-cni.js';
import {
  IPAM,
  PF,
  type PluginEnv,
  POD,
  POD2,
  cniRequest as request,
  sriovEnv,
  VF0,
  VF1,
} from '../../support/sriov-env.js';

const GO_CONF = { deviceID: VF0, vlan: 100, mac: 'ca:fe:c0:ff:ee:01', spoofchk: 'off', trust: 'on', ...IPAM };
const CACHE = 'c1-net1';
const ASIDE = /^c1-net1\.damaged-\d{8}T\d{6}\.\d{3}Z$/;

type Damage = 'truncated' | 'wrong types' | 'a directory' | 'unreadable';
const DAMAGES: Damage[] = ['truncated', 'wrong types', 'a directory', 'unreadable'];

/** Damages the cache file `name` as `how`; returns the bytes that should be kept aside (null: none). */
function damage(env: PluginEnv, how: Damage, name = CACHE): string | null {
  const files = env.host.fake.sriovCniFiles;
  const text = files.read(name)!;
  let kept: string | null = null;
  if (how === 'truncated') kept = text.slice(0, 120);
  else if (how === 'wrong types') kept = JSON.stringify({ ...JSON.parse(text), vlan: '100', VFID: 'zero' });
  if (kept !== null) files.write(name, kept);
  else {
    files.remove(name);
    files.unreadable.set(name, how === 'a directory' ? 'EISDIR' : 'EACCES');
  }
  return kept;
}

function asideNames(env: PluginEnv): string[] {
  const files = env.host.fake.sriovCniFiles;
  return [...files.files.keys(), ...files.unreadable.keys()].filter((n) => n.includes('.damaged-'));
}

/** The VF's PF-level state, and where its netdev is. */
function vf0State(env: PluginEnv) {
  const c = env.host.fake.vfConfig(PF, 0);
  const home = env.host.fake.snapshot().links.find((l) => l.ns === 'host' && /^enp175s(6|0f1v0)$/.test(l.name));
  return {
    vlan: c.vlan,
    mac: c.mac,
    spoofchk: c.spoofchk,
    trust: c.trust,
    inPod: !!env.host.fake.link(POD, 'net1'),
    home: !!home,
  };
}

const SAFE = { vlan: 0, mac: '00:00:00:00:00:00', spoofchk: true, trust: false, inPod: false, home: true };

describe("a damaged sriov-cni cache of the Go plugin's attachment", () => {
  let env: PluginEnv;
  beforeEach(() => {
    env = sriovEnv();
  });

  for (const how of DAMAGES) {
    it(`${how}: DEL keeps it aside, resets the VF to safe defaults, names the file; a second DEL has nothing to do`, () => {
      goAdd(env, 'master');
      const kept = damage(env, how);
      env.plugin.del(request('DEL', GO_CONF));
      assert.deepEqual(vf0State(env), SAFE);
      const aside = asideNames(env);
      assert.equal(aside.length, 1, `kept aside: ${aside}`);
      assert.match(aside[0]!, ASIDE);
      if (kept !== null) assert.equal(env.host.fake.sriovCniFiles.read(aside[0]!), kept, 'its bytes are kept');
      assert.equal(env.host.fake.sriovCniFiles.read(CACHE), null);
      assert.equal(env.host.fake.sriovCniFiles.read(`pci/${VF0}`), null, 'the marker goes');
      const log = env.logs.join('');
      assert.match(
        log,
        new RegExp(`sriov-cni cache /var/lib/cni/sriov/${CACHE}.*kept aside as /var/lib/cni/sriov/c1-net1\\.damaged-`),
      );
      assert.match(log, /resetting the VF to safe defaults/);
      assert.equal(env.host.fake.processes.callsFor('DEL').length, 1, "IPAM DEL with the DEL's config");
      env.plugin.del(request('DEL', GO_CONF));
      assert.equal(asideNames(env).length, 1, 'nothing more is moved');
      // The VF is free for the next pod, with nothing of the previous one.
      env.plugin.add(request('ADD', { deviceID: VF0 }, { containerId: 'c2', netns: POD2 }));
    });
  }

  it('with no deviceID left and no marker (v2.4 writes none), the pod link names the VF by the MAC its PF lists', () => {
    goAdd(env, 'v2.4');
    assert.equal(env.host.fake.sriovCniFiles.read(`pci/${VF0}`), null);
    damage(env, 'a directory');
    env.plugin.del(request('DEL', GO_CONF));
    assert.deepEqual(vf0State(env), SAFE);
    assert.equal(asideNames(env).length, 1);
  });

  it('with nothing to tell the VF by, DEL still succeeds, keeps the file aside and says so', () => {
    goAdd(env, 'v2.4');
    damage(env, 'unreadable');
    env.host.fake.destroyNetns(POD);
    env.plugin.del(request('DEL', GO_CONF, { netns: '' }));
    assert.equal(asideNames(env).length, 1);
    assert.match(env.logs.join(''), /c1-net1: neither it nor a marker says which VF c1\/net1 had; nothing reset/);
  });

  it('CHECK fails with code 106 naming the file, and moves nothing', () => {
    goAdd(env, 'v2.4');
    const kept = damage(env, 'truncated');
    assert.throws(
      () => env.plugin.check(request('CHECK', GO_CONF)),
      (e: unknown) =>
        e instanceof CniError &&
        e.code === SriovCode.RecordDamaged &&
        /\/var\/lib\/cni\/sriov\/c1-net1 is not JSON/.test(e.message),
    );
    assert.equal(env.host.fake.sriovCniFiles.read(CACHE), kept);
  });

  it("GC settles this network's damaged cache that is not valid, and leaves a valid one's alone", () => {
    goAdd(env, 'master', { cid: 'c1', netns: POD, vf: 0 });
    goAdd(env, 'master', { cid: 'c2', netns: POD2, vf: 1 });
    damage(env, 'truncated', 'c1-net1');
    damage(env, 'truncated', 'c2-net1');
    const gc = (valid: { containerID: string; ifname: string }[]) =>
      env.plugin.gc(
        request(
          'GC',
          { cniVersion: '1.1.0', master: PF, 'cni.dev/valid-attachments': valid },
          { containerId: '', netns: '', ifname: '' },
        ),
      );
    gc([{ containerID: 'c2', ifname: 'net1' }]);
    assert.deepEqual(vf0State(env), SAFE);
    assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 100, 'the valid one is untouched');
    assert.deepEqual(
      asideNames(env).map((n) => n.split('.')[0]),
      ['c1-net1'],
    );
    assert.ok(env.host.fake.sriovCniFiles.read('c2-net1'), 'the valid one stays in place');
    gc([{ containerID: 'c2', ifname: 'net1' }]);
    assert.equal(asideNames(env).length, 1, 'a second GC has nothing to do');
  });

  it('sweep settles a damaged cache whose marker names a dead netns, and leaves one it cannot judge', async () => {
    goAdd(env, 'master', { cid: 'c1', netns: POD, vf: 0 });
    goAdd(env, 'master', { cid: 'c2', netns: POD2, vf: 1 });
    damage(env, 'wrong types', 'c1-net1');
    damage(env, 'a directory', 'c2-net1');
    env.host.fake.destroyNetns(POD);
    const report = await env.plugin.sweep({}, []);
    assert.deepEqual(
      report.swept.map((s) => [s.source, s.containerId, s.pci, s.errors]),
      [['sriov-cni', 'c1', VF0, []]],
    );
    assert.match(
      report.swept[0]!.why,
      /netns .*pod1 is gone.*c1-net1 was damaged: kept aside, the VF reset to safe defaults/,
    );
    assert.deepEqual(vf0State(env), SAFE);
    assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 100, "the live pod's VF is untouched");
    assert.equal((await env.plugin.sweep({}, [])).swept.length, 0, 'a second sweep has nothing to do');
  });
});

describe("a damaged mirror of vfnet's own attachment", () => {
  let env: PluginEnv;
  beforeEach(() => {
    env = sriovEnv();
  });

  for (const how of DAMAGES) {
    it(`${how}: the VF stays held, DEL restores it exactly from vfnet's record and keeps the mirror aside`, () => {
      const before = env.host.fake.snapshot();
      env.plugin.add(request('ADD', GO_CONF));
      damage(env, how);
      // sriov-cni's DEL would have removed the mirror: a damaged one is no sign that it ran.
      assert.throws(
        () => env.plugin.add(request('ADD', { deviceID: VF0 }, { containerId: 'c2', netns: POD2 })),
        (e: unknown) => e instanceof CniError && e.code === SriovCode.VfInUse,
      );
      env.plugin.del(request('DEL', GO_CONF));
      const after = env.host.fake.snapshot();
      assert.deepEqual([after.links, after.vfs], [before.links, before.vfs]);
      assert.equal(asideNames(env).length, 1);
      assert.match(asideNames(env)[0]!, ASIDE);
      assert.deepEqual(env.ledger.all(), []);
    });
  }

  it('the damaged mirror of a VF held elsewhere is set aside without touching that VF', () => {
    env.plugin.add(request('ADD', { deviceID: VF1, vlan: 9 }, { containerId: 'c2', netns: POD2 }));
    goAdd(env, 'master', { cid: 'c1', netns: POD, vf: 0 });
    // A damaged cache whose remains name the VF that c2 holds: c2's VF is never reset.
    env.host.fake.sriovCniFiles.write(CACHE, `{"cniVersion":"0.4.0","name":"net-a","deviceID":"${VF1}","vl`);
    env.host.fake.sriovCniFiles.remove(`pci/${VF0}`);
    env.plugin.del(request('DEL', GO_CONF));
    assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 9);
    assert.match(
      env.logs.join(''),
      /VF 0000:af:06.1 of damaged .*c1-net1 belongs to another attachment now; left alone/,
    );
    assert.equal(asideNames(env).length, 1);
  });
});
