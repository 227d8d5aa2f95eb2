// sriov-cni's cache in each shape its releases wrote, and the one vfnet writes for rollback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshVfConfig } from '../../../src/host/ports.js';
import { CacheError, parseCache, renderCache } from '../../../src/sriov/sriov-cni/cache.js';
import { configFromRuntimeCache } from '../../../src/sriov/sriov-cni/runtime-cache.js';
import { FakePeerFiles } from '../../support/fake-host/peer-files.js';

describe("sriov-cni's cache", () => {
  it('v2.0: no original state; the VLAN was always set, and is restored to 0', () => {
    const c = parseCache(
      JSON.stringify({
        name: 'n',
        deviceID: '0000:af:06.0',
        Master: 'p',
        VFID: 0,
        Vlan: 0,
        vlan: 5,
        HostIFNames: 'enp175s6',
        ContIFNames: 'net1',
      }),
      'x',
    );
    assert.deepEqual(c.configured, { vlan: 5, vlanQoS: 0, vlanProto: '802.1q' });
    assert.equal(c.original?.hostIfName, 'enp175s6');
    assert.equal(c.original?.vlan, 0);
  });

  it('v2.4: absent vlan means untouched; no Trust, no VlanProto, no MTU', () => {
    const c = parseCache(
      JSON.stringify({
        name: 'n',
        deviceID: '0000:AF:06.1',
        DPDKMode: true,
        spoofchk: 'off',
        trust: 'on',
        OrigVfState: { HostIFName: '', SpoofChk: true, AdminMAC: '00:00:00:00:00:00', LinkState: 2 },
      }),
      'x',
    );
    assert.equal(c.pci, '0000:af:06.1');
    assert.equal(c.dpdk, true);
    assert.deepEqual(c.configured, { spoofchk: false, trust: true });
    assert.deepEqual([c.original?.trust, c.original?.linkState, c.original?.mtu], [null, 'disable', null]);
  });

  it('master: Trust, 802.1ad and the VF MTU', () => {
    const c = parseCache(
      JSON.stringify({
        name: 'n',
        deviceID: '0000:af:06.0',
        vlan: 9,
        vlanProto: '802.1ad',
        OrigVfState: { Trust: true, VlanProto: 0x88a8, MTU: 9000, EffectiveMAC: 'AA:BB:CC:DD:EE:FF' },
      }),
      'x',
    );
    assert.deepEqual(
      [c.original?.trust, c.original?.proto, c.original?.mtu, c.original?.effectiveMac],
      [true, '802.1ad', 9000, 'aa:bb:cc:dd:ee:ff'],
    );
    assert.equal(c.configured.vlanProto, '802.1ad');
  });

  it('a damaged cache is a CacheError naming the file and the field', () => {
    assert.throws(
      () => parseCache('{"deviceID":', '/var/lib/cni/sriov/c1-net1'),
      (e: unknown) => e instanceof CacheError && /c1-net1 is not JSON/.test(e.message),
    );
    assert.throws(() => parseCache('{"deviceID":"../../etc"}', 'f'), CacheError);
    assert.throws(
      () => parseCache('{"deviceID":"0000:af:06.0","vlan":"100"}', 'f'),
      /"vlan" is "100", expected an integer/,
    );
    assert.throws(() => parseCache('{"deviceID":"0000:af:06.0","OrigVfState":[]}', 'f'), CacheError);
  });

  it('what vfnet writes reads back as what it did', () => {
    const text = renderCache({
      config: { cniVersion: '1.0.0', name: 'n', type: 'sriov', ipam: { type: 'static' }, mac: 'ignored' },
      pci: '0000:af:06.0',
      pf: 'p',
      vfIndex: 3,
      ifname: 'net1',
      dpdk: false,
      configured: { vlan: 4, vlanQoS: 1, vlanProto: '802.1q', mac: '02:00:00:00:00:01', trust: true },
      original: freshVfConfig(),
      netdev: { name: 'enp1', mac: '02:aa:00:00:00:01', mtu: 1500 },
      pfMtu: 1500,
      owner: { containerId: 'c', ifname: 'net1' },
    });
    assert.equal(JSON.parse(text).mac, undefined, 'one spelling per Go field: MAC only');
    const c = parseCache(text, 'x');
    assert.deepEqual(
      [c.vfIndex, c.ifname, c.ipamType, c.vfnetOwner],
      [3, 'net1', 'static', { containerId: 'c', ifname: 'net1' }],
    );
    assert.deepEqual(c.configured, { vlan: 4, vlanQoS: 1, vlanProto: '802.1q', mac: '02:00:00:00:00:01', trust: true });
    assert.deepEqual(
      [c.original?.hostIfName, c.original?.effectiveMac, c.original?.mtu],
      ['enp1', '02:aa:00:00:00:01', 1500],
    );
  });

  it("the IPAM config Go's cache lacks comes from the runtime's libcni cache, for a conflist or a single config", () => {
    const results = new FakePeerFiles('/var/lib/cni/results');
    const list = {
      cniVersion: '0.4.0',
      name: 'n',
      plugins: [
        { type: 'sriov', deviceID: '0000:af:06.0', ipam: { type: 'host-local', subnet: '10.1.0.0/24' } },
        { type: 'tuning' },
      ],
    };
    results.write(
      'n-c1-net1',
      JSON.stringify({ kind: 'cniCacheV1', config: Buffer.from(JSON.stringify(list)).toString('base64') }),
    );
    assert.deepEqual(configFromRuntimeCache(results, 'n', 'c1', 'net1')?.ipam, {
      type: 'host-local',
      subnet: '10.1.0.0/24',
    });
    assert.equal(configFromRuntimeCache(results, 'n', 'c1', 'net1')?.name, 'n');
    results.write('n-c2-net1', '{"config":"not base64 json"}');
    assert.equal(configFromRuntimeCache(results, 'n', 'c2', 'net1'), null);
    assert.equal(configFromRuntimeCache(results, 'n', 'c3', 'net1'), null);
  });
});
