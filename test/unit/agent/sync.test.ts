import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discover, inventory, type Discovery } from '../../../src/agent/discover.js';
import { runAgent, runPass } from '../../../src/agent/loop.js';
import { parsePhysnets } from '../../../src/agent/physnet.js';
import { renderPass } from '../../../src/agent/render.js';
import { planInventories, planTraits, syncExitCode, TreeSync } from '../../../src/agent/sync.js';
import type { FakeHost } from '../../support/fake-host/host.js';
import { FakePlacement } from '../../support/fake-placement.js';
import { FACTS, sriovHost } from '../../support/fake-sriov-hosts.js';

const physnets = parsePhysnets(['enp59s0f0=public', 'enp59s0f1=intranet']);
const discovered = (host: FakeHost, p = physnets): Discovery => discover(host.sysfs, FACTS, p);
const PF0 = 'compute1_enp59s0f0';
const PF1 = 'compute1_enp59s0f1';

async function synced(host: FakeHost = sriovHost(), placement = new FakePlacement()) {
  const report = await TreeSync.run(placement, discovered(host));
  return { host, placement, report };
}

describe('agent sync', () => {
  it('registers the tree: custom traits first, then root, NICs, PFs, each under its parent', async () => {
    const { placement, report } = await synced();
    assert.equal(report.aborted, false);
    assert.deepEqual(report.problems, []);
    assert.equal(syncExitCode(report), 0);
    const creates = placement.calls.filter((c) => c.startsWith('createProvider') || c.startsWith('ensureTrait'));
    assert.deepEqual(creates, [
      'ensureTrait CUSTOM_DRIVER_IXGBE', 'ensureTrait CUSTOM_PHYSNET_INTRANET', 'ensureTrait CUSTOM_PHYSNET_PUBLIC', 'ensureTrait CUSTOM_VENDOR_8086',
      'createProvider compute1', 'createProvider compute1_nic_0000:3b:00', `createProvider ${PF0}`, `createProvider ${PF1}`,
    ]);
    const root = placement.byName('compute1')!;
    const nic = placement.byName('compute1_nic_0000:3b:00')!;
    const pf0 = placement.byName(PF0)!;
    assert.equal(nic.parent, root.uuid);
    assert.equal(pf0.parent, nic.uuid);
    assert.equal(pf0.inventories.SRIOV_NET_VF!.total, 4);
    assert.deepEqual(pf0.traits, ['CUSTOM_DRIVER_IXGBE', 'CUSTOM_PHYSNET_PUBLIC', 'CUSTOM_VENDOR_8086', 'HW_NIC_SRIOV']);
    assert.deepEqual(Object.keys(root.inventories).sort(), ['DISK_GB', 'MEMORY_MB', 'VCPU']);
    assert.deepEqual(root.traits, ['HW_NIC_SRIOV']);
    assert.deepEqual(nic.inventories, {});
    assert.deepEqual(report.changes.filter((c) => c.kind === 'created').map((c) => c.subject), ['compute1', 'compute1_nic_0000:3b:00', PF0, PF1]);
  });

  it('changes nothing on a second pass (stable UUIDs, no duplicates)', async () => {
    const { host, placement } = await synced();
    const before = placement.providers.size;
    placement.calls.length = 0;
    const again = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(again.changes, []);
    assert.deepEqual(again.problems, []);
    assert.equal(placement.providers.size, before);
    assert.deepEqual(placement.calls.filter((c) => /^(create|put|update|delete)/.test(c)), []);
  });

  it('follows a numvfs change with the inventory', async () => {
    const { host, placement } = await synced();
    host.setNumVfs('enp59s0f1', 2);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.changes.map((c) => [c.kind, c.subject, c.detail]), [['inventory', PF1, 'SRIOV_NET_VF=4 → SRIOV_NET_VF=2']]);
    assert.equal(placement.byName(PF1)!.inventories.SRIOV_NET_VF!.max_unit, 2);
  });

  it('refuses to shrink below usage, reports it, and keeps the inventory', async () => {
    const { host, placement } = await synced();
    placement.allocate(placement.byName(PF0)!.uuid, 'SRIOV_NET_VF', 3);
    host.setNumVfs('enp59s0f0', 2);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.changes, []);
    assert.equal(r.problems.length, 1);
    const p = r.problems[0]!;
    assert.equal(p.code, 'vfnet.agent.inventory_shrink_refused');
    assert.equal(p.severity, 'warning');
    assert.equal(p.provider, PF0);
    assert.match(p.message, /refused to shrink SRIOV_NET_VF on compute1_enp59s0f0 from 4 to 2: sriov_numvfs of enp59s0f0 is 2 but 3 are allocated; keeping total 4/);
    assert.equal(placement.byName(PF0)!.inventories.SRIOV_NET_VF!.total, 4);
    assert.equal(syncExitCode(r), 2);
  });

  it('allows a shrink down to exactly what is used', async () => {
    const { host, placement } = await synced();
    placement.allocate(placement.byName(PF0)!.uuid, 'SRIOV_NET_VF', 2);
    host.setNumVfs('enp59s0f0', 2);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.problems, []);
    assert.equal(placement.byName(PF0)!.inventories.SRIOV_NET_VF!.total, 2);
  });

  it('never removes an in-use class when numvfs drops to 0', async () => {
    const { host, placement } = await synced();
    placement.allocate(placement.byName(PF1)!.uuid, 'SRIOV_NET_VF', 1);
    host.setNumVfs('enp59s0f1', 0);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.problems.map((p) => p.code), ['vfnet.agent.inventory_shrink_refused']);
    assert.equal(placement.byName(PF1)!.inventories.SRIOV_NET_VF!.total, 4);
  });

  it('removes the class of an unused PF whose numvfs dropped to 0', async () => {
    const { host, placement } = await synced();
    host.setNumVfs('enp59s0f1', 0);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(placement.byName(PF1)!.inventories, {});
  });

  it('reports Placement\'s 409 inventory in use without forcing', async () => {
    const { host, placement } = await synced();
    host.setNumVfs('enp59s0f0', 1);
    placement.inUseOnNextPut = true;
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.problems.map((p) => [p.code, p.severity, p.provider]), [['placement.inventory.inuse', 'warning', PF0]]);
    assert.match(r.problems[0]!.message, /Placement refused the inventory change on compute1_enp59s0f0 \(in use\)/);
    assert.equal(placement.byName(PF0)!.inventories.SRIOV_NET_VF!.total, 4);
  });

  it('re-reads and retries on a generation conflict', async () => {
    const { host, placement } = await synced();
    host.setNumVfs('enp59s0f0', 3);
    placement.interfere('putInventories', 2);
    placement.calls.length = 0;
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.problems, []);
    assert.equal(placement.byName(PF0)!.inventories.SRIOV_NET_VF!.total, 3);
    const pf0 = placement.byName(PF0)!.uuid;
    assert.equal(placement.calls.filter((c) => c === `getInventories ${pf0}`).length, 3);
  });

  it('gives up after a bounded number of conflicts and says so', async () => {
    const { host, placement } = await synced();
    host.setNumVfs('enp59s0f0', 3);
    placement.interfere('putInventories', 100);
    const r = await TreeSync.run(placement, discovered(host), { maxAttempts: 3 });
    assert.deepEqual(r.problems.map((p) => [p.code, p.provider]), [['vfnet.agent.generation_conflict', PF0]]);
    assert.match(r.problems[0]!.message, /3 generation conflicts/);
    assert.equal(syncExitCode(r), 1);
  });

  it('keeps traits and classes it does not own, and an operator\'s reservation', async () => {
    const { host, placement } = await synced();
    const pf0 = placement.byName(PF0)!;
    placement.traits.add('CUSTOM_OPERATOR_TAG');
    pf0.traits = [...pf0.traits, 'CUSTOM_OPERATOR_TAG', 'CUSTOM_PHYSNET_OLD'].sort();
    pf0.inventories.SRIOV_NET_VF!.reserved = 1;
    pf0.inventories.CUSTOM_BANDWIDTH = inventory(10000);
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.changes.map((c) => [c.kind, c.detail]), [['traits', '-CUSTOM_PHYSNET_OLD']]);
    assert.ok(pf0.traits.includes('CUSTOM_OPERATOR_TAG'));
    assert.equal(pf0.inventories.SRIOV_NET_VF!.reserved, 1);
    assert.equal(pf0.inventories.CUSTOM_BANDWIDTH!.total, 10000);
  });

  it('moves the physnet trait when the map changes', async () => {
    const { host, placement } = await synced();
    const r = await TreeSync.run(placement, discovered(host, parsePhysnets(['enp59s0f0=storage', 'enp59s0f1=intranet'])));
    assert.deepEqual(r.changes.map((c) => [c.kind, c.subject, c.detail]), [
      ['trait-created', 'CUSTOM_PHYSNET_STORAGE', 'custom trait created'],
      ['traits', PF0, '+CUSTOM_PHYSNET_STORAGE -CUSTOM_PHYSNET_PUBLIC'],
    ]);
  });

  it('renames a PF provider when udev renames its netdev', async () => {
    const { placement } = await synced();
    const uuid = placement.byName(PF0)!.uuid;
    const r = await TreeSync.run(placement, discovered(sriovHost({ pf: [{ name: 'eth7' }] }), parsePhysnets(['eth7=public', 'enp59s0f1=intranet'])));
    assert.deepEqual(r.changes.map((c) => [c.kind, c.subject, c.detail]), [['renamed', 'compute1_eth7', `was ${PF0}`]]);
    assert.equal(placement.byName('compute1_eth7')!.uuid, uuid);
  });

  it('deletes the provider of a vanished PF when nothing is allocated on it', async () => {
    const { placement } = await synced(sriovHost({ secondNic: true }));
    const gone = placement.byName('compute1_ens785f0')!.uuid;
    const r = await TreeSync.run(placement, discovered(sriovHost()));
    assert.deepEqual(r.changes.map((c) => [c.kind, c.subject]), [['deleted', 'compute1_ens785f0'], ['deleted', 'compute1_nic_0000:af:00']]);
    assert.equal(placement.providers.has(gone), false);
    assert.deepEqual(r.problems, []);
  });

  it('keeps and reports a vanished PF that still has allocations', async () => {
    const { placement } = await synced(sriovHost({ secondNic: true }));
    placement.allocate(placement.byName('compute1_ens785f0')!.uuid, 'SRIOV_NET_VF', 1);
    const r = await TreeSync.run(placement, discovered(sriovHost()));
    assert.deepEqual(r.problems.map((p) => [p.code, p.provider]), [
      ['vfnet.agent.provider_vanished_in_use', 'compute1_ens785f0'],
      ['placement.resource_provider.cannot_delete_parent', 'compute1_nic_0000:af:00'],
    ]);
    assert.match(r.problems[0]!.message, /gone from the host but still has allocations \(SRIOV_NET_VF=1\): kept/);
    assert.ok(placement.byName('compute1_ens785f0'));
    assert.equal(syncExitCode(r), 2);
  });

  it('leaves providers it did not name alone', async () => {
    const { host, placement } = await synced();
    await placement.createProvider({ uuid: '11111111-2222-4333-8444-555555555555', name: 'numa0', parentUuid: placement.byName('compute1')!.uuid });
    const r = await TreeSync.run(placement, discovered(host));
    assert.deepEqual(r.changes, []);
    assert.ok(placement.byName('numa0'));
  });

  it('reports a name taken by another provider, and skips its subtree', async () => {
    const placement = new FakePlacement();
    await placement.createProvider({ uuid: '99999999-2222-4333-8444-555555555555', name: 'compute1', parentUuid: null });
    const { report } = await synced(sriovHost(), placement);
    assert.deepEqual(report.problems.map((p) => [p.code, p.provider]), [
      ['placement.duplicate_name', 'compute1'],
      ['vfnet.agent.parent_not_synced', 'compute1_nic_0000:3b:00'],
      ['vfnet.agent.parent_not_synced', PF0],
      ['vfnet.agent.parent_not_synced', PF1],
    ]);
    assert.match(report.problems[0]!.message, /another provider already has that name/);
    assert.equal(syncExitCode(report), 1);
  });

  it('aborts the pass when the service is unreachable', async () => {
    const placement = new FakePlacement();
    placement.down = true;
    const { report } = await synced(sriovHost(), placement);
    assert.equal(report.aborted, true);
    assert.match(report.error!, /unreachable/);
    assert.equal(syncExitCode(report), 1);
  });
});

describe('inventory and trait plans', () => {
  it('leaves unmanaged classes, keeps reserved within the new total', () => {
    const cur = { SRIOV_NET_VF: { ...inventory(8), reserved: 6 }, CUSTOM_X: inventory(3) };
    const plan = planInventories(cur, { SRIOV_NET_VF: inventory(4) }, { SRIOV_NET_VF: 1 });
    assert.deepEqual(plan.refused, []);
    assert.deepEqual(plan.next, { CUSTOM_X: inventory(3), SRIOV_NET_VF: { ...inventory(4), reserved: 4 } });
    assert.equal(plan.changed, true);
    assert.equal(planInventories(plan.next, { SRIOV_NET_VF: inventory(4) }, {}).changed, false);
  });

  it('replaces only the agent\'s traits', () => {
    assert.deepEqual(planTraits(['CUSTOM_A', 'CUSTOM_PHYSNET_X', 'HW_NIC_SRIOV'], ['CUSTOM_PHYSNET_Y', 'HW_NIC_SRIOV']),
      { next: ['CUSTOM_A', 'CUSTOM_PHYSNET_Y', 'HW_NIC_SRIOV'], changed: true });
    assert.equal(planTraits(['HW_NIC_SRIOV'], ['HW_NIC_SRIOV']).changed, false);
  });
});

describe('agent loop', () => {
  it('runs passes on an interval until stopped, re-reading the hardware each time', async () => {
    const host = sriovHost();
    const placement = new FakePlacement();
    const stop = new AbortController();
    const passes: number[] = [];
    const sleeps: number[] = [];
    const code = await runAgent({
      discover: () => discovered(host),
      api: placement,
      once: false,
      intervalMs: 30_000,
      signal: stop.signal,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 1) host.setNumVfs('enp59s0f0', 1);
        if (sleeps.length === 2) stop.abort();
      },
      onPass: (r) => passes.push(r.sync.changes.length),
    });
    assert.equal(code, 0);
    assert.deepEqual(sleeps, [30_000, 30_000]);
    assert.equal(passes.length, 2);
    assert.equal(placement.byName(PF0)!.inventories.SRIOV_NET_VF!.total, 1);
  });

  it('exits 0 when stopped by a signal, even after failed passes', async () => {
    const placement = new FakePlacement();
    placement.down = true;
    const stop = new AbortController();
    const codes: number[] = [];
    const code = await runAgent({ discover: () => discovered(sriovHost()), api: placement, once: false, intervalMs: 5, signal: stop.signal,
      sleep: async () => stop.abort(), onPass: (r) => codes.push(r.exitCode) });
    assert.deepEqual([code, codes], [0, [1]]);
  });

  it('stops after one pass with --once, with that pass\'s exit code', async () => {
    const placement = new FakePlacement();
    placement.down = true;
    const code = await runAgent({ discover: () => discovered(sriovHost()), api: placement, once: true, intervalMs: 1, signal: new AbortController().signal,
      sleep: async () => assert.fail('no sleep with once'), onPass: () => {} });
    assert.equal(code, 1);
  });

  it('reports a discovery failure as a failed pass', async () => {
    const r = await runPass(() => { throw new Error('sysfs unreadable'); }, new FakePlacement(), 1, () => new Date(0));
    assert.equal(r.exitCode, 1);
    assert.deepEqual(renderPass(r), ['1970-01-01T00:00:00.000Z pass 1: failed: discovery failed: sysfs unreadable']);
  });

  it('prints one line per change and a closing state line', async () => {
    const r = await runPass(() => discovered(sriovHost()), new FakePlacement(), 1, () => new Date(0));
    const lines = renderPass(r);
    assert.equal(lines.length, r.sync.changes.length + 1);
    assert.equal(lines.at(-1), `1970-01-01T00:00:00.000Z pass 1: in sync (4 providers, ${r.sync.changes.length} changes)`);
    assert.ok(lines.includes('1970-01-01T00:00:00.000Z pass 1: created compute1_nic_0000:3b:00: under ' + r.discovery!.providers[0]!.uuid));
  });
});
