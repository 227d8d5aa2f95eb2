// LabPfControl against the emulated switch: PF-level VF settings decide who can reach whom.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { labDown, labPorts, labShow, labUp, type LabInfo } from '../../../src/lab/index.js';
import { intoNetns, labDir, outOfNetns, pings, pingsQuickly, sh, uniquePrefix } from '../../support/lab-helpers.js';

describe('lab switch enforces PF-level VF settings', () => {
  const prefix = uniquePrefix('vs');
  const dir = labDir();
  const nsA = `${prefix}-a`;
  const nsB = `${prefix}-b`;
  let info: LabInfo;
  let pfName: string;
  let otherPf: string;

  before(() => {
    info = labUp({ dir, prefix, pfs: 2, vfsPerPf: 2, physnets: ['public', 'public'] });
    pfName = info.pfs[0]!.name;
    otherPf = info.pfs[1]!.name;
    // VF 0 of PF0 and VF 0 of PF1: the same physnet, so only VLANs and link state keep them apart.
    intoNetns(info.vfs.find((v) => v.pf === pfName && v.index === 0)!.netdev, nsA, '192.0.2.1/24');
    intoNetns(info.vfs.find((v) => v.pf === otherPf && v.index === 0)!.netdev, nsB, '192.0.2.2/24');
  });

  after(() => {
    outOfNetns(nsA, 'unused0');
    outOfNetns(nsB, 'unused1');
    labDown(dir);
  });

  test('same VLAN across PFs: they ping', () => {
    const { pf } = labPorts(dir);
    pf.setVlan(pfName, 0, 100, 0, '802.1q');
    pf.setVlan(otherPf, 0, 100, 3, '802.1q');
    assert.equal(pings(nsA, '192.0.2.2'), true);
    assert.deepEqual(pf.readVf(otherPf, 0), {
      mac: '00:00:00:00:00:00', vlan: 100, qos: 3, proto: '802.1q', spoofchk: true, trust: false,
      linkState: 'auto', minTxRate: 0, maxTxRate: 0,
    });
  });

  test('different VLANs: they do not', () => {
    const { pf } = labPorts(dir);
    pf.setVlan(otherPf, 0, 200, 0, '802.1q');
    assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
    const view = labShow(dir);
    assert.equal(view.vfs.find((v) => v.pf === otherPf && v.index === 0)!.bridge, 'b0v200');
    pf.setVlan(otherPf, 0, 100, 0, '802.1q');
    assert.equal(pings(nsA, '192.0.2.2'), true);
  });

  test('link_state disable cuts the VF off; auto brings it back', () => {
    const { pf } = labPorts(dir);
    pf.setLinkState(otherPf, 0, 'disable');
    assert.equal(labShow(dir).vfs.find((v) => v.pf === otherPf && v.index === 0)!.portUp, false);
    assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
    pf.setLinkState(otherPf, 0, 'auto');
    assert.equal(pings(nsA, '192.0.2.2'), true);
  });

  test('spoofchk with an admin MAC drops frames from any other source MAC', () => {
    const { pf } = labPorts(dir);
    pf.setMac(pfName, 0, '02:aa:bb:cc:dd:01');
    // The VF is in a container, so its netdev keeps the MAC it has: not the admin MAC.
    assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
    pf.setSpoofchk(pfName, 0, false);
    assert.equal(pings(nsA, '192.0.2.2'), true);
    pf.setSpoofchk(pfName, 0, true);
    pf.setMac(pfName, 0, '00:00:00:00:00:00');
    assert.equal(pings(nsA, '192.0.2.2'), true);
  });

  test('max_tx_rate shapes, and clearing it restores the port', () => {
    const { pf } = labPorts(dir);
    pf.setRate(pfName, 0, 0, 10);
    assert.equal(labShow(dir).vfs.find((v) => v.pf === pfName && v.index === 0)!.shapedMbps, 10);
    assert.equal(pings(nsA, '192.0.2.2'), true);
    // The VF's frames went through the shaper on their way into the switch.
    const stats = JSON.parse(sh('tc', ['-n', info.switchNetns, '-s', '-j', 'qdisc', 'show', 'dev', 'ip0v0'])) as { kind: string; packets: number }[];
    assert.equal(stats[0]!.kind, 'tbf');
    assert.ok(stats[0]!.packets > 0, JSON.stringify(stats));
    pf.setRate(pfName, 0, 0, 20);
    pf.setRate(pfName, 0, 0, 0);
    assert.equal(labShow(dir).vfs.find((v) => v.pf === pfName && v.index === 0)!.shapedMbps, 0);
    assert.equal(pings(nsA, '192.0.2.2'), true);
  });

  test('different physnets never meet, even on the same VLAN', () => {
    const d2 = labDir();
    const p2 = uniquePrefix('vp');
    const lab = labUp({ dir: d2, prefix: p2, pfs: 2, vfsPerPf: 1 });
    const a = `${p2}-a`;
    const b = `${p2}-b`;
    try {
      intoNetns(lab.vfs[0]!.netdev, a, '198.51.100.1/24');
      intoNetns(lab.vfs[1]!.netdev, b, '198.51.100.2/24');
      assert.notEqual(lab.vfs[0]!.physnet, lab.vfs[1]!.physnet);
      assert.equal(pingsQuickly(a, '198.51.100.2'), false);
    } finally {
      outOfNetns(a, 'x0');
      outOfNetns(b, 'x1');
      labDown(d2);
    }
  });

  test('refuses what a driver refuses, with its errno', () => {
    const { pf } = labPorts(dir);
    const errno = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof HostError, String(e));
        return e.errno;
      }
      return 'no error';
    };
    assert.equal(errno(() => pf.setVlan(pfName, 0, 4096, 0, '802.1q')), 'EINVAL');
    assert.equal(errno(() => pf.setVlan(pfName, 0, 10, 8, '802.1q')), 'EINVAL');
    assert.equal(errno(() => pf.setVlan(pfName, 0, 10, 0, 'qinq' as never)), 'EPROTONOSUPPORT');
    assert.equal(errno(() => pf.setVlan(pfName, 2, 10, 0, '802.1q')), 'EINVAL');
    assert.equal(errno(() => pf.setMac(pfName, 0, '01:00:5e:00:00:01')), 'EINVAL');
    assert.equal(errno(() => pf.setMac(pfName, 0, 'nonsense')), 'EINVAL');
    assert.equal(errno(() => pf.setRate(pfName, 0, 50, 10)), 'EINVAL');
    assert.equal(errno(() => pf.setTrust('nosuchpf', 0, true)), 'ENODEV');
    assert.equal(pf.readVf(pfName, 2), null);
  });

  test('trust and repeated settings are recorded without touching the switch', () => {
    const calls: string[] = [];
    const { pf } = labPorts(dir, { runner: { run: (file, args) => { calls.push(`${file} ${args.join(' ')}`); return { status: 0, stdout: '', stderr: '' }; } } });
    pf.setTrust(pfName, 1, true);
    pf.setVlan(pfName, 0, 100, 0, '802.1q'); // already so
    pf.setLinkState(pfName, 0, 'enable'); // port already up under auto
    assert.deepEqual(calls, []);
    assert.equal(pf.readVf(pfName, 1)!.trust, true);
    assert.equal(pf.readVf(pfName, 0)!.linkState, 'enable');
  });
});
