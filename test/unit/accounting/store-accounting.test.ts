// VF claims in a real SQLite store (the node's embedded model): capacity, a retried claim by the
// same consumer, release, the claims on this host by network, and a file that holds no model.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreVfAccounting } from '../../../src/accounting/store-accounting.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../../src/placement/standard-names.js';
import { openNodeLedger, openNodeModel } from '../../../src/store/node-store.js';
import { openStore } from '../../../src/store/open.js';
import type { SqlStore } from '../../../src/store/sql-store.js';

const ROOT = '00000000-0000-4000-8000-000000000001';
const PF0 = '00000000-0000-4000-8000-000000000002';
const PF1 = '00000000-0000-4000-8000-000000000003';
const C1 = '10000000-0000-4000-8000-000000000001';
const C2 = '10000000-0000-4000-8000-000000000002';
const C3 = '10000000-0000-4000-8000-000000000003';

describe('StoreVfAccounting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-store-acct-'));
  let store: SqlStore;
  let acct: StoreVfAccounting;

  before(async () => {
    store = await openStore(join(dir, 'node.db'));
    await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
    await store.ensureTrait('CUSTOM_PHYSNET_PUBLIC');
    await store.createProvider({ uuid: ROOT, name: 'h', parentUuid: null });
    for (const [uuid, name] of [
      [PF0, 'h_pf0'],
      [PF1, 'h_pf1'],
    ] as const) {
      const p = await store.createProvider({ uuid, name, parentUuid: ROOT });
      const inv = await store.setInventories(uuid, p.generation, [
        {
          resourceClass: 'SRIOV_NET_VF',
          total: 1,
          reserved: 0,
          minUnit: 1,
          maxUnit: 1,
          stepSize: 1,
          allocationRatio: 1,
        },
      ]);
      if (uuid === PF0) await store.setProviderTraits(uuid, inv.generation, ['CUSTOM_PHYSNET_PUBLIC']);
    }
    acct = new StoreVfAccounting(async () => store, ROOT, 'file:///test');
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('claims within capacity, lets the same consumer claim again, and releases', async () => {
    assert.deepEqual(await acct.candidatePfs('CUSTOM_PHYSNET_PUBLIC'), [PF0]);
    assert.equal(await acct.knows(PF0), true);
    assert.equal(await acct.claim(C1, PF0, 'net-a'), true);
    assert.equal(await acct.claim(C2, PF0, 'net-a'), false, 'PF0 has 1 VF');
    assert.equal(await acct.claim(C1, PF0, 'net-a'), true, 'a retried ADD replaces its own claim');
    assert.deepEqual(await acct.candidatePfs('CUSTOM_PHYSNET_PUBLIC'), []);
    assert.equal(await acct.claim(C3, PF1, 'net-b'), true);
    assert.deepEqual(await acct.attachmentsOn([PF0, PF1], 'net-a'), [C1]);
    assert.deepEqual(await acct.attachmentsOn([PF0, PF1], 'net-b'), [C3]);
    await acct.release(C1);
    await acct.release(C1);
    assert.equal((await store.getProviderUsages(PF0)).usages.get('SRIOV_NET_VF') ?? 0, 0);
    assert.deepEqual(await acct.candidatePfs('CUSTOM_PHYSNET_PUBLIC'), [PF0]);
  });

  it('a node file with only the ledger has no model, and is left without one', async () => {
    const path = join(dir, 'ledger-only.db');
    (await openNodeLedger(path)).all();
    assert.equal(await openNodeModel(path), null);
    const none = new StoreVfAccounting(() => openNodeModel(path), ROOT, `file://${path}`);
    assert.deepEqual(
      [await none.knows(PF0), await none.candidatePfs('CUSTOM_PHYSNET_PUBLIC'), await none.claim(C1, PF0, 'n')],
      [false, [], false],
    );
    await none.release(C1);
    assert.equal(await openNodeModel(path), null, 'still no model in the file');
  });
});
