// The dashboard's view model: trees, kinds, bars and holders from the store's rows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildView, type TreeNode, type ViewInput } from '../../../src/dashboard/view-model.js';

const MARK = { consumerType: 'CNI_ATTACHMENT', projectId: 'vfnet' };

function input(over: Partial<ViewInput> = {}): ViewInput {
  return {
    generation: 7,
    providers: [
      { uuid: 'h', name: 'node1', parentUuid: null },
      { uuid: 'n', name: 'node1_nic_0000:3b:00', parentUuid: 'h' },
      { uuid: 'p1', name: 'node1_ens1f1', parentUuid: 'n' },
      { uuid: 'p0', name: 'node1_ens1f0', parentUuid: 'n' },
    ],
    inventories: [
      { providerUuid: 'h', resourceClass: 'VCPU', total: 8, reserved: 0, allocationRatio: 4 },
      { providerUuid: 'h', resourceClass: 'MEMORY_MB', total: 4096, reserved: 512, allocationRatio: 1 },
      { providerUuid: 'p0', resourceClass: 'SRIOV_NET_VF', total: 8, reserved: 1, allocationRatio: 1 },
      { providerUuid: 'p1', resourceClass: 'SRIOV_NET_VF', total: 4, reserved: 0, allocationRatio: 1 },
    ],
    traits: [
      { providerUuid: 'p0', trait: 'HW_NIC_SRIOV' },
      { providerUuid: 'p0', trait: 'CUSTOM_PHYSNET_PUBLIC' },
      { providerUuid: 'n', trait: 'CUSTOM_VENDOR_8086' },
    ],
    allocations: [
      { providerUuid: 'p0', consumerUuid: 'c-known', resourceClass: 'SRIOV_NET_VF', used: 1 },
      { providerUuid: 'p0', consumerUuid: 'c-unknown', resourceClass: 'SRIOV_NET_VF', used: 1 },
      { providerUuid: 'h', consumerUuid: 'vm', resourceClass: 'VCPU', used: 2 },
      { providerUuid: 'p1', consumerUuid: 'vm', resourceClass: 'SRIOV_NET_VF', used: 2 },
      { providerUuid: 'p1', consumerUuid: 'mig', resourceClass: 'SRIOV_NET_VF', used: 1 },
    ],
    consumers: [
      { uuid: 'c-known', projectId: 'vfnet', userId: 'net-a', consumerType: 'CNI_ATTACHMENT' },
      { uuid: 'c-unknown', projectId: 'vfnet', userId: 'net-b', consumerType: 'CNI_ATTACHMENT' },
      { uuid: 'vm', projectId: 'p', userId: 'u', consumerType: null },
      { uuid: 'mig', projectId: 'p', userId: 'u', consumerType: 'MIGRATION' },
    ],
    attachments: [
      { consumerUuid: 'c-known', network: 'net-a', containerId: 'ctr-1', ifname: 'net1', pci: '0000:3b:10.0' },
    ],
    attachmentMark: MARK,
    ...over,
  };
}

const find = (trees: TreeNode[], uuid: string): TreeNode | undefined => {
  for (const t of trees) {
    if (t.uuid === uuid) return t;
    const hit = find(t.children, uuid);
    if (hit) return hit;
  }
  return undefined;
};

describe('dashboard view model', () => {
  it('builds host → NIC → PF, children by name, with their kinds and sorted traits', () => {
    const v = buildView(input());
    assert.equal(v.generation, 7);
    assert.deepEqual(
      v.trees.map((t) => [t.kind, t.name]),
      [['host', 'node1']],
    );
    const nic = v.trees[0]!.children[0]!;
    assert.equal(nic.kind, 'nic');
    assert.deepEqual(nic.traits, ['CUSTOM_VENDOR_8086']);
    assert.deepEqual(
      nic.children.map((c) => [c.kind, c.name]),
      [
        ['pf', 'node1_ens1f0'],
        ['pf', 'node1_ens1f1'],
      ],
    );
    assert.deepEqual(nic.children[0]!.traits, ['CUSTOM_PHYSNET_PUBLIC', 'HW_NIC_SRIOV']);
  });

  it('bars: used summed per class, reserved and capacity as Placement counts them, VFs first', () => {
    const v = buildView(input());
    assert.deepEqual(find(v.trees, 'p0')!.bars, [
      { resourceClass: 'SRIOV_NET_VF', used: 2, total: 8, reserved: 1, capacity: 7 },
    ]);
    assert.deepEqual(
      find(v.trees, 'h')!.bars.map((b) => [b.resourceClass, b.used, b.capacity]),
      [
        ['MEMORY_MB', 0, 3584],
        ['VCPU', 2, 32],
      ],
    );
    assert.deepEqual(find(v.trees, 'n')!.bars, [], 'a NIC has no inventory');
  });

  it('holders: containers by network, with container, ifname and VF when the ledger names them; instances and others by uuid', () => {
    const v = buildView(input());
    const p0 = find(v.trees, 'p0')!.holders;
    assert.deepEqual(
      p0.find((h) => h.consumer === 'c-known'),
      {
        consumer: 'c-known',
        kind: 'container',
        consumerType: 'CNI_ATTACHMENT',
        projectId: 'vfnet',
        userId: 'net-a',
        network: 'net-a',
        containerId: 'ctr-1',
        ifname: 'net1',
        vf: '0000:3b:10.0',
        resources: { SRIOV_NET_VF: 1 },
      },
    );
    const unknown = p0.find((h) => h.consumer === 'c-unknown')!;
    assert.equal(unknown.kind, 'container');
    assert.equal(unknown.network, 'net-b');
    assert.equal(unknown.containerId, undefined, 'no ledger row: no container id is made up');
    const p1 = find(v.trees, 'p1')!.holders;
    assert.deepEqual(
      p1.map((h) => [h.consumer, h.kind, h.resources]),
      [
        ['vm', 'instance', { SRIOV_NET_VF: 2 }],
        ['mig', 'other', { SRIOV_NET_VF: 1 }],
      ],
    );
    assert.deepEqual(
      find(v.trees, 'h')!.holders.map((h) => [h.consumer, h.kind]),
      [['vm', 'instance']],
    );
  });

  it('an attachment-typed consumer of another project is not taken for a container', () => {
    const v = buildView(
      input({
        consumers: [{ uuid: 'c-known', projectId: 'elsewhere', userId: 'x', consumerType: 'CNI_ATTACHMENT' }],
        allocations: [{ providerUuid: 'p0', consumerUuid: 'c-known', resourceClass: 'SRIOV_NET_VF', used: 1 }],
      }),
    );
    assert.equal(find(v.trees, 'p0')!.holders[0]!.kind, 'other');
  });

  it('totals count PFs and their VFs; several roots and an orphan show, sorted by name', () => {
    const v = buildView(
      input({
        providers: [
          ...input().providers,
          { uuid: 'a', name: 'another-host', parentUuid: null },
          { uuid: 'o', name: 'orphan', parentUuid: 'gone' },
        ],
      }),
    );
    assert.deepEqual(
      v.trees.map((t) => t.name),
      ['another-host', 'node1', 'orphan'],
    );
    assert.deepEqual(v.totals, { hosts: 3, pfs: 2, vfTotal: 12, vfUsed: 5, vfReserved: 1, holders: 5 });
  });

  it('no providers: no trees, zero totals', () => {
    const v = buildView(input({ providers: [], inventories: [], traits: [], allocations: [], consumers: [] }));
    assert.deepEqual(v.trees, []);
    assert.deepEqual(v.totals, { hosts: 0, pfs: 0, vfTotal: 0, vfUsed: 0, vfReserved: 0, holders: 0 });
  });
});
