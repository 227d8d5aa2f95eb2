// The shared store suite: SQLite always (a temp file); PostgreSQL too when VFNET_TEST_PG_URL
// points at a server (a database is created for the run and dropped after).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { PlacementError } from '../../../src/placement/errors.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../../../src/placement/standard-names.js';
import { openStore } from '../../../src/store/open.js';
import type { SqlStore } from '../../../src/store/sql-store.js';
import { MIGRATIONS } from '../../../src/store/schema.js';

interface Backend {
  name: string;
  /** A location for a fresh, empty database; the same location may be opened several times. */
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-store-'));
  let n = 0;
  return {
    name: 'sqlite',
    fresh: async () => join(dir, `db${n++}.sqlite`),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function pgBackend(url: string): Backend {
  const made: string[] = [];
  const admin = () => new pg.Client({ connectionString: url });
  return {
    name: 'postgresql',
    async fresh() {
      const name = `vfnet_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const c = admin();
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      made.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async cleanup() {
      const c = admin();
      await c.connect();
      for (const n of made) await c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

const backends = [sqliteBackend()];
if (process.env.VFNET_TEST_PG_URL) backends.push(pgBackend(process.env.VFNET_TEST_PG_URL));

async function seeded(location: string): Promise<SqlStore> {
  const s = await openStore(location);
  await s.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
  return s;
}

async function rejectsWith(p: Promise<unknown>, status: number, code?: string): Promise<PlacementError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PlacementError, `expected PlacementError, got ${e}`);
    assert.equal(e.status, status, e.detail);
    if (code) assert.equal(e.code, code);
    return e;
  }
  assert.fail('expected a rejection');
}

const vf = (uuid: string, n = 1) => [{ providerUuid: uuid, resourceClass: 'SRIOV_NET_VF', used: n }];
const claim = (consumer: string, pf: string, n = 1) => ({ consumerUuid: consumer, projectId: 'p', userId: 'u', allocations: vf(pf, n) });

for (const backend of backends) {
  describe(`store on ${backend.name}`, () => {
    after(() => backend.cleanup());

    it('records migrations once and reopens an existing database', async () => {
      const loc = await backend.fresh();
      const a = await seeded(loc);
      const applied = await a.migrate();
      assert.deepEqual(applied, [], 'a second migrate applies nothing');
      await a.close();
      const b = await seeded(loc);
      assert.equal((await b.listResourceClasses()).length, STANDARD_RESOURCE_CLASSES.length);
      assert.ok(await b.getTrait('HW_NIC_SRIOV'));
      await b.close();
      assert.ok(MIGRATIONS.length >= 1);
    });

    it('lets one of two writers with the same provider generation win', async () => {
      const loc = await backend.fresh();
      const s1 = await seeded(loc);
      const s2 = await seeded(loc); // a second "process" on the same database
      const rp = randomUUID();
      await s1.createProvider({ uuid: rp, name: 'pf', parentUuid: null });
      const inv = (total: number) => [{ resourceClass: 'SRIOV_NET_VF', total, reserved: 0, minUnit: 1, maxUnit: total, stepSize: 1, allocationRatio: 1 }];
      const results = await Promise.allSettled([s1.setInventories(rp, 0, inv(8)), s2.setInventories(rp, 0, inv(4))]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 1);
      assert.equal(failed.length, 1);
      assert.ok(failed[0]!.reason instanceof PlacementError);
      assert.equal(failed[0]!.reason.status, 409);
      assert.equal(failed[0]!.reason.code, 'placement.concurrent_update');
      assert.equal((await s2.getProvider(rp))!.generation, 1);
      await rejectsWith(s1.setProviderTraits(rp, 0, ['HW_NIC_SRIOV']), 409, 'placement.concurrent_update');
      await s1.close();
      await s2.close();
    });

    it('never over-allocates under concurrent claims from two stores', async () => {
      const loc = await backend.fresh();
      const s1 = await seeded(loc);
      const s2 = await seeded(loc);
      const pf = randomUUID();
      await s1.createProvider({ uuid: pf, name: 'pf', parentUuid: null });
      await s1.setInventories(pf, 0, [{ resourceClass: 'SRIOV_NET_VF', total: 4, reserved: 0, minUnit: 1, maxUnit: 4, stepSize: 1, allocationRatio: 1 }]);
      const attempts = Array.from({ length: 12 }, (_, i) => (i % 2 ? s1 : s2).writeAllocations([{ ...claim(randomUUID(), pf), consumerGeneration: null }]));
      const results = await Promise.allSettled(attempts);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal((r.reason as PlacementError).status, 409);
      }
      const { usages } = await s1.getProviderUsages(pf);
      assert.equal(usages.get('SRIOV_NET_VF'), 4);
      await s1.close();
      await s2.close();
    });

    it('checks consumer generations and replaces allocations atomically', async () => {
      const s = await seeded(await backend.fresh());
      const pf = randomUUID();
      await s.createProvider({ uuid: pf, name: 'pf', parentUuid: null });
      await s.setInventories(pf, 0, [{ resourceClass: 'SRIOV_NET_VF', total: 2, reserved: 0, minUnit: 1, maxUnit: 2, stepSize: 1, allocationRatio: 1 }]);
      const c = randomUUID();
      await s.writeAllocations([{ ...claim(c, pf), consumerGeneration: null }]);
      const e = await rejectsWith(s.writeAllocations([{ ...claim(c, pf, 2), consumerGeneration: null }]), 409, 'placement.concurrent_update');
      assert.match(e.detail, /consumer generation conflict - expected 1 but got null/);
      await s.writeAllocations([{ ...claim(c, pf, 2), consumerGeneration: 1 }]);
      // A batch with one bad consumer changes nothing.
      await rejectsWith(s.writeAllocations([{ ...claim(c, pf, 1), consumerGeneration: 2 }, { ...claim(randomUUID(), pf, 2), consumerGeneration: null }]), 409);
      const view = await s.getConsumerAllocations(c);
      assert.equal(view.consumer!.generation, 2);
      assert.equal(view.allocations.get(pf)!.resources.get('SRIOV_NET_VF'), 2);
      await s.close();
    });

    it('refuses to delete in-use inventory and providers with children or allocations', async () => {
      const s = await seeded(await backend.fresh());
      const host = randomUUID();
      const pf = randomUUID();
      await s.createProvider({ uuid: host, name: 'host', parentUuid: null });
      const child = await s.createProvider({ uuid: pf, name: 'pf', parentUuid: host });
      assert.equal(child.rootUuid, host);
      await s.setInventories(pf, 0, [{ resourceClass: 'SRIOV_NET_VF', total: 2, reserved: 0, minUnit: 1, maxUnit: 2, stepSize: 1, allocationRatio: 1 }]);
      await s.writeAllocations([claim(randomUUID(), pf)]);
      // Placement 8.0 answers a single in-use inventory's DELETE with concurrent_update (measured against it).
      await rejectsWith(s.deleteInventory(pf, 'SRIOV_NET_VF'), 409, 'placement.concurrent_update');
      await rejectsWith(s.deleteProvider(host), 409, 'placement.resource_provider.cannot_delete_parent');
      await rejectsWith(s.deleteProvider(pf), 409, 'placement.resource_provider.inuse');
      await s.close();
    });

    it('replaces inventories the same way for PUT and reshape, reshape checking "in use" at the end', async () => {
      const s = await seeded(await backend.fresh());
      const pf1 = randomUUID();
      const pf2 = randomUUID();
      await s.createProvider({ uuid: pf1, name: 'pf1', parentUuid: null });
      await s.createProvider({ uuid: pf2, name: 'pf2', parentUuid: null });
      const inv = (resourceClass: string, total: number) => ({ resourceClass, total, reserved: 0, minUnit: 1, maxUnit: total, stepSize: 1, allocationRatio: 1 });
      await s.setInventories(pf1, 0, [inv('SRIOV_NET_VF', 2), inv('VCPU', 4)]);
      const c = randomUUID();
      await s.writeAllocations([{ ...claim(c, pf1), consumerGeneration: null }]);

      // PUT refuses to drop an allocated class at once, and names unknown classes its own way.
      const inUse = await rejectsWith(s.setInventories(pf1, 2, [inv('VCPU', 4)]), 409, 'placement.inventory.inuse');
      assert.match(inUse.detail, /update conflict: Inventory for 'SRIOV_NET_VF' on resource provider '.*' in use\./);
      const unknown = await rejectsWith(s.setInventories(pf1, 2, [inv('CUSTOM_NOPE', 1)]), 400);
      assert.equal(unknown.message, `Unknown resource class in inventory for resource provider ${pf1}: No such resource class CUSTOM_NOPE.`);
      const reshapeUnknown = await rejectsWith(s.reshape([{ providerUuid: pf1, generation: 2, inventories: [inv('CUSTOM_NOPE', 1)] }], []), 400);
      assert.equal(reshapeUnknown.message, 'No such resource class CUSTOM_NOPE.');

      // Reshape may drop it when the same call moves the allocation away...
      const moved = { ...claim(c, pf2), consumerGeneration: 1 };
      const stillThere = await rejectsWith(s.reshape([{ providerUuid: pf1, generation: 2, inventories: [inv('VCPU', 8)] }], []), 409, 'placement.inventory.inuse');
      assert.match(stillThere.detail, /Inventory for 'SRIOV_NET_VF' on resource provider '.*' in use\./);
      assert.equal((await s.getInventories(pf1)).inventories.length, 2, 'a refused reshape changes nothing');
      await s.reshape([
        { providerUuid: pf1, generation: 2, inventories: [inv('VCPU', 8)] },
        { providerUuid: pf2, generation: 0, inventories: [inv('SRIOV_NET_VF', 1)] },
      ], [moved]);
      const after1 = await s.getInventories(pf1);
      assert.deepEqual(after1.inventories, [inv('VCPU', 8)], 'kept classes are updated, dropped ones deleted');
      // One step for the allocations moving, two for the interim and final inventories.
      assert.equal(after1.provider.generation, 5);
      assert.equal((await s.getProvider(pf2))!.generation, 3);
      assert.equal((await s.getConsumerAllocations(c)).allocations.get(pf2)!.resources.get('SRIOV_NET_VF'), 1);
      await s.close();
    });

    it('keeps snapshots current across stores (processes) through the change counter', async () => {
      const loc = await backend.fresh();
      const s1 = await seeded(loc);
      const s2 = await seeded(loc);
      const before = await s1.snapshot();
      assert.equal(await s1.snapshot(), before, 'unchanged data reuses the snapshot');
      const rp = randomUUID();
      await s2.createProvider({ uuid: rp, name: 'elsewhere', parentUuid: null });
      const after = await s1.snapshot();
      assert.notEqual(after, before);
      assert.equal(after.get(rp)?.name, 'elsewhere');
      await s1.close();
      await s2.close();
    });
  });
}
