// The sriov plugin driven by cnitool 1.1.2 (libcni 1.1.2, the CNI library inside Debian's podman
// and containerd) on the simulated SR-IOV host, with Debian's host-local IPAM.
//
// For every spec version a Debian runtime speaks (0.3.1, 0.4.0, 1.0.0) and every way of naming
// the VF (deviceID, master, master + vf): ADD gives a result valid for that version, the VF sits
// in the container as CNI_IFNAME with the configured MAC and the IPAM address, the PF-level
// settings are applied; CHECK works where libcni allows it; DEL puts back every VF setting and
// the host netdev exactly as they were.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { assertValidResult, type CniVersion, inSubnet } from '../support/cni-result.js';
import { Cnitool, cnitoolContainerId } from '../support/cnitool.js';
import { formatResult, parseJson, runOk } from '../support/exec.js';
import { type LabVf, labFor, type TestLab } from '../support/lab.js';
import { createNetns, getAddrs, getLink, ipv4Cidrs } from '../support/netns.js';
import { type Scratch, scratchFor } from '../support/scratch.js';

const SUBNET = '10.250.1.0/24';
const VERSIONS: CniVersion[] = ['0.3.1', '0.4.0', '1.0.0'];
type Selection = 'deviceID' | 'master' | 'master+vf';
const SELECTIONS: Selection[] = ['deviceID', 'master', 'master+vf'];

/** PF-level settings the suite asks for, and how the lab must report them while attached. */
const SETTINGS = { vlan: 100, vlanQoS: 2, spoofchk: 'on', trust: 'on', link_state: 'enable', max_tx_rate: 100 };
const EXPECTED_VF = { vlan: 100, qos: 2, spoofchk: true, trust: true, linkState: 'enable', maxTxRate: 100 };

interface AddResult {
  interfaces: { name: string; mac: string; sandbox: string }[];
  ips: { address: string; interface?: number }[];
}

function selector(lab: TestLab, sel: Selection): { keys: Record<string, unknown>; expected: LabVf | null } {
  const pf = lab.pf(0);
  switch (sel) {
    case 'deviceID':
      return { keys: { deviceID: lab.vf(0, 1).pci }, expected: lab.vf(0, 1) };
    case 'master':
      return { keys: { master: pf.name }, expected: null };
    case 'master+vf':
      return { keys: { master: pf.name, vf: 2 }, expected: lab.vf(0, 2) };
  }
}

function conflist(s: Scratch, version: CniVersion, name: string, plugin: Record<string, unknown>) {
  return {
    cniVersion: version,
    name,
    plugins: [
      {
        type: 'sriov',
        ...plugin,
        ipam: { type: 'host-local', dataDir: s.path('ipam'), ranges: [[{ subnet: SUBNET }]] },
      },
    ],
  };
}

/** The VF whose host netdev disappeared between two lab views: the one ADD took. */
function takenVfs(lab: TestLab): string[] {
  return lab
    .show()
    .vfs.filter((v) => v.netdev === null)
    .map((v) => v.pci);
}

async function setup(t: TestContext, vfsPerPf = 4) {
  const s = scratchFor(t, 'vfnet-cnitool');
  const lab = labFor(s, { pfs: 1, vfsPerPf });
  const tool = new Cnitool(s, { env: lab.env });
  const ns = await createNetns(s);
  return { s, lab, tool, ns };
}

for (const version of VERSIONS) {
  for (const sel of SELECTIONS) {
    test(`cnitool ${version}, ${sel}: ADD, CHECK and DEL; DEL restores the VF exactly`, async (t) => {
      const { s, lab, tool, ns } = await setup(t);
      const { keys, expected } = selector(lab, sel);
      const mac = '02:5a:00:00:01:01';
      const net = s.name('net');
      tool.writeConflist(conflist(s, version, net, { ...keys, mac, ...SETTINGS }));
      const before = await lab.snapshot();

      const add = await tool.add(net, ns.path);
      assert.equal(add.status, 0, formatResult(add));
      const result = parseJson(add) as AddResult;
      assertValidResult(version, result);
      assert.equal(result.interfaces.length, 1, JSON.stringify(result));
      assert.deepEqual(result.interfaces[0], { ...result.interfaces[0], name: 'eth0', mac, sandbox: ns.path });
      assert.equal(result.ips.length, 1, JSON.stringify(result));
      const address = result.ips[0]!.address;
      assert.ok(inSubnet(address, SUBNET), `${address} is not in ${SUBNET}`);
      if (result.ips[0]!.interface !== undefined) assert.equal(result.ips[0]!.interface, 0);

      // Exactly one VF left the host: the one the selection names (any, for plain master).
      const taken = takenVfs(lab);
      assert.equal(taken.length, 1, `VFs gone from the host: ${taken.join(', ')}`);
      if (expected) assert.equal(taken[0], expected.pci);
      const vf = lab.info.vfs.find((v) => v.pci === taken[0])!;
      assert.equal(await getLink(null, vf.netdev), null, `${vf.netdev} is still in the host`);

      // Inside the container: the VF as eth0, up, with the configured MAC and the IPAM address.
      const eth0 = await getAddrs(ns.name, 'eth0');
      assert.ok(eth0, 'no eth0 in the container netns');
      assert.equal(eth0.address, mac);
      assert.ok(eth0.flags.includes('UP'), `eth0 is not up: ${eth0.flags.join(',')}`);
      assert.deepEqual(await ipv4Cidrs(ns.name, 'eth0'), [address]);

      // The PF holds the configured settings for that VF (admin MAC = the configured MAC).
      const during = lab.show().vfs.find((v) => v.pci === vf.pci)!;
      assert.deepEqual(
        {
          vlan: during.vlan,
          qos: during.qos,
          spoofchk: during.spoofchk,
          trust: during.trust,
          linkState: during.linkState,
          maxTxRate: during.maxTxRate,
          mac: during.mac,
        },
        { ...EXPECTED_VF, mac },
      );

      const check = await tool.check(net, ns.path);
      if (version === '0.3.1') {
        // libcni refuses CHECK below 0.4.0 before it execs any plugin.
        assert.notEqual(check.status, 0, formatResult(check));
        assert.match(
          check.stderr + check.stdout,
          /configuration version "0\.3\.1" does not support the CHECK command/,
          formatResult(check),
        );
      } else {
        assert.equal(check.status, 0, formatResult(check));
      }

      const del = await tool.del(net, ns.path);
      assert.equal(del.status, 0, formatResult(del));
      assert.deepEqual(await lab.snapshot(), before);
      assert.ok(await getLink(null, vf.netdev), `${vf.netdev} is not back in the host under its own name`);
      assert.equal(await getLink(ns.name, 'eth0'), null, 'eth0 is still in the container netns');
      assert.deepEqual(lab.stateFilesMentioning([cnitoolContainerId(ns.path)]), []);
    });
  }
}

test('cnitool 1.0.0: CHECK fails when the container interface no longer matches, DEL still restores', async (t) => {
  const { s, lab, tool, ns } = await setup(t);
  const mac = '02:5a:00:00:02:01';
  const net = s.name('net');
  tool.writeConflist(conflist(s, '1.0.0', net, { deviceID: lab.vf(0, 0).pci, mac, vlan: 7 }));
  const before = await lab.snapshot();
  const add = await tool.add(net, ns.path);
  assert.equal(add.status, 0, formatResult(add));
  const ok = await tool.check(net, ns.path);
  assert.equal(ok.status, 0, formatResult(ok));

  await runOk('ip', ['-n', ns.name, 'link', 'set', 'dev', 'eth0', 'address', '02:5a:00:00:02:ff']);
  const bad = await tool.check(net, ns.path);
  assert.notEqual(bad.status, 0, `CHECK passed although eth0's MAC changed: ${formatResult(bad)}`);
  // The message names what differs: the MAC found and the one expected.
  assert.match(bad.stderr, /02:5a:00:00:02:ff/, formatResult(bad));
  assert.match(bad.stderr, /02:5a:00:00:02:01/, formatResult(bad));

  const del = await tool.del(net, ns.path);
  assert.equal(del.status, 0, formatResult(del));
  assert.deepEqual(await lab.snapshot(), before);
});

test('cnitool 1.0.0: a second DEL, with no cached result (containerd RemovePodSandbox), succeeds and changes nothing', async (t) => {
  const { s, lab, tool, ns } = await setup(t);
  const net = s.name('net');
  tool.writeConflist(conflist(s, '1.0.0', net, { master: lab.pf(0).name, mac: '02:5a:00:00:03:01' }));
  const before = await lab.snapshot();
  const add = await tool.add(net, ns.path);
  assert.equal(add.status, 0, formatResult(add));
  const del1 = await tool.del(net, ns.path);
  assert.equal(del1.status, 0, formatResult(del1));
  const del2 = await tool.del(net, ns.path);
  assert.equal(del2.status, 0, formatResult(del2));
  assert.deepEqual(await lab.snapshot(), before);
});

test('cnitool 1.0.0: a failed ADD (IPAM error after the move) undoes itself, since cnitool sends no DEL', async (t) => {
  const { s, lab, tool, ns } = await setup(t);
  const net = s.name('net');
  // host-local without ranges fails its own ADD, which runs after the VF was moved and configured.
  tool.writeConflist({
    cniVersion: '1.0.0',
    name: net,
    plugins: [
      {
        type: 'sriov',
        deviceID: lab.vf(0, 0).pci,
        mac: '02:5a:00:00:04:01',
        vlan: 9,
        ipam: { type: 'host-local', dataDir: s.path('ipam') },
      },
    ],
  });
  const before = await lab.snapshot();
  const add = await tool.add(net, ns.path);
  assert.notEqual(add.status, 0, `ADD succeeded without IPAM ranges: ${formatResult(add)}`);
  assert.match(add.stderr, /plugin type="sriov" failed \(add\)/, formatResult(add));
  assert.deepEqual(await lab.snapshot(), before);
  assert.equal(await getLink(ns.name, 'eth0'), null);
  assert.deepEqual(lab.stateFilesMentioning([cnitoolContainerId(ns.path)]), []);
  // And the VF is free again: the same ADD with working IPAM gets it.
  tool.writeConflist(conflist(s, '1.0.0', net, { deviceID: lab.vf(0, 0).pci }));
  const again = await tool.add(net, ns.path);
  assert.equal(again.status, 0, formatResult(again));
  const del = await tool.del(net, ns.path);
  assert.equal(del.status, 0, formatResult(del));
  assert.deepEqual(await lab.snapshot(), before);
});
