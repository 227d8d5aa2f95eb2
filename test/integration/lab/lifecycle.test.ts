// lab up / down / show: what up builds, that down leaves nothing behind, that a failed up
// undoes itself, and that a second up on the same directory is refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { isLab, labDown, labEnv, labShow, labUp } from '../../../src/lab/index.js';
import { spawnRunner } from '../../../src/lab/commands.js';
import { hostLinks, labDir, netnsNames, sh, uniquePrefix } from '../../support/lab-helpers.js';

/**
 * What is here now and was not before. Other suites may share this host, so only names of this
 * lab's prefix count, and every lab name starts with it.
 */
function leftBehind(now: string[], before: string[], prefix: string): string[] {
  return now.filter((n) => !before.includes(n) && n.startsWith(prefix));
}

describe('lab lifecycle', () => {
  test('up builds the lab; down leaves the host as it was', () => {
    const linksBefore = hostLinks();
    const netnsBefore = netnsNames();
    const prefix = uniquePrefix('vu');
    const dir = labDir();
    const info = labUp({ dir, prefix, pfs: 2, vfsPerPf: 3 });
    assert.equal(isLab(dir), true);
    assert.deepEqual(labEnv(dir), { VFNET_SYSFS_ROOT: dir });
    assert.equal(info.vfs.length, 6);
    assert.ok(netnsNames().includes(`${prefix}-switch`));
    const created = hostLinks().filter((l) => !linksBefore.includes(l));
    assert.deepEqual(created, [...info.pfs.map((p) => p.name), ...info.vfs.map((v) => v.netdev)].sort());
    const alias = sh('cat', [`/sys/class/net/${info.vfs[0]!.netdev}/ifalias`]).trim();
    assert.equal(alias, `vfnet-lab ${info.vfs[0]!.pci} ${prefix}`);

    const view = labShow(dir);
    assert.deepEqual(view.vfs[0], {
      pci: '0000:3b:10.0', pf: `${prefix}f0`, index: 0, physnet: 'public', driver: 'igbvf',
      netdev: `${prefix}f0v0`, bridge: 'b0v0', portUp: true,
      mac: '00:00:00:00:00:00', vlan: 0, qos: 0, proto: '802.1q', spoofchk: true, trust: false,
      linkState: 'auto', minTxRate: 0, maxTxRate: 0, spoofFilter: null, shapedMbps: 0,
    });
    assert.deepEqual(view.pfs.map((p) => [p.netdev, p.bridge, p.portUp]), [[`${prefix}f0`, 'b0v0', true], [`${prefix}f1`, 'b1v0', true]]);
    // Deep-comparable: nothing changed, nothing differs.
    assert.deepEqual(labShow(dir), view);

    assert.equal(labDown(dir), true);
    assert.deepEqual(leftBehind(hostLinks(), linksBefore, prefix), []);
    assert.deepEqual(leftBehind(netnsNames(), netnsBefore, prefix), []);
    assert.equal(existsSync(dir), false);
    assert.equal(labDown(dir), false);
  });

  test('a second up on the same directory or prefix is refused', () => {
    const prefix = uniquePrefix('vr');
    const dir = labDir();
    labUp({ dir, prefix, vfsPerPf: 1 });
    try {
      assert.throws(() => labUp({ dir, prefix: uniquePrefix('vr') }), (e: unknown) => e instanceof HostError && /already exists/.test(e.message));
      assert.throws(() => labUp({ dir: labDir(), prefix }), (e: unknown) => e instanceof HostError && e.errno === 'EEXIST');
    } finally {
      labDown(dir);
    }
  });

  test('an up that fails half-way undoes what it did', () => {
    const linksBefore = hostLinks();
    const netnsBefore = netnsNames();
    const prefix = uniquePrefix('vf');
    const dir = labDir();
    const failing = {
      run(file: string, args: string[], input?: string) {
        // Let the netdevs be made, then fail wiring the switch.
        if (args[0] === '-n' && args[1] === `${prefix}-switch`) return { status: 1, stdout: '', stderr: 'RTNETLINK answers: Operation not permitted\n' };
        return spawnRunner.run(file, args, input);
      },
    };
    assert.throws(() => labUp({ dir, prefix }, { runner: failing }), (e: unknown) => e instanceof HostError && e.errno === 'EPERM');
    assert.deepEqual(leftBehind(hostLinks(), linksBefore, prefix), []);
    assert.deepEqual(leftBehind(netnsNames(), netnsBefore, prefix), []);
    assert.equal(existsSync(dir), false);
  });

  test('down tolerates a lab whose switch is already gone', () => {
    const prefix = uniquePrefix('vd');
    const dir = labDir();
    const linksBefore = hostLinks();
    labUp({ dir, prefix, vfsPerPf: 1 });
    sh('ip', ['netns', 'del', `${prefix}-switch`]);
    assert.equal(labDown(dir), true);
    assert.equal(existsSync(dir), false);
    assert.deepEqual(leftBehind(hostLinks(), linksBefore, prefix), []);
  });
});
