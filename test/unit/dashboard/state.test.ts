// The dashboard's state from a real SQLite store: the model written through the store, the
// plugin's ledger row in the same file (as on a node, or under `npm start`), read back in one
// transaction with its change counter, and the container found behind its attachment consumer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ATTACHMENT_CONSUMER_TYPE, ATTACHMENT_PROJECT, attachmentConsumer } from '../../../src/accounting/port.js';
import { dashboardView } from '../../../src/dashboard/state.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../../src/placement/standard-names.js';
import { openNodeLedger } from '../../../src/store/node-store.js';
import { openStore } from '../../../src/store/open.js';

const inv = (resourceClass: string, total: number, reserved = 0) => ({
  resourceClass,
  total,
  reserved,
  minUnit: 1,
  maxUnit: total,
  stepSize: 1,
  allocationRatio: 1,
});

describe('dashboard state from the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-dash-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the tree, the counter it was read at, and the container the ledger names', async () => {
    const path = join(dir, 'node.db');
    const store = await openStore(path);
    try {
      await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
      await store.ensureTrait('CUSTOM_PHYSNET_PUBLIC');
      await store.createProvider({ uuid: '00000000-0000-4000-8000-000000000001', name: 'h', parentUuid: null });
      await store.createProvider({
        uuid: '00000000-0000-4000-8000-000000000002',
        name: 'h_nic_0000:3b:00',
        parentUuid: '00000000-0000-4000-8000-000000000001',
      });
      const pf = await store.createProvider({
        uuid: '00000000-0000-4000-8000-000000000003',
        name: 'h_pf0',
        parentUuid: '00000000-0000-4000-8000-000000000002',
      });
      const g = await store.setInventories(pf.uuid, pf.generation, [inv('SRIOV_NET_VF', 4, 1)]);
      await store.setProviderTraits(pf.uuid, g.generation, ['CUSTOM_PHYSNET_PUBLIC']);
      const consumer = attachmentConsumer('ctr-42', 'net1');
      await store.writeAllocations([
        {
          consumerUuid: consumer,
          projectId: ATTACHMENT_PROJECT,
          userId: 'mynet',
          consumerGeneration: null,
          consumerType: ATTACHMENT_CONSUMER_TYPE,
          allocations: [{ providerUuid: pf.uuid, resourceClass: 'SRIOV_NET_VF', used: 1 }],
        },
      ]);
      const ledger = await openNodeLedger(path);
      ledger.write({
        pci: '0000:3b:10.1',
        network: 'mynet',
        containerId: 'ctr-42',
        ifname: 'net1',
        netns: '/var/run/netns/x',
        at: new Date(0).toISOString(),
      });

      const h = await store.holdings();
      assert.equal(h.counter, await store.changeCounter());
      const v = dashboardView(h);
      assert.equal(v.generation, h.counter);
      const pfNode = v.trees[0]!.children[0]!.children[0]!;
      assert.equal(pfNode.kind, 'pf');
      assert.deepEqual(pfNode.traits, ['CUSTOM_PHYSNET_PUBLIC']);
      assert.deepEqual(pfNode.bars, [{ resourceClass: 'SRIOV_NET_VF', used: 1, total: 4, reserved: 1, capacity: 3 }]);
      assert.deepEqual(
        pfNode.holders.map((x) => [x.kind, x.network, x.containerId, x.ifname, x.vf]),
        [['container', 'mynet', 'ctr-42', 'net1', '0000:3b:10.1']],
      );

      // A write moves the counter the next read returns; the view follows.
      await store.deleteConsumerAllocations(consumer);
      const after = await store.holdings();
      assert.ok(after.counter > h.counter);
      assert.deepEqual(dashboardView(after).trees[0]!.children[0]!.children[0]!.holders, []);
    } finally {
      await store.close();
    }
  });

  it('a store without a ledger (a cloud service) shows containers by network only', async () => {
    const store = await openStore(':memory:');
    try {
      const h = await store.holdings();
      assert.deepEqual(h.attachments, []);
      assert.deepEqual(dashboardView(h).trees, []);
    } finally {
      await store.close();
    }
  });
});
