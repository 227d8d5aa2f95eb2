import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isMissing, RealSysfs } from '../../../src/host/sysfs.js';

const root = mkdtempSync(join(tmpdir(), 'vfnet-sysfs-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('RealSysfs over a tree', () => {
  const dev = join(root, 'sys/devices/pci0000:03/0000:03:00.0');
  mkdirSync(join(dev, 'net/enp3s0f0'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/devices'), { recursive: true });
  mkdirSync(join(root, 'sys/bus/pci/drivers/igb'), { recursive: true });
  writeFileSync(join(dev, 'sriov_numvfs'), '2\n');
  symlinkSync('../../../devices/pci0000:03/0000:03:00.0', join(root, 'sys/bus/pci/devices/0000:03:00.0'));
  symlinkSync('../../../bus/pci/drivers/igb', join(dev, 'driver'));
  const sysfs = new RealSysfs(root);

  it('reads trimmed content through symlinks, null when missing', () => {
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'), '2');
    assert.equal(sysfs.read('/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'), '2');
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs'), null);
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:03:00.0/sriov_numvfs/x'), null);
  });

  it('lists sorted names, null for a missing directory', () => {
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:03:00.0/net'), ['enp3s0f0']);
    assert.equal(sysfs.list('sys/bus/pci/devices/0000:09:00.0/net'), null);
  });

  it('gives the basename of a symlink target, null for a missing link or a non-link', () => {
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:03:00.0/driver'), 'igb');
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:03:00.0/physfn'), null);
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:03:00.0/sriov_numvfs'), null);
  });

  it('tells existence', () => {
    assert.equal(sysfs.exists('sys/bus/pci/devices/0000:03:00.0/net/enp3s0f0'), true);
    assert.equal(sysfs.exists('sys/bus/pci/devices/0000:03:00.0/nothing'), false);
  });

  it('reads the real /sys by default', () => {
    const real = new RealSysfs();
    assert.equal(real.root, '/');
    assert.equal(real.read('sys/class/net/lo/address'), '00:00:00:00:00:00');
  });
});

describe('what reads as absent', () => {
  // Measured on igb (QEMU lab): reading phys_port_name fails with EOPNOTSUPP instead of ENOENT;
  // the plugin must see "no such attribute", not an error.
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('an attribute the driver does not implement is absent, like a missing file', () => {
    for (const code of ['ENOENT', 'ENOTDIR', 'ENOTSUP', 'EOPNOTSUPP']) assert.equal(isMissing(err(code)), true, code);
  });
  it('other failures stay failures', () => {
    for (const code of ['EACCES', 'EIO', 'EPERM']) assert.equal(isMissing(err(code)), false, code);
  });
});
