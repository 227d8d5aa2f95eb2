// LabSysfs reads like the kernel's sysfs for an igb NIC with VFs, including what the kernel
// computes live: a VF's net/ directory follows its netdev through renames, netns moves and
// driver rebinds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LabInfo, labBind, labDown, labPorts, labShow, labUp } from '../../../src/lab/index.js';
import { labDir, sh, trySh, uniquePrefix } from '../../support/lab-helpers.js';

describe('lab sysfs', () => {
  const prefix = uniquePrefix('vy');
  const dir = labDir();
  let info: LabInfo;

  before(() => {
    info = labUp({ dir, prefix });
  });
  after(() => {
    trySh('ip', ['netns', 'del', `${prefix}-c`]);
    labDown(dir);
  });

  test('PFs and VFs are laid out as igb lays them out', () => {
    assert.deepEqual(
      info.pfs.map((p) => [p.name, p.pci, p.physnet, p.numvfs, p.totalvfs]),
      [
        [`${prefix}f0`, '0000:3b:00.0', 'public', 4, 7],
        [`${prefix}f1`, '0000:3b:00.1', 'intranet', 4, 7],
      ],
    );
    assert.deepEqual(
      info.vfs.filter((v) => v.pf === `${prefix}f0`).map((v) => v.pci),
      ['0000:3b:10.0', '0000:3b:10.2', '0000:3b:10.4', '0000:3b:10.6'],
    );
    assert.deepEqual(
      info.vfs.filter((v) => v.pf === `${prefix}f1`).map((v) => v.pci),
      ['0000:3b:10.1', '0000:3b:10.3', '0000:3b:10.5', '0000:3b:10.7'],
    );
    assert.deepEqual(info.env, { VFNET_SYSFS_ROOT: dir });
  });

  // oneCommand: the plugin's view, which remembers directories and device-to-device links once seen.
  for (const oneCommand of [false, true])
    test(`the paths the plugin reads${oneCommand ? ', asked twice of a view that remembers' : ''}`, () => {
      const { sysfs } = labPorts(dir, { oneCommand });
      for (let round = 0; round < (oneCommand ? 2 : 1); round++) pluginPaths(sysfs);
    });

  function pluginPaths(sysfs: ReturnType<typeof labPorts>['sysfs']): void {
    const pf = `${prefix}f1`;
    assert.deepEqual(
      sysfs.list('sys/class/net'),
      [...info.pfs.map((p) => p.name), ...info.vfs.map((v) => v.netdev)].sort(),
    );
    assert.equal(sysfs.read(`sys/class/net/${pf}/device/sriov_numvfs`), '4');
    assert.equal(sysfs.read(`sys/class/net/${pf}/device/sriov_totalvfs`), '7');
    assert.equal(sysfs.read(`sys/class/net/${pf}/device/vendor`), '0x8086');
    assert.equal(sysfs.linkName(`sys/class/net/${pf}/device`), '0000:3b:00.1');
    assert.equal(sysfs.linkName(`sys/class/net/${pf}/device/driver`), 'igb');
    assert.equal(sysfs.linkName(`sys/class/net/${pf}/device/virtfn2`), '0000:3b:10.5');
    assert.equal(sysfs.linkName(`sys/class/net/${pf}/device/virtfn4`), null);
    assert.deepEqual(sysfs.list(`sys/class/net/${pf}/device/virtfn2/net`), [`${prefix}f1v2`]);
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:3b:10.5/physfn/net'), [pf]);
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:3b:10.5/physfn'), '0000:3b:00.1');
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:3b:10.5/driver'), 'igbvf');
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:3b:10.5/device'), '0x10ca');
    assert.equal(
      sysfs.read(`sys/bus/pci/devices/0000:3b:10.5/net/${prefix}f1v2/address`),
      info.vfs.find((v) => v.pci === '0000:3b:10.5')!.mac,
    );
    assert.equal(sysfs.exists('sys/bus/pci/devices/0000:3b:10.5/sriov_numvfs'), false);
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:3b:99.0/vendor'), null);
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:3b:10.5/physfn/../0000:3b:10.5/device'), '0x10ca');
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:3b:10.5/physfn/virtfn2'), '0000:3b:10.5');
  }

  test('a VF net/ dir follows a rename and empties while the netdev is in another netns', () => {
    const { sysfs } = labPorts(dir);
    const vf = info.vfs.find((v) => v.pci === '0000:3b:10.2')!;
    const net = 'sys/bus/pci/devices/0000:3b:10.2/net';
    const ns = `${prefix}-c`;
    sh('ip', ['link', 'set', 'dev', vf.netdev, 'name', `${prefix}tmp`]);
    assert.deepEqual(sysfs.list(net), [`${prefix}tmp`]);
    assert.ok(sysfs.list('sys/class/net')!.includes(`${prefix}tmp`));
    assert.equal(sysfs.linkName(`sys/class/net/${prefix}tmp/device`), '0000:3b:10.2');
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'set', 'dev', `${prefix}tmp`, 'netns', ns]);
    assert.deepEqual(sysfs.list(net), []);
    assert.equal(sysfs.exists(`sys/class/net/${prefix}tmp`), false);
    assert.equal(labShow(dir).vfs.find((v) => v.pci === vf.pci)!.netdev, null);
    sh('ip', ['-n', ns, 'link', 'set', 'dev', `${prefix}tmp`, 'name', vf.netdev]);
    sh('ip', ['-n', ns, 'link', 'set', 'dev', vf.netdev, 'netns', String(process.pid)]);
    sh('ip', ['netns', 'del', ns]);
    assert.deepEqual(sysfs.list(net), [vf.netdev]);
  });

  test('labBind to vfio-pci takes the netdev away; back to igbvf restores it', () => {
    const { sysfs, pf } = labPorts(dir);
    // A view that has already walked to the device sees the rebind too: driver links are read afresh.
    const { sysfs: remembering } = labPorts(dir, { oneCommand: true });
    const vf = info.vfs.find((v) => v.pci === '0000:3b:10.3')!;
    const dev = `sys/bus/pci/devices/${vf.pci}`;
    assert.equal(remembering.linkName(`${dev}/driver`), 'igbvf');
    assert.deepEqual(remembering.list(`${dev}/net`), [vf.netdev]);
    const sibling = '0000:3b:10.5'; // stays with igbvf
    assert.ok(remembering.list(`${dev}/driver`)!.includes(sibling));
    labBind(dir, vf.pci, 'vfio-pci');
    assert.equal(remembering.linkName(`${dev}/driver`), 'vfio-pci');
    assert.deepEqual(remembering.list(`${dev}/net`), []);
    assert.ok(!remembering.list(`${dev}/driver`)!.includes(sibling), 'the walk follows the new driver link');
    assert.equal(sysfs.linkName(`${dev}/driver`), 'vfio-pci');
    assert.deepEqual(sysfs.list(`${dev}/net`), []);
    assert.ok(sysfs.list('sys/bus/pci/drivers/vfio-pci')!.includes(vf.pci));
    assert.ok(!sysfs.list('sys/bus/pci/drivers/igbvf')!.includes(vf.pci));
    // PF-level settings still apply to a VF that DPDK drives.
    pf.setVlan(vf.pf, vf.index, 300, 0, '802.1q');
    pf.setMac(vf.pf, vf.index, '02:00:00:00:03:03');
    labBind(dir, vf.pci, 'igbvf');
    assert.equal(sysfs.linkName(`${dev}/driver`), 'igbvf');
    assert.deepEqual(sysfs.list(`${dev}/net`), [vf.netdev]);
    // Re-probed by igbvf, the VF netdev takes the admin MAC.
    assert.equal(sysfs.read(`${dev}/net/${vf.netdev}/address`), '02:00:00:00:03:03');
    assert.equal(pf.readVf(vf.pf, vf.index)!.vlan, 300);
  });

  test('the admin MAC is applied to a VF netdev in the host netns', () => {
    const { sysfs, pf } = labPorts(dir);
    const vf = info.vfs.find((v) => v.pci === '0000:3b:10.4')!;
    pf.setMac(vf.pf, vf.index, '02:00:00:00:04:04');
    assert.equal(sysfs.read(`sys/bus/pci/devices/${vf.pci}/net/${vf.netdev}/address`), '02:00:00:00:04:04');
    pf.setMac(vf.pf, vf.index, '00:00:00:00:00:00');
    assert.equal(sysfs.read(`sys/bus/pci/devices/${vf.pci}/net/${vf.netdev}/address`), vf.mac);
  });
});
