// One contract for the lab switch's drivers: iproute2 under Node, rtnetlink under Bun (it needs
// bun:ffi; scripts/test.mjs runs this file with `bun test` as well). Both must leave the kernel in
// the same state, since a lab changed by the plugin (Bun) is replayed and shown by the CLI (Node).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PfControl } from '../../../src/host/ports.js';
import { type LabInfo, labDown, labPorts, labUp } from '../../../src/lab/index.js';
import { IpSwitchDriver, type SwitchDriver } from '../../../src/lab/switch-drivers.js';
import { intoNetns, labDir, outOfNetns, pings, pingsQuickly, sh, uniquePrefix } from '../../support/lab-helpers.js';

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const isRoot = process.getuid?.() === 0;

async function netlinkDriver(): Promise<{ driver: SwitchDriver; links: import('../../../src/host/ports.js').Links }> {
  // Imported only under Bun: bun-libc.js imports bun:ffi.
  const [{ BunLibc }, { Namespaces }, { NetlinkLinks }, { NetlinkSwitchDriver }] = await Promise.all([
    import('../../../src/host/rtnetlink/bun-libc.js'),
    import('../../../src/host/rtnetlink/netns.js'),
    import('../../../src/host/rtnetlink/links.js'),
    import('../../../src/lab/netlink-switch.js'),
  ]);
  const libc = new BunLibc();
  const namespaces = new Namespaces(libc);
  const links = new NetlinkLinks(libc, namespaces);
  return { driver: new NetlinkSwitchDriver(namespaces, links), links };
}

const drivers = [
  { name: 'iproute2', skip: underBun ? 'runs under Node' : !isRoot && 'needs root' },
  { name: 'rtnetlink', skip: !underBun ? 'runs under Bun' : !isRoot && 'needs root' },
];

for (const d of drivers) {
  describe(`lab switch driver: ${d.name}`, { skip: d.skip }, () => {
    const prefix = uniquePrefix(d.name === 'iproute2' ? 'wi' : 'wn');
    const dir = labDir();
    const nsA = `${prefix}-a`;
    const nsB = `${prefix}-b`;
    let info: LabInfo;
    let pf: PfControl;
    let pfName: string;
    const port = () => info.vfs[0]!.netdev.replace(/^.*?f(\d+)v(\d+)$/, 'p$1v$2');

    before(async () => {
      info = labUp({ dir, prefix, pfs: 1, vfsPerPf: 2 });
      pfName = info.pfs[0]!.name;
      intoNetns(info.vfs[0]!.netdev, nsA, '192.0.2.1/24');
      intoNetns(info.vfs[1]!.netdev, nsB, '192.0.2.2/24');
      const opts =
        d.name === 'iproute2'
          ? { switchDriver: new IpSwitchDriver() }
          : await netlinkDriver().then((n) => ({ switchDriver: n.driver, hostLinks: n.links }));
      pf = labPorts(dir, opts).pf;
    });

    after(() => {
      outOfNetns(nsA, 'unused0');
      outOfNetns(nsB, 'unused1');
      labDown(dir);
    });

    test('VLANs: a new one creates its bridge and moves the port; the same VLAN meets again', () => {
      pf.setVlan(pfName, 0, 300, 0, '802.1q');
      assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
      const master = JSON.parse(sh('ip', ['-n', info.switchNetns, '-j', 'link', 'show', 'dev', port()])) as {
        master?: string;
      }[];
      assert.equal(master[0]!.master, 'b0v300');
      pf.setVlan(pfName, 1, 300, 0, '802.1q');
      assert.equal(pings(nsA, '192.0.2.2'), true);
    });

    test('spoofchk with an admin MAC: a locked port with the MAC pinned; off unlocks it', () => {
      assert.equal(pings(nsA, '192.0.2.2'), true);
      pf.setMac(pfName, 0, '02:aa:bb:cc:dd:02');
      assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
      const flags = JSON.parse(sh('bridge', ['-n', info.switchNetns, '-d', '-j', 'link', 'show', 'dev', port()])) as {
        locked?: boolean;
        learning?: boolean;
      }[];
      assert.deepEqual([flags[0]!.locked, flags[0]!.learning], [true, false]);
      assert.match(sh('bridge', ['-n', info.switchNetns, 'fdb', 'show', 'dev', port()]), /02:aa:bb:cc:dd:02 .*static/);
      // Moved to another VLAN (another bridge), the filter goes with it.
      pf.setVlan(pfName, 0, 0, 0, '802.1q');
      pf.setVlan(pfName, 1, 0, 0, '802.1q');
      assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
      pf.setSpoofchk(pfName, 0, false);
      assert.equal(pings(nsA, '192.0.2.2'), true);
      const open = JSON.parse(sh('bridge', ['-n', info.switchNetns, '-d', '-j', 'link', 'show', 'dev', port()])) as {
        locked?: boolean;
        learning?: boolean;
      }[];
      assert.deepEqual([open[0]!.locked, open[0]!.learning], [false, true]);
      pf.setSpoofchk(pfName, 0, true);
      pf.setMac(pfName, 0, '00:00:00:00:00:00');
      assert.equal(pings(nsA, '192.0.2.2'), true);
    });

    test('link state disable takes the port down', () => {
      pf.setLinkState(pfName, 1, 'disable');
      assert.equal(pingsQuickly(nsA, '192.0.2.2'), false);
      pf.setLinkState(pfName, 1, 'auto');
      assert.equal(pings(nsA, '192.0.2.2'), true);
    });
  });
}
