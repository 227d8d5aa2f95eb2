import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError } from '../../../src/cni/index.js';
import { type ConfigNotes, parseConfig } from '../../../src/sriov/config.js';

const base = { cniVersion: '1.0.0', name: 'net1', type: 'sriov', deviceID: '0000:af:06.0' };
const notes = (): ConfigNotes => ({ warnings: [], debug: [] });
const parse = (extra: Record<string, unknown>, args: Record<string, string> = {}, n = notes()) =>
  parseConfig({ ...base, ...extra }, new Map(Object.entries(args)), n);

function rejects(extra: Record<string, unknown>, message: RegExp, args: Record<string, string> = {}) {
  assert.throws(
    () => parse(extra, args),
    (e: unknown) => {
      assert.ok(e instanceof CniError, `expected CniError, got ${String(e)}`);
      assert.equal(e.code, 7);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe('sriov config', () => {
  it('accepts the documented example and keeps absent settings untouched', () => {
    const c = parse({
      vlan: 1000,
      vlanQoS: 3,
      vlanProto: '802.1Q',
      spoofchk: 'on',
      trust: 'off',
      link_state: 'enable',
      min_tx_rate: 100,
      max_tx_rate: 1000,
      mac: 'CA:FE:C0:FF:EE:01',
      ipam: { type: 'host-local' },
    });
    assert.deepEqual(c.selector, { kind: 'deviceID', pci: '0000:af:06.0' });
    assert.equal(c.vlan, 1000);
    assert.equal(c.vlanQoS, 3);
    assert.equal(c.vlanProto, '802.1q');
    assert.equal(c.mac, 'ca:fe:c0:ff:ee:01');
    assert.equal(c.spoofchk, true);
    assert.equal(c.trust, false);
    assert.equal(c.linkState, 'enable');
    assert.equal(c.ipamType, 'host-local');
    const bare = parse({});
    for (const k of [
      'vlan',
      'vlanQoS',
      'vlanProto',
      'mac',
      'spoofchk',
      'trust',
      'linkState',
      'minTxRate',
      'maxTxRate',
    ] as const) {
      assert.equal(bare[k], undefined, k);
    }
  });

  it('defaults QoS and protocol only when a VLAN is set', () => {
    const c = parse({ vlan: 0 });
    assert.equal(c.vlanQoS, 0);
    assert.equal(c.vlanProto, '802.1q');
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['vlan 4095', { vlan: 4095 }, /"vlan": 4095 \(expected an integer in the range 0-4094\)/],
    ['vlan -1', { vlan: -1 }, /"vlan": -1/],
    ['vlan as string', { vlan: '100' }, /"vlan": "100"/],
    ['QoS without vlan', { vlanQoS: 1 }, /"vlanQoS".*needs "vlan"/],
    ['QoS 8', { vlan: 10, vlanQoS: 8 }, /"vlanQoS": 8 \(expected an integer in the range 0-7\)/],
    ['QoS with vlan 0', { vlan: 0, vlanQoS: 2 }, /non-zero VLAN QoS needs a non-zero "vlan"/],
    ['proto 802.1x', { vlan: 10, vlanProto: '802.1x' }, /"vlanProto": "802.1x" \(expected "802.1q" or "802.1ad"\)/],
    ['802.1ad with vlan 0', { vlan: 0, vlanProto: '802.1ad' }, /802.1ad needs a non-zero "vlan"/],
    ['proto without vlan', { vlanProto: '802.1q' }, /"vlanProto".*needs "vlan"/],
    ['link_state up', { link_state: 'up' }, /"link_state": "up" \(expected "auto", "enable" or "disable"\)/],
    ['malformed MAC', { mac: '60:00:00:00:00' }, /"mac": "60:00:00:00:00"/],
    ['multicast MAC', { mac: '01:00:5e:00:00:01' }, /unicast/],
    ['zero MAC', { mac: '00:00:00:00:00:00' }, /non-zero/],
    ['trust yes', { trust: 'yes' }, /"trust": "yes" \(expected "on" or "off"\)/],
    ['spoofchk true', { spoofchk: true }, /"spoofchk": true/],
    ['min > max', { min_tx_rate: 200, max_tx_rate: 100 }, /"min_tx_rate": 200 \(must not exceed "max_tx_rate" 100/],
    ['negative rate', { max_tx_rate: -5 }, /"max_tx_rate": -5/],
    ['bad deviceID', { deviceID: '0000:af:06' }, /"deviceID": "0000:af:06" \(expected a PCI address/],
    ['deviceID path traversal', { deviceID: '../../etc' }, /"deviceID"/],
    ['bad logLevel', { logLevel: 'verbose' }, /"logLevel": "verbose"/],
    ['relative logFile', { logFile: 'x.log' }, /"logFile": "x.log" \(expected an absolute file path\)/],
    ['bad master', { deviceID: undefined, master: 'a/b' }, /"master": "a\/b"/],
    ['bad placement', { placement: { url: 'ftp://x' } }, /"placement.url"/],
    ['missing name', { name: undefined }, /"name"/],
  ];
  for (const [label, extra, re] of bad) it(`rejects ${label} with code 7 naming the key`, () => rejects(extra, re));

  it('fails with code 7 naming the three keys when no VF is selected', () => {
    rejects({ deviceID: undefined }, /"deviceID".*"master".*"physnet"/);
  });

  it('allows min > max when max is 0 (no limit)', () => {
    const c = parse({ min_tx_rate: 200, max_tx_rate: 0 });
    assert.equal(c.minTxRate, 200);
  });

  it('applies MAC precedence runtimeConfig > CNI_ARGS > config, lower-cased', () => {
    assert.equal(parse({ mac: '02:00:00:00:00:01' }, { MAC: '02:00:00:00:00:02' }).mac, '02:00:00:00:00:02');
    assert.equal(
      parse({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:0A' } }, { MAC: '02:00:00:00:00:02' })
        .mac,
      '02:00:00:00:00:0a',
    );
    assert.equal(parse({ runtimeConfig: { Mac: '02-00-00-00-00-03' } }).mac, '02:00:00:00:00:03');
    assert.throws(() => parse({}, { MAC: 'nope' }), /CNI_ARGS MAC/);
  });

  it('selects deviceID > master > physnet and warns about the losers', () => {
    const n = notes();
    const c = parse({ master: 'eth1', physnet: 'public' }, {}, n);
    assert.equal(c.selector.kind, 'deviceID');
    assert.match(n.warnings.join('\n'), /ignoring "master", "physnet"/);
    const m = parse({ deviceID: undefined, master: 'eth1', vf: 3 });
    assert.deepEqual(m.selector, { kind: 'master', pf: 'eth1', vf: 3 });
    const alias = parse({ deviceID: undefined, pfName: 'eth2' });
    assert.deepEqual(alias.selector, { kind: 'master', pf: 'eth2', vf: null });
    const p = parse({ deviceID: undefined, physnet: 'public' });
    assert.deepEqual(p.selector, { kind: 'physnet', physnet: 'public' });
  });

  it('accepts keys that differ only in case, with a warning naming the right spelling', () => {
    const n = notes();
    const c = parse({ deviceID: undefined, deviceId: '0000:af:06.1', vlan: 5, vlanQos: 2 }, {}, n);
    assert.deepEqual(c.selector, { kind: 'deviceID', pci: '0000:af:06.1' });
    assert.equal(c.vlanQoS, 2);
    assert.match(n.warnings.join('\n'), /"deviceId" accepted as "deviceID"/);
    assert.match(n.warnings.join('\n'), /"vlanQos" accepted as "vlanQoS"/);
  });

  it('ignores unknown keys (logged at debug) and tolerates capabilities', () => {
    const n = notes();
    parse({ capabilities: { mac: true }, somethingElse: 1, pciBusID: '0000:af:06.0' }, {}, n);
    assert.deepEqual(n.warnings, []);
    assert.match(n.debug.join('\n'), /ignoring unknown key "somethingElse"/);
    assert.doesNotMatch(n.debug.join('\n'), /pciBusID/);
  });
});
