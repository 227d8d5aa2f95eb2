// The lab's layout and switch plans are pure: names, PCI addresses, and the commands a
// settings change needs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshVfConfig } from '../../../src/host/ports.js';
import { planLab, resolveOptions, stableMac, vfPciAddress } from '../../../src/lab/layout.js';
import { desiredPort, planPortChange } from '../../../src/lab/switch.js';

describe('lab layout', () => {
  test('VF PCI addresses interleave as igb places them (offset 0x80, stride 2 or 4)', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((n) => vfPciAddress(0, 2, n)),
      ['0000:3b:10.0', '0000:3b:10.2', '0000:3b:10.4', '0000:3b:10.6', '0000:3b:11.0'],
    );
    assert.deepEqual(
      [0, 1].map((n) => vfPciAddress(1, 2, n)),
      ['0000:3b:10.1', '0000:3b:10.3'],
    );
    assert.deepEqual(
      [0, 1].map((n) => vfPciAddress(3, 4, n)),
      ['0000:3b:10.3', '0000:3b:10.7'],
    );
  });

  test('names, physnets and initial settings', () => {
    const lab = planLab({ dir: '/tmp/x', prefix: 'abc', pfs: 3, vfsPerPf: 2 });
    assert.deepEqual(
      lab.pfs.map((p) => [p.name, p.pci, p.physnet]),
      [
        ['abcf0', '0000:3b:00.0', 'public'],
        ['abcf1', '0000:3b:00.1', 'intranet'],
        ['abcf2', '0000:3b:00.2', 'public'],
      ],
    );
    assert.deepEqual(
      lab.vfs.map((v) => v.netdev),
      ['abcf0v0', 'abcf0v1', 'abcf1v0', 'abcf1v1', 'abcf2v0', 'abcf2v1'],
    );
    assert.equal(lab.switchNetns, 'abc-switch');
    assert.deepEqual(lab.bridges, ['b0v0', 'b1v0']);
    assert.deepEqual(lab.vfs[0]!.config, freshVfConfig());
    assert.equal(new Set(lab.vfs.map((v) => v.mac)).size, lab.vfs.length);
    assert.equal(stableMac('abc', '0000:3b:10.0'), stableMac('abc', '0000:3b:10.0'));
    assert.notEqual(stableMac('abc', '0000:3b:10.0'), stableMac('abd', '0000:3b:10.0'));
    assert.match(stableMac('abc', '0000:3b:10.0'), /^02(:[0-9a-f]{2}){5}$/);
  });

  test('options are checked before anything is built', () => {
    assert.throws(() => resolveOptions({ prefix: 'a-very-long-prefix' }), /prefix/);
    assert.throws(() => resolveOptions({ vfsPerPf: 8 }), /vfsPerPf/);
    assert.throws(() => resolveOptions({ pfs: 5 }), /pfs/);
    assert.throws(() => resolveOptions({ physnets: [] }), /physnets/);
    assert.throws(() => resolveOptions({ dir: '/' }), /dir/);
  });
});

describe('switch plans', () => {
  const lab = planLab({ dir: '/tmp/x', prefix: 'abc' });
  const vf = lab.vfs[0]!;

  test('a new VLAN creates its bridge once and moves the port', () => {
    const to = desiredPort(lab, vf, { ...vf.config, vlan: 100 });
    const plan = planPortChange(lab.bridges, vf.port, to);
    assert.deepEqual(plan.steps, [
      { kind: 'bridge', name: 'b0v100' },
      { kind: 'master', port: 'p0v0', bridge: 'b0v100' },
    ]);
    assert.deepEqual(planPortChange(plan.bridges, vf.port, to).steps, [
      { kind: 'master', port: 'p0v0', bridge: 'b0v100' },
    ]);
    assert.equal(desiredPort(lab, vf, { ...vf.config, vlan: 100, proto: '802.1ad' }).bridge, 'b0s100');
  });

  test('settings the switch does not see plan nothing', () => {
    const to = desiredPort(lab, vf, { ...vf.config, trust: true, minTxRate: 5, linkState: 'enable', qos: 3 });
    assert.deepEqual(planPortChange(lab.bridges, vf.port, to), {
      steps: [],
      ip: [],
      tc: [],
      ipAfter: [],
      bridges: lab.bridges,
    });
  });

  test('spoofchk needs an admin MAC; a MAC change replaces the rule', () => {
    assert.equal(desiredPort(lab, vf, vf.config).spoofFilter, null);
    const a = desiredPort(lab, vf, { ...vf.config, mac: '02:00:00:00:00:0a' });
    const b = desiredPort(lab, vf, { ...vf.config, mac: '02:00:00:00:00:0b' });
    // The old MAC unpinned, the new one pinned on the locked port.
    assert.deepEqual(planPortChange(lab.bridges, a, b).steps, [
      { kind: 'spoof', port: 'p0v0', unpin: ['02:00:00:00:00:0a'], pin: '02:00:00:00:00:0b' },
    ]);
    // A port moved to another bridge lost its lock and entries: the filter is set up again there.
    const moved = desiredPort(lab, vf, { ...vf.config, mac: '02:00:00:00:00:0a', vlan: 7 });
    assert.deepEqual(planPortChange([...lab.bridges, moved.bridge], a, moved).steps, [
      { kind: 'master', port: 'p0v0', bridge: moved.bridge },
      { kind: 'spoof', port: 'p0v0', unpin: [], pin: '02:00:00:00:00:0a' },
    ]);
    assert.equal(desiredPort(lab, vf, { ...vf.config, mac: '02:00:00:00:00:0a', spoofchk: false }).spoofFilter, null);
  });

  test('max_tx_rate adds, retunes and removes an ifb shaper', () => {
    const none = vf.port;
    const ten = desiredPort(lab, vf, { ...vf.config, maxTxRate: 10 });
    const twenty = desiredPort(lab, vf, { ...vf.config, maxTxRate: 20 });
    const add = planPortChange(lab.bridges, none, ten);
    assert.deepEqual(add.ip, ['link add name ip0v0 type ifb', 'link set ip0v0 up']);
    assert.equal(add.tc.length, 3);
    assert.deepEqual(planPortChange(lab.bridges, ten, twenty).tc, [
      'qdisc replace dev ip0v0 root tbf rate 20mbit burst 25000 latency 50ms',
    ]);
    const del = planPortChange(lab.bridges, twenty, none);
    assert.deepEqual([del.tc, del.ipAfter], [['qdisc del dev p0v0 handle ffff: ingress'], ['link del ip0v0']]);
  });
});
