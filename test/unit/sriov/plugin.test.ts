// The plugin's commands on the in-memory host: every change ADD makes is undone by DEL or by a
// failure, exactly; errors carry the documented codes and change nothing.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { VfAccounting } from '../../../src/accounting/port.js';
import { CniError, type CniResult } from '../../../src/cni/index.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { IGB_ADMIN_MAC, IGB_REFUSALS } from '../../support/fake-host/host.js';
import {
  type PluginEnv as Env,
  IPAM,
  PF,
  POD,
  POD2,
  pluginOn,
  cniRequest as request,
  sriovEnv,
  VF0,
  VF1,
} from '../../support/sriov-env.js';

function setup(refusals = {}, adminMac = {}): Env {
  return sriovEnv({ pf: { refusals, adminMac }, morePfs: [{ name: 'ens2f0', pci: '0000:3b:00.0', numvfs: 0 }] });
}

const FULL = {
  deviceID: VF0,
  vlan: 100,
  vlanQoS: 3,
  mac: 'ca:fe:c0:ff:ee:01',
  spoofchk: 'off',
  trust: 'on',
  max_tx_rate: 1000,
  ...IPAM,
};

function cniError(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CniError, `expected a CniError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

/** Everything a run can change, minus the lock directory (locks are released, not removed). */
function snapshot(env: Env) {
  const s = env.host.fake.snapshot();
  // Per-interface sysctls vanish with the interface in the kernel; the fake keeps them.
  return { ...s, locks: [], sysctls: {}, ledger: env.ledger.all() };
}

describe('sriov plugin on a fake host', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  it('ADD moves the VF into the pod, configured, and DEL restores everything exactly', () => {
    const before = snapshot(env);
    const result = env.plugin.add(request('ADD', FULL)) as CniResult;
    assert.deepEqual(result.interfaces, [
      { name: 'net1', mac: 'ca:fe:c0:ff:ee:01', sandbox: POD, pciID: VF0, mtu: 1500 },
    ]);
    assert.equal(result.ips[0]?.interface, 0);
    const link = env.host.fake.link(POD, 'net1');
    assert.ok(link, 'net1 is in the pod');
    assert.equal(link.mac, 'ca:fe:c0:ff:ee:01');
    assert.equal(link.up, true);
    assert.deepEqual(link.addresses, [result.ips[0]!.address]);
    assert.equal(env.host.fake.link(null, 'enp175s6'), undefined, 'gone from the host');
    const vf = env.host.fake.vfConfig(PF, 0);
    assert.deepEqual(
      [vf.vlan, vf.qos, vf.mac, vf.spoofchk, vf.trust, vf.maxTxRate],
      [100, 3, 'ca:fe:c0:ff:ee:01', false, true, 1000],
    );
    assert.equal(env.host.fake.sysctl(POD, 'net/ipv4/conf/net1/arp_notify'), '1');

    env.plugin.del(request('DEL', FULL));
    assert.deepEqual(snapshot(env), before);
  });

  it('moves and names the VF in one request, with no temporary namespace', () => {
    env.plugin.add(request('ADD', FULL));
    assert.ok(env.host.fake.calls.includes(`LinkSetNsFd enp175s6 ${POD} name net1`), env.host.fake.calls.join('\n'));
    assert.equal(
      env.host.fake.calls.some((c) => c.includes('vfnet-tmp')),
      false,
    );
  });

  it('a VF with altnames goes through a temporary namespace, and DEL restores it, altnames and all', () => {
    env.host.fake.link(null, 'enp175s6')!.altnames.push('enp175s0f1v0', 'net1');
    const before = snapshot(env);
    env.plugin.add(request('ADD', FULL));
    assert.ok(
      env.host.fake.calls.some((c) => c.includes('vfnet-tmp')),
      'went through a temporary namespace',
    );
    assert.ok(env.host.fake.link(POD, 'net1'));
    env.plugin.del(request('DEL', FULL));
    const after = snapshot(env);
    // The altname that equalled the pod's interface name had to go (it would clash); the other stays.
    const vfLink = (x: typeof after) => x.links.find((l) => l.name === 'enp175s6');
    assert.deepEqual(vfLink(after)?.altnames, ['enp175s0f1v0']);
    assert.deepEqual({ ...after, links: [] }, { ...before, links: [] });
  });

  it('touches only the attributes that were configured', () => {
    env.plugin.add(request('ADD', { deviceID: VF0 }));
    assert.deepEqual(
      env.host.fake.calls.filter((c) => c.startsWith('LinkSetVf')),
      [],
    );
    env.plugin.del(request('DEL', { deviceID: VF0 }));
    assert.deepEqual(
      env.host.fake.calls.filter((c) => c.startsWith('LinkSetVf')),
      [],
    );
  });

  it('applies PF-level settings in sriov-cni order and records the VLAN call in its format', () => {
    env.plugin.add(
      request('ADD', {
        deviceID: VF0,
        vlan: 1234,
        mac: '02:00:00:00:00:01',
        max_tx_rate: 10,
        spoofchk: 'on',
        trust: 'off',
        link_state: 'enable',
      }),
    );
    const calls = env.host.fake.calls.filter((c) => c.startsWith('LinkSetVf')).map((c) => c.split(' ')[0]);
    assert.deepEqual(calls, [
      'LinkSetVfVlanQosProto',
      'LinkSetVfHardwareAddr',
      'LinkSetVfRate',
      'LinkSetVfSpoofchk',
      'LinkSetVfTrust',
      'LinkSetVfState',
    ]);
    assert.ok(env.host.fake.calls.includes(`LinkSetVfVlanQosProto ${PF} 0 1234 0 33024`));
  });

  describe('bad input changes nothing', () => {
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ['vlan 4095', { deviceID: VF0, vlan: 4095 }, 7, /"vlan": 4095/],
      ['trust yes', { deviceID: VF0, trust: 'yes' }, 7, /"trust": "yes"/],
      ['no selector', {}, 7, /"deviceID".*"master".*"physnet"/],
      [
        'a PF as deviceID',
        { deviceID: '0000:af:00.1' },
        SriovCode.DeviceUnusable,
        /is not an SR-IOV VF \(it has no physfn/,
      ],
      ['a missing device', { deviceID: '0000:af:07.0' }, SriovCode.DeviceUnusable, /no PCI device with that address/],
      ['master without VFs', { master: 'ens2f0' }, SriovCode.DeviceUnusable, /has no VFs \(sriov_numvfs is 0\)/],
      [
        'master that does not exist',
        { master: 'nope0' },
        SriovCode.DeviceUnusable,
        /"nope0": no such network interface/,
      ],
      ['vf out of range', { master: PF, vf: 5 }, SriovCode.DeviceUnusable, /"vf": 5 does not exist/],
    ];
    for (const [label, config, code, msg] of cases) {
      it(label, () => {
        const before = snapshot(env);
        cniError(() => env.plugin.add(request('ADD', config)), code, msg);
        assert.deepEqual(snapshot(env), before);
        assert.deepEqual(
          env.host.fake.calls.filter((c) => !c.startsWith('Link') || c.startsWith('LinkSet')),
          [],
        );
      });
    }
    it('a VF with neither a netdev nor a userspace driver', () => {
      env.host.fake.addPf({
        name: 'ens4f0',
        pci: '0000:5f:00.0',
        vfs: [{ pci: '0000:5f:02.0', netdev: null, driver: null }],
      });
      const before = snapshot(env);
      cniError(
        () => env.plugin.add(request('ADD', { deviceID: '0000:5f:02.0' })),
        SriovCode.DeviceUnusable,
        /VF 0000:5f:02.0 has neither a network interface in this namespace nor a userspace driver \(driver: none\)/,
      );
      assert.deepEqual(snapshot(env), before);
    });
    it('a VF whose index is not under virtfn* (numvfs changed)', () => {
      env.host.fake.setNumVfs(PF, 1);
      const before = snapshot(env);
      cniError(() => env.plugin.add(request('ADD', { deviceID: VF1 })), SriovCode.DeviceUnusable, /0000:af:06.1/);
      assert.deepEqual(snapshot(env), before);
    });
  });

  describe('name collisions (sriov-cni #40, #250, #445)', () => {
    it('a host VF named eth0 goes into a pod that already has an eth0, as net1', () => {
      env.host.links.rename(null, 'enp175s6', 'eth0');
      env.host.fake.addLink(POD, { name: 'eth0' });
      const before = snapshot(env);
      env.plugin.add(request('ADD', FULL));
      assert.ok(env.host.fake.link(POD, 'net1'));
      env.plugin.del(request('DEL', FULL));
      assert.deepEqual(snapshot(env), before);
      assert.ok(env.host.fake.link(null, 'eth0'), 'home under its own name');
    });
    it('the original name taken in the host meanwhile: DEL says so, and a retry succeeds', () => {
      env.plugin.add(request('ADD', FULL));
      env.host.fake.addLink(null, { name: 'enp175s6' });
      cniError(
        () => env.plugin.del(request('DEL', FULL)),
        SriovCode.NetdevFailed,
        /returning net1 to the host as enp175s6/,
      );
      env.plugin.del(request('DEL', FULL));
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 0, 'the PF-level state was restored anyway');
    });
  });

  describe('a failure midway undoes exactly what was done', () => {
    it('a setting the driver refuses (igb: link_state) rolls back the settings applied before it', () => {
      env = setup(IGB_REFUSALS);
      const before = snapshot(env);
      cniError(
        () => env.plugin.add(request('ADD', { ...FULL, link_state: 'enable' })),
        SriovCode.DriverRefused,
        /cannot set link_state enable on VF 0 of enp175s0f1 \(0000:af:06.0\): the driver does not support it/,
      );
      assert.deepEqual(snapshot(env), before);
    });
    it('an IPAM error releases the addresses and restores the VF', () => {
      env.host.fake.processes.failIpam(11, 'no addresses left', ['ADD']);
      const before = snapshot(env);
      cniError(() => env.plugin.add(request('ADD', FULL)), 11, /host-local.*no addresses left|no addresses left/);
      assert.deepEqual(snapshot(env), before);
    });
    it('the pod already has the interface name (EEXIST): the VF comes home under its own name', () => {
      env.host.fake.addLink(POD, { name: 'net1' });
      const before = snapshot(env);
      cniError(
        () => env.plugin.add(request('ADD', FULL)),
        SriovCode.NetdevFailed,
        /cannot move enp175s6 into \/var\/run\/netns\/pod1 as net1/,
      );
      assert.deepEqual(snapshot(env), before);
      assert.ok(env.host.fake.link(null, 'enp175s6'));
    });
    it('the state directory cannot be written: code 5 before any change', () => {
      env.host.fake.failAlways('StateWrite', 'EROFS');
      const before = snapshot(env);
      cniError(() => env.plugin.add(request('ADD', FULL)), 5, /cannot (record|write)/);
      assert.deepEqual(snapshot(env), before);
    });
    it('a MAC that never takes effect is reported and rolled back', () => {
      env.host.fake.failAlways('LinkSetHardwareAddr', 'EADDRNOTAVAIL');
      const before = snapshot(env);
      cniError(() => env.plugin.add(request('ADD', FULL)), SriovCode.NetdevFailed, /cannot configure net1/);
      assert.deepEqual(snapshot(env), before);
    });
  });

  describe('VF selection', () => {
    it('master picks free VFs in order and fails with 101 when none is left', () => {
      const r1 = env.plugin.add(request('ADD', { master: PF }, { containerId: 'c1' })) as CniResult;
      const r2 = env.plugin.add(request('ADD', { master: PF }, { containerId: 'c2', netns: POD2 })) as CniResult;
      assert.deepEqual([r1.interfaces[0]?.pciID, r2.interfaces[0]?.pciID], [VF0, VF1]);
      env.host.fake.addNetns('/var/run/netns/pod3');
      cniError(
        () => env.plugin.add(request('ADD', { master: PF }, { containerId: 'c3', netns: '/var/run/netns/pod3' })),
        SriovCode.NoFreeVf,
        /no free VF on enp175s0f1: all 2 VFs are in use/,
      );
      env.plugin.del(request('DEL', { master: PF }, { containerId: 'c1' }));
      const r3 = env.plugin.add(
        request('ADD', { master: PF }, { containerId: 'c3', netns: '/var/run/netns/pod3' }),
      ) as CniResult;
      assert.equal(r3.interfaces[0]?.pciID, VF0);
    });
    it('master + vf takes that VF, and a second ADD on it is refused while the owner lives', () => {
      const r = env.plugin.add(request('ADD', { master: PF, vf: 1 })) as CniResult;
      assert.equal(r.interfaces[0]?.pciID, VF1);
      cniError(
        () => env.plugin.add(request('ADD', { deviceID: VF1 }, { containerId: 'c2', netns: POD2 })),
        SriovCode.VfInUse,
        /VF 0000:af:06.1 \(enp175s0f1 VF 1\) is already in use/,
      );
    });
    it('a VF held by another call times out with code 11', () => {
      env.host.fake.locks.holdExternally(`vf-${VF0}`);
      const before = snapshot(env);
      cniError(
        () => env.plugin.add(request('ADD', { deviceID: VF0 })),
        11,
        /timed out after 0.5 s waiting for VF 0000:af:06.0/,
      );
      assert.deepEqual(snapshot(env), before);
    });
  });

  describe('DEL', () => {
    it('is idempotent: a second DEL, or one with no record, succeeds and releases IPAM', () => {
      env.plugin.add(request('ADD', FULL));
      env.plugin.del(request('DEL', FULL));
      env.plugin.del(request('DEL', FULL));
      env.plugin.del(request('DEL', FULL, { containerId: 'never-added' }));
      assert.equal(env.host.fake.processes.callsFor('DEL').length, 3);
    });
    it('keeps a corrupt record aside (never deletes it) and succeeds', () => {
      env.host.fake.state.putRaw('att-c1-net1.json', '{not json');
      env.plugin.del(request('DEL', FULL));
      assert.equal(env.host.fake.state.files.has('att-c1-net1.json'), false);
      assert.deepEqual([...env.host.fake.state.files.values()], ['{not json']);
    });
    it('with the netns gone, restores the VF that the kernel returned under the pod name', () => {
      const before = snapshot(env);
      env.plugin.add(request('ADD', FULL));
      env.host.fake.destroyNetns(POD);
      assert.ok(env.host.fake.link(null, 'net1') ?? env.host.fake.linkOfDevice(VF0), 'the kernel brought the VF home');
      env.plugin.del(request('DEL', FULL, { netns: '' }));
      const after = snapshot(env);
      assert.deepEqual(
        after.links,
        before.links.filter((l) => l.ns !== POD),
      );
      assert.deepEqual(after.vfs, before.vfs);
      assert.deepEqual(after.state, before.state);
    });
    it('never resets a VF that a newer ADD owns (the old pod died without DEL)', () => {
      env.plugin.add(request('ADD', { deviceID: VF0, vlan: 10, ...IPAM }));
      env.host.fake.destroyNetns(POD);
      // The VF is reused before the old pod's DEL arrives: the stale owner is restored first.
      env.plugin.add(request('ADD', { deviceID: VF0, vlan: 20, ...IPAM }, { containerId: 'c2', netns: POD2 }));
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 20);
      env.plugin.del(request('DEL', { deviceID: VF0, vlan: 10, ...IPAM }, { netns: '' }));
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 20, 'the late DEL left the new owner alone');
      assert.ok(env.host.fake.link(POD2, 'net1'));
      env.plugin.del(request('DEL', { deviceID: VF0, vlan: 20, ...IPAM }, { containerId: 'c2', netns: POD2 }));
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 0);
      assert.ok(env.host.fake.link(null, 'enp175s6'), 'home under its original name');
    });
  });

  describe('igb: the admin MAC as the QEMU lab measured it', () => {
    // igbvf reports its own MAC to the PF, which then lists it like an admin MAC; an admin MAC
    // set through the PF locks an untrusted VF's netdev to it.
    /** The snapshot with the PF's listing of VF 0's MAC read as igb means it: zero or an echo is "no admin MAC". */
    function adminView(e: Env) {
      const snap = snapshot(e);
      const own = e.host.fake.link(null, 'enp175s6')?.mac;
      const key = `0000:af:00.1 ${PF}`;
      const vfs = snap.vfs[key]!.map((c) => ({ ...c, mac: c.mac === own ? '00:00:00:00:00:00' : c.mac }));
      return { ...snap, vfs: { ...snap.vfs, [key]: vfs } };
    }
    it('ADD+DEL twice leaves the PF with no admin MAC and the VF free to change its MAC', () => {
      env = setup(IGB_REFUSALS, IGB_ADMIN_MAC);
      const before = adminView(env);
      for (const round of [1, 2]) {
        env.plugin.add(request('ADD', { ...FULL, mac: `02:00:00:00:00:0${round}` }));
        assert.equal(env.host.fake.link(POD, 'net1')?.mac, `02:00:00:00:00:0${round}`);
        env.plugin.del(request('DEL', FULL));
        assert.deepEqual(adminView(env), before, `round ${round}`);
      }
      env.host.links.setMac(null, 'enp175s6', '02:12:34:56:78:9a');
      assert.equal(env.host.fake.link(null, 'enp175s6')?.mac, '02:12:34:56:78:9a', 'not locked to an admin MAC');
    });
    it('a MAC the VF reported is not taken for an admin MAC', () => {
      env = setup(IGB_REFUSALS, IGB_ADMIN_MAC);
      env.host.links.setUp(null, 'enp175s6', true);
      env.host.links.setUp(null, 'enp175s6', false);
      const own = env.host.fake.link(null, 'enp175s6')!.mac;
      assert.equal(env.host.fake.vfConfig(PF, 0).mac, own, 'the PF echoes the VF');
      env.plugin.add(request('ADD', { deviceID: VF0, mac: '02:00:00:00:00:05', ...IPAM }));
      env.plugin.del(request('DEL', { deviceID: VF0, ...IPAM }));
      assert.equal(env.host.fake.link(null, 'enp175s6')?.mac, own);
      assert.equal(env.host.fake.vfConfig(PF, 0).mac, own, 'the PF echoes the VF again; no admin MAC was written');
      env.host.links.setMac(null, 'enp175s6', '02:12:34:56:78:9b');
    });
    it('a refused 802.1ad names vlanProto and is rolled back', () => {
      env = setup(IGB_REFUSALS, IGB_ADMIN_MAC);
      const before = snapshot(env);
      cniError(
        () => env.plugin.add(request('ADD', { ...FULL, vlan: 100, vlanProto: '802.1ad' })),
        SriovCode.DriverRefused,
        /cannot set vlanProto 802.1ad \(with vlan 100, vlanQoS 3\) on VF 0 of enp175s0f1 \(0000:af:06.0\): the driver does not support it/,
      );
      assert.deepEqual(snapshot(env), before);
    });
  });

  describe('physnet: claimed in the resource model first', () => {
    /** A model where each PF provider has `room` VFs left; it records who holds what. */
    function model(room: Record<string, number>) {
      const held = new Map<string, string>();
      const calls: string[] = [];
      const networks = new Map<string, string>();
      const accounting: VfAccounting = {
        target: 'http://127.0.0.1:8778',
        async candidatePfs(trait: string) {
          calls.push(`candidates ${trait}`);
          return Object.keys(room).filter((p) => room[p]! > 0);
        },
        async knows(pf: string) {
          return pf in room;
        },
        async claim(consumer: string, pf: string, network: string) {
          calls.push(`claim ${pf}`);
          if (room[pf]! <= 0) return false;
          room[pf]!--;
          held.set(consumer, pf);
          networks.set(consumer, network);
          return true;
        },
        async release(consumer: string) {
          calls.push('release');
          const pf = held.get(consumer);
          if (pf) {
            room[pf]!++;
            held.delete(consumer);
          }
        },
        async attachmentsOn(pfs: readonly string[], network: string) {
          return [...held].filter(([c, pf]) => pfs.includes(pf) && networks.get(c) === network).map(([c]) => c);
        },
      };
      return { held, calls, room, accounting };
    }
    function withModel(m: ReturnType<typeof model>, embedded = false) {
      return pluginOn(env.host, env.ledger, [], {
        accountingFor: () => m.accounting,
        pfProvider: (pci) => `rp-${pci}`,
        ...(embedded ? { embeddedModel: 'file:///var/lib/vfnet/vfnet.db' } : {}),
      });
    }
    const PHYS = { physnet: 'public', placement: { url: 'http://127.0.0.1:8778' }, ...IPAM };

    it('claims SRIOV_NET_VF on the PF provider, picks a VF there, and DEL gives both back', async () => {
      const m = model({ 'rp-0000:af:00.1': 2 });
      const plugin = withModel(m);
      const before = snapshot(env);
      const r = await plugin.add(request('ADD', PHYS));
      assert.equal(r.interfaces[0]?.pciID, VF0);
      assert.equal(m.calls[0], 'candidates CUSTOM_PHYSNET_PUBLIC');
      assert.equal(m.held.size, 1);
      await plugin.del(request('DEL', PHYS));
      assert.equal(m.held.size, 0);
      assert.deepEqual(snapshot(env), before);
    });
    it('no room in the model: code 101 naming the physnet, nothing changed', async () => {
      const m = model({ 'rp-0000:af:00.1': 0 });
      const before = snapshot(env);
      await assert.rejects(
        async () => withModel(m).add(request('ADD', PHYS)),
        (e: unknown) => {
          assert.ok(e instanceof CniError);
          assert.equal(e.code, SriovCode.NoFreeVf);
          assert.match(e.message, /no free VF on physnet "public"/);
          return true;
        },
      );
      assert.deepEqual(snapshot(env), before);
    });
    it('a failed ADD gives its model claim back', async () => {
      const m = model({ 'rp-0000:af:00.1': 2 });
      env.host.fake.processes.failIpam(11, 'no addresses left', ['ADD']);
      const before = snapshot(env);
      await assert.rejects(async () => withModel(m).add(request('ADD', PHYS)), /no addresses left/);
      assert.equal(m.held.size, 0);
      assert.deepEqual(snapshot(env), before);
    });
    it('the model says room but every local VF is busy: the claim goes back, 101', async () => {
      const m = model({ 'rp-0000:af:00.1': 5 });
      const plugin = withModel(m);
      await plugin.add(request('ADD', { master: PF }, { containerId: 'x1' }));
      await plugin.add(request('ADD', { master: PF }, { containerId: 'x2', netns: POD2 }));
      await assert.rejects(
        async () => plugin.add(request('ADD', PHYS, { containerId: 'x3' })),
        /no free VF on physnet/,
      );
      assert.equal(m.held.size, 0);
    });
    it('master on a PF the model has: claimed there too, and a full PF in the model is 101 with nothing changed', async () => {
      const m = model({ 'rp-0000:af:00.1': 1 });
      const plugin = withModel(m, true);
      const r = await plugin.add(request('ADD', { master: PF, ...IPAM }));
      assert.equal(r.interfaces[0]?.pciID, VF0);
      assert.deepEqual([...m.held.values()], ['rp-0000:af:00.1']);
      const before = snapshot(env);
      await assert.rejects(
        async () => plugin.add(request('ADD', { master: PF, ...IPAM }, { containerId: 'c2', netns: POD2 })),
        (e: unknown) => {
          assert.ok(e instanceof CniError);
          assert.equal(e.code, SriovCode.NoFreeVf);
          assert.match(e.message, /no free VF on enp175s0f1: the resource model at .* has all of its VFs allocated/);
          return true;
        },
      );
      assert.deepEqual(snapshot(env), before);
      await plugin.del(request('DEL', { master: PF, ...IPAM }));
      assert.equal(m.held.size, 0);
    });
    it('master on a PF the embedded model does not have: the ledger alone accounts for it', async () => {
      const m = model({});
      const r = await withModel(m, true).add(request('ADD', { master: PF }));
      assert.equal(r.interfaces[0]?.pciID, VF0);
      assert.equal(m.calls.filter((c) => c.startsWith('claim')).length, 0);
      assert.equal(env.ledger.read(VF0)?.containerId, 'c1');
    });
    it("an ADD that takes over the VF of a pod that died without DEL releases that pod's model claim, and only that ADD does", async () => {
      const m = model({ 'rp-0000:af:00.1': 3 });
      const plugin = withModel(m);
      await plugin.add(request('ADD', PHYS, { containerId: 'old' }));
      const [oldConsumer] = [...m.held.keys()];
      env.host.fake.destroyNetns(POD);
      const r = await plugin.add(request('ADD', PHYS, { containerId: 'new', netns: POD2 }));
      assert.equal(r.interfaces[0]?.pciID, VF0, "the dead pod's VF, restored");
      assert.equal(m.held.has(oldConsumer!), false, 'its claim went with it');
      assert.equal(m.held.size, 1);
      const releases = m.calls.filter((c) => c === 'release').length;
      await plugin.add(request('ADD', PHYS, { containerId: 'third', netns: POD2, ifname: 'net2' }));
      assert.equal(
        m.calls.filter((c) => c === 'release').length,
        releases,
        'a later ADD has nothing of the earlier one to release',
      );
      assert.equal(m.held.size, 2);
    });
    it('master with an explicit "placement" that lacks the PF: code 103, nothing changed', async () => {
      const before = snapshot(env);
      await assert.rejects(
        async () =>
          withModel(model({})).add(request('ADD', { master: PF, placement: { url: 'http://127.0.0.1:8778' } })),
        (e: unknown) => {
          assert.ok(e instanceof CniError);
          assert.equal(e.code, SriovCode.DeviceUnusable);
          assert.match(e.message, /PF enp175s0f1 is not registered in http:\/\/127.0.0.1:8778/);
          return true;
        },
      );
      assert.deepEqual(snapshot(env), before);
    });
    it('physnet with the embedded model and no "placement": claimed in the embedded store', async () => {
      const m = model({ 'rp-0000:af:00.1': 2 });
      const r = await withModel(m, true).add(request('ADD', { physnet: 'public' }));
      assert.equal(r.interfaces[0]?.pciID, VF0);
      assert.equal(m.held.size, 1);
    });
    it('physnet on a host the embedded model does not have: code 7 saying how to register it, nothing changed', async () => {
      const before = snapshot(env);
      await assert.rejects(
        async () => withModel(model({}), true).add(request('ADD', { physnet: 'public' })),
        (e: unknown) => {
          assert.ok(e instanceof CniError);
          assert.equal(e.code, 7);
          assert.match(
            e.message,
            /this host's PFs are not registered in the resource model at http:\/\/127.0.0.1:8778/,
          );
          assert.match(e.details ?? '', /vfnet agent --db/);
          return true;
        },
      );
      assert.deepEqual(snapshot(env), before);
    });
    it("GC releases model claims that no attachment holds, and keeps valid ones and other networks'", async () => {
      const m = model({ 'rp-0000:af:00.1': 4 });
      const plugin = withModel(m);
      await plugin.add(request('ADD', PHYS));
      // An ADD killed between its model claim and its record, one of another network, one valid.
      await m.accounting.claim('orphan', 'rp-0000:af:00.1', 'net-a');
      await m.accounting.claim('other-net', 'rp-0000:af:00.1', 'net-b');
      const valid = [{ containerID: 'c1', ifname: 'net1' }];
      await plugin.gc(request('GC', { ...PHYS, cniVersion: '1.1.0', 'cni.dev/valid-attachments': valid }));
      assert.deepEqual(
        [...m.held.keys()].filter((c) => c === 'orphan' || c === 'other-net'),
        ['other-net'],
      );
      assert.equal(m.held.size, 2);
    });
    it('without "placement" or an embedded model, physnet is a config error (code 7)', async () => {
      await assert.rejects(
        async () => env.plugin.add(request('ADD', { physnet: 'public' })),
        (e: unknown) => {
          assert.ok(e instanceof CniError);
          assert.equal(e.code, 7);
          assert.match(e.message, /needs the resource model/);
          return true;
        },
      );
    });
  });

  describe('DPDK mode', () => {
    it('configures only the PF level, allocates IPAM, and DEL restores the admin MAC', () => {
      env = setup();
      env.host.fake.addPf({
        name: 'ens3f0',
        pci: '0000:5e:00.0',
        vfs: [{ pci: '0000:5e:02.0', netdev: null, driver: 'vfio-pci' }],
      });
      const before = snapshot(env);
      const r = env.plugin.add(
        request('ADD', { deviceID: '0000:5e:02.0', mac: '02:11:22:33:44:55', ...IPAM }),
      ) as CniResult;
      assert.equal(r.interfaces[0]?.mac, '02:11:22:33:44:55');
      assert.equal(r.ips.length, 1);
      assert.deepEqual(
        env.host.fake.calls.filter((c) => /^Link(SetName|SetNsFd|SetUp)/.test(c)),
        [],
      );
      env.plugin.del(request('DEL', { deviceID: '0000:5e:02.0', mac: '02:11:22:33:44:55', ...IPAM }));
      assert.deepEqual(snapshot(env), before);
    });
  });

  describe('CHECK, STATUS and GC', () => {
    it('CHECK passes after ADD and fails when a setting drifted', () => {
      const result = env.plugin.add(request('ADD', FULL)) as CniResult;
      env.plugin.check(request('CHECK', FULL, { prevResult: result }));
      env.host.pf.setVlan(PF, 0, 999, 0, '802.1q');
      cniError(
        () => env.plugin.check(request('CHECK', FULL, { prevResult: result })),
        SriovCode.CheckFailed,
        /vlan is 999, expected 100/,
      );
    });
    it('CHECK fails when the interface left the pod', () => {
      env.plugin.add(request('ADD', FULL));
      env.host.links.setUp(POD, 'net1', false);
      env.host.links.rename(POD, 'net1', 'other');
      cniError(() => env.plugin.check(request('CHECK', FULL)), SriovCode.CheckFailed, /net1 is not in/);
    });
    it('DEL of another network with the same containerID and ifname leaves the attachment alone', () => {
      env.plugin.add(request('ADD', { master: PF }));
      const attached = snapshot(env);
      env.plugin.del(request('DEL', { master: PF, name: 'net-b' }));
      assert.deepEqual(snapshot(env), attached);
      assert.match(
        env.logs.join('\n'),
        /DEL of network net-b: c1\/net1 is attached to network net-a; leaving it alone/,
      );
    });
    it('an unusable ledger: STATUS is 50, ADD is code 5 and changes nothing', () => {
      const broken = { location: '/var/lib/vfnet/vfnet.db', read: fail, write: fail, remove: fail, all: fail };
      function fail(): never {
        throw new Error('unable to open database file');
      }
      const plugin = pluginOn(env.host, broken, []);
      cniError(
        () =>
          plugin.status(
            request('STATUS', { cniVersion: '1.1.0', master: PF }, { containerId: '', ifname: '', netns: '' }),
          ),
        50,
        /unable to open database file/,
      );
      const before = snapshot(env);
      cniError(
        () => plugin.add(request('ADD', { master: PF, ...IPAM })),
        5,
        /cannot read the claims? (on VF 0000:af:06.0 )?from \/var\/lib\/vfnet\/vfnet.db: unable to open database file/,
      );
      assert.deepEqual(snapshot(env), before);
    });
    it('STATUS is ready while a VF is free, code 50 when none is', () => {
      env.plugin.status(
        request('STATUS', { cniVersion: '1.1.0', master: PF }, { containerId: '', ifname: '', netns: '' }),
      );
      env.plugin.add(request('ADD', { master: PF }));
      env.plugin.add(request('ADD', { master: PF }, { containerId: 'c2', netns: POD2 }));
      cniError(
        () =>
          env.plugin.status(
            request('STATUS', { cniVersion: '1.1.0', master: PF }, { containerId: '', ifname: '', netns: '' }),
          ),
        50,
        /no free VF/,
      );
      cniError(
        () =>
          env.plugin.status(
            request('STATUS', { cniVersion: '1.1.0', master: 'nope0' }, { containerId: '', ifname: '', netns: '' }),
          ),
        50,
        /no such network interface/,
      );
    });
    it('GC releases attachments missing from cni.dev/valid-attachments, and only those', () => {
      const before = snapshot(env);
      env.plugin.add(request('ADD', { master: PF, vlan: 7 }));
      env.plugin.add(request('ADD', { master: PF, vlan: 8 }, { containerId: 'c2', netns: POD2 }));
      env.plugin.gc(
        request(
          'GC',
          { cniVersion: '1.1.0', master: PF, 'cni.dev/valid-attachments': [{ containerID: 'c2', ifname: 'net1' }] },
          { containerId: '', ifname: '', netns: '' },
        ),
      );
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 0);
      assert.equal(env.host.fake.vfConfig(PF, 1).vlan, 8);
      assert.ok(env.host.fake.link(null, 'enp175s6'));
      assert.ok(env.host.fake.link(POD2, 'net1'));
      env.plugin.del(request('DEL', { master: PF, vlan: 8 }, { containerId: 'c2', netns: POD2 }));
      assert.deepEqual(snapshot(env), before);
    });
    it('GC without the valid-attachments key keeps live attachments', () => {
      env.plugin.add(request('ADD', { master: PF, vlan: 7 }));
      env.plugin.gc(request('GC', { cniVersion: '1.1.0', master: PF }, { containerId: '', ifname: '', netns: '' }));
      assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 7);
    });
  });
});
