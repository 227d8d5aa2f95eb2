import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTree, discover } from '../../../src/agent/discover.js';
import { AgentError } from '../../../src/agent/errors.js';
import { hostProviderUuid, NAMESPACE_URL, nicProviderUuid, pfProviderUuid, PROVIDER_NAMESPACE, uuidV5 } from '../../../src/accounting/ids.js';
import { parsePhysnets } from '../../../src/agent/physnet.js';
import { renderTree } from '../../../src/agent/render.js';
import { scanHost } from '../../../src/agent/scan.js';
import { driverTrait, physnetTrait, vendorTrait } from '../../../src/agent/traits.js';
import { FACTS, plainHost, sriovHost } from '../../support/fake-sriov-hosts.js';

const physnets = parsePhysnets(['enp59s0f0=public', 'enp59s0f1=intranet']);

describe('provider UUIDs', () => {
  it('are RFC 4122 version 5 UUIDs', () => {
    // The RFC's own example: the DNS namespace and www.example.com.
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
    assert.equal(uuidV5(NAMESPACE_URL, 'urn:vfnet:resource-provider'), PROVIDER_NAMESPACE);
  });

  it('depend on the host and the PCI address only, not on case or netdev names', () => {
    assert.equal(hostProviderUuid('Compute1'), hostProviderUuid('compute1'));
    assert.notEqual(hostProviderUuid('compute1'), hostProviderUuid('compute2'));
    assert.equal(pfProviderUuid('compute1', '0000:3B:00.0'), pfProviderUuid('compute1', '0000:3b:00.0'));
    assert.notEqual(pfProviderUuid('compute1', '0000:3b:00.0'), pfProviderUuid('compute1', '0000:3b:00.1'));
    assert.notEqual(pfProviderUuid('compute1', '0000:3b:00.0'), pfProviderUuid('compute2', '0000:3b:00.0'));
    assert.notEqual(nicProviderUuid('compute1', '0000:3b:00'), pfProviderUuid('compute1', '0000:3b:00'));
  });

  it('are the same across runs, and a renamed PF keeps its UUID', () => {
    const a = discover(sriovHost().sysfs, FACTS, physnets).providers;
    const b = discover(sriovHost().sysfs, FACTS, physnets).providers;
    assert.deepEqual(a.map((p) => [p.uuid, p.name]), b.map((p) => [p.uuid, p.name]));
    const renamed = discover(sriovHost({ pf: [{ name: 'eth7' }] }).sysfs, FACTS, physnets).providers;
    const pf0 = renamed.find((p) => p.pci === '0000:3b:00.0')!;
    assert.equal(pf0.uuid, a.find((p) => p.pci === '0000:3b:00.0')!.uuid);
    assert.equal(pf0.name, 'compute1_eth7');
  });
});

describe('discover', () => {
  it('models host → NIC → PFs, parents first, with inventories and traits', () => {
    const d = discover(sriovHost().sysfs, FACTS, physnets);
    const [root, nic, pf0, pf1, ...more] = d.providers;
    assert.equal(more.length, 0);

    assert.deepEqual([root!.kind, root!.name, root!.parentUuid, root!.uuid], ['host', 'compute1', null, hostProviderUuid('compute1')]);
    assert.deepEqual(Object.fromEntries(Object.entries(root!.inventories).map(([rc, i]) => [rc, i.total])), { VCPU: 16, MEMORY_MB: 65536, DISK_GB: 500 });
    assert.deepEqual(root!.traits, ['HW_NIC_SRIOV']);

    assert.deepEqual([nic!.kind, nic!.name, nic!.parentUuid, nic!.pci], ['nic', 'compute1_nic_0000:3b:00', root!.uuid, '0000:3b:00']);
    assert.deepEqual(nic!.inventories, {});
    assert.deepEqual(nic!.traits, ['CUSTOM_DRIVER_IXGBE', 'CUSTOM_VENDOR_8086']);

    for (const [pf, name, pci, physnet] of [[pf0, 'enp59s0f0', '0000:3b:00.0', 'PUBLIC'], [pf1, 'enp59s0f1', '0000:3b:00.1', 'INTRANET']] as const) {
      assert.equal(pf!.kind, 'pf');
      assert.equal(pf!.name, `compute1_${name}`);
      assert.equal(pf!.parentUuid, nic!.uuid);
      assert.equal(pf!.uuid, pfProviderUuid('compute1', pci));
      assert.deepEqual(pf!.inventories, { SRIOV_NET_VF: { total: 4, reserved: 0, min_unit: 1, max_unit: 4, step_size: 1, allocation_ratio: 1 } });
      assert.deepEqual(pf!.traits, ['CUSTOM_DRIVER_IXGBE', `CUSTOM_PHYSNET_${physnet}`, 'CUSTOM_VENDOR_8086', 'HW_NIC_SRIOV']);
      assert.deepEqual(pf!.pf!.vfs.map((v) => v.index), [0, 1, 2, 3]);
    }
    assert.deepEqual(pf0!.pf!.vfs[1], { index: 1, pci: '0000:3b:10.2', netdev: 'enp59s0f0v1', driver: 'ixgbevf' });
    assert.deepEqual(d.notes, []);
  });

  it('gives each NIC its own provider, sorted by PCI address', () => {
    const d = discover(sriovHost({ secondNic: true }).sysfs, FACTS, physnets);
    assert.deepEqual(d.providers.map((p) => p.name), [
      'compute1', 'compute1_nic_0000:3b:00', 'compute1_nic_0000:af:00', 'compute1_enp59s0f0', 'compute1_enp59s0f1', 'compute1_ens785f0',
    ]);
    const i40e = d.providers.find((p) => p.name === 'compute1_ens785f0')!;
    assert.equal(i40e.parentUuid, nicProviderUuid('compute1', '0000:af:00'));
    assert.deepEqual(i40e.traits, ['CUSTOM_DRIVER_I40E', 'CUSTOM_VENDOR_8086', 'HW_NIC_SRIOV']);
    assert.match(d.notes.join('\n'), /PF ens785f0 \(0000:af:00.0\) has no physnet: give one with --physnet ens785f0=<name>/);
  });

  it('skips VFs, representors, non-SR-IOV devices and virtual netdevs', () => {
    const host = sriovHost({ vfs: 2 });
    // A switchdev representor of VF 0: same PCI device as the PF, phys_port_name pf0vf0.
    host.addLink(null, { name: 'eth_rep0', device: '0000:3b:00.0' });
    host.sysfs.writeFile('sys/devices/pci0000:3b/0000:3b:00.0/net/eth_rep0/phys_port_name', 'pf0vf0\n');
    host.addLink(null, { name: 'veth0' });
    host.addPf({ name: 'ens1', pci: '0000:05:00.0', numvfs: 0, totalvfs: null, extraNetdevs: ['ens1d1'], driver: 'mlx4_core', vendor: '0x15b3' });
    const scan = scanHost(host.sysfs);
    assert.deepEqual(scan.pfs.map((p) => [p.netdev, p.pci, p.otherNetdevs]), [['enp59s0f0', '0000:3b:00.0', []], ['enp59s0f1', '0000:3b:00.1', []]]);
    assert.deepEqual(scan.nonSriov.map((n) => n.netdev), ['ens1', 'ens1d1']);
  });

  it('names physnet traits upper-case with other characters as _ and accepts PCI keys', () => {
    assert.equal(physnetTrait('public'), 'CUSTOM_PHYSNET_PUBLIC');
    assert.equal(physnetTrait('data-net_2'), 'CUSTOM_PHYSNET_DATA_NET_2');
    assert.equal(vendorTrait('0x15B3'), 'CUSTOM_VENDOR_15B3');
    assert.equal(driverTrait('mlx5_core'), 'CUSTOM_DRIVER_MLX5_CORE');
    const d = discover(sriovHost().sysfs, FACTS, parsePhysnets(['0000:3B:00.1=storage-b,enp59s0f0=Public']));
    assert.deepEqual(d.providers.filter((p) => p.kind === 'pf').map((p) => p.physnet), ['Public', 'storage-b']);
    assert.ok(d.providers[3]!.traits.includes('CUSTOM_PHYSNET_STORAGE_B'));
  });

  it('refuses malformed --physnet entries with a coded error', () => {
    for (const bad of ['enp59s0f0', '=public', 'enp59s0f0=', 'enp59s0f0=pub lic', 'a/b=x']) {
      assert.throws(() => parsePhysnets([bad]), (e: unknown) => e instanceof AgentError && e.code === 'vfnet.agent.bad_physnet', bad);
    }
    assert.throws(() => parsePhysnets(['p0=a', 'p0=b']), /given twice/);
  });

  it('notes physnet entries that match no PF', () => {
    const d = discover(sriovHost().sysfs, FACTS, parsePhysnets(['enp59s0f0=public', 'enp59s0f1=intranet', 'eth9=public']));
    assert.deepEqual(d.notes, ['--physnet eth9=public: no SR-IOV PF of that name or PCI address here']);
  });

  it('gives a PF without VFs no inventory, and leaves out PFs with SR-IOV off in firmware', () => {
    const host = sriovHost({ pf: [{ vfs: [], numvfs: 0 }, { totalvfs: 0, vfs: [], numvfs: 0 }] });
    const d = discover(host.sysfs, FACTS, physnets);
    assert.deepEqual(d.providers.map((p) => p.name), ['compute1', 'compute1_nic_0000:3b:00', 'compute1_enp59s0f0']);
    assert.deepEqual(d.providers[2]!.inventories, {});
    assert.match(d.notes.join('\n'), /PF enp59s0f0 has no VFs \(sriov_numvfs is 0\)/);
    assert.match(d.notes.join('\n'), /PF enp59s0f1 \(0000:3b:00.1\) reports sriov_totalvfs 0: SR-IOV is off in its firmware/);
  });

  it('follows sriov_numvfs for the inventory', () => {
    const host = sriovHost();
    host.setNumVfs('enp59s0f1', 2);
    const pf1 = discover(host.sysfs, FACTS, physnets).providers.find((p) => p.name === 'compute1_enp59s0f1')!;
    assert.equal(pf1.inventories.SRIOV_NET_VF!.total, 2);
    assert.equal(pf1.pf!.vfs.length, 2);
  });

  it('is the root alone on a host without SR-IOV, and says so', () => {
    const d = discover(plainHost().sysfs, FACTS, new Map());
    assert.equal(d.providers.length, 1);
    assert.deepEqual(d.providers[0]!.traits, []);
    assert.match(d.notes[0]!, /^no SR-IOV physical function found; network devices without SR-IOV: ens3 \(0000:00:03.0, virtio-pci\): the tree is the host alone$/);
    const text = renderTree(d);
    assert.match(text, /^compute1 {2}\(host [0-9a-f-]{36}\) {2}VCPU=16 MEMORY_MB=65536 DISK_GB=500$/m);
    assert.match(text, /note: no SR-IOV physical function found/);
  });

  it('leaves out root classes whose fact is 0, and rejects impossible facts', () => {
    const d = buildTree({ ...FACTS, diskGb: 0 }, scanHost(plainHost().sysfs), new Map());
    assert.deepEqual(Object.keys(d.providers[0]!.inventories), ['VCPU', 'MEMORY_MB']);
    assert.throws(() => buildTree({ ...FACTS, hostname: 'a b' }, scanHost(plainHost().sysfs), new Map()), /hostname "a b"/);
    assert.throws(() => buildTree({ ...FACTS, vcpus: 1.5 }, scanHost(plainHost().sysfs), new Map()), /vcpus 1.5/);
  });

  it('draws the tree like `tree`, VFs under their PF', () => {
    const text = renderTree(discover(sriovHost({ vfs: 2 }).sysfs, FACTS, physnets));
    const lines = text.split('\n');
    assert.match(lines[1]!, /^└── compute1_nic_0000:3b:00 {2}\(NIC [0-9a-f-]{36}\) {2}\[CUSTOM_DRIVER_IXGBE CUSTOM_VENDOR_8086\]$/);
    assert.match(lines[2]!, /^ {4}├── compute1_enp59s0f0 {2}\(PF 0000:3b:00.0, [0-9a-f-]{36}, physnet public, link up, VFs 2\/63\) {2}SRIOV_NET_VF=2 {2}\[CUSTOM_DRIVER_IXGBE CUSTOM_PHYSNET_PUBLIC CUSTOM_VENDOR_8086 HW_NIC_SRIOV\]$/);
    assert.equal(lines[3], '    │   ├── vf 0  0000:3b:10.0  enp59s0f0v0  ixgbevf');
    assert.equal(lines[4], '    │   └── vf 1  0000:3b:10.2  enp59s0f0v1  ixgbevf');
    assert.match(lines[5]!, /^ {4}└── compute1_enp59s0f1 /);
    assert.equal(lines[7], '        └── vf 1  0000:3b:10.3  enp59s0f1v1  ixgbevf');
  });
});
