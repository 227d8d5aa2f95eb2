// Choosing a VF under locks, on the in-memory host: the free VF of a PF, a named VF, VFs held by
// live owners skipped, and VFs of dead owners given back first, with their records handed to the
// caller of that one pick.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CniError, type CniRequest } from '../../../src/cni/index.js';
import { createLogger } from '../../../src/host/log.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { VfNetdevs } from '../../../src/sriov/netdev.js';
import { DEFAULT_OPTIONS, SriovPlugin } from '../../../src/sriov/plugin.js';
import { type AttachmentRecord, Records } from '../../../src/sriov/records.js';
import { VfLocks } from '../../../src/sriov/vf-locks.js';
import { VfPicker } from '../../../src/sriov/vf-picker.js';
import { VfRestorer } from '../../../src/sriov/vf-restorer.js';
import { VfSettings } from '../../../src/sriov/vf-settings.js';
import { MemoryVfLedger } from '../../../src/store/vf-ledger.js';
import { type FakeHostPorts, fakeHostPorts } from '../../support/fake-host/host.js';
import { testRecord } from '../../support/records.js';

const PF = 'enp175s0f1';
const VF0 = '0000:af:06.0';
const VF1 = '0000:af:06.1';
const POD = '/var/run/netns/pod1';
const POD2 = '/var/run/netns/pod2';
const SELF = 4242;
const OPTIONS = { ...DEFAULT_OPTIONS, lockTimeoutMs: 500, macDelayMs: 1, pid: SELF };

function request(containerId: string, netns = POD): CniRequest {
  const config = { cniVersion: '1.0.0', name: 'net-a', type: 'sriov' };
  return {
    command: 'ADD',
    containerId,
    netns,
    ifname: 'net1',
    args: new Map(),
    ignoreUnknownArgs: true,
    paths: [],
    cniVersion: '1.0.0',
    config,
    stdin: Buffer.from(JSON.stringify(config)),
    prevResult: null,
    env: {},
    stderr: () => {},
  };
}

describe('VfPicker', () => {
  let host: FakeHostPorts;
  let ledger: MemoryVfLedger;
  let records: Records;
  let picker: VfPicker;

  beforeEach(() => {
    host = fakeHostPorts({ fixture: false });
    host.fake.addPf({
      name: PF,
      pci: '0000:af:00.1',
      vfs: [
        { pci: VF0, netdev: 'enp175s6' },
        { pci: VF1, netdev: 'enp175s7' },
      ],
    });
    host.fake.addNetns(POD);
    host.fake.addNetns(POD2);
    ledger = new MemoryVfLedger();
    records = new Records(host.state, ledger);
    const log = createLogger({}, () => {});
    const restorer = new VfRestorer(
      new VfSettings(host.pf, host.clock, OPTIONS),
      new VfNetdevs(host.links, host.clock, OPTIONS),
      records,
      host.sysfs,
      log,
    );
    picker = new VfPicker(host, records, new VfLocks(host.locks, OPTIONS.lockTimeoutMs), restorer, log, OPTIONS);
  });

  it('takes the first free VF of a PF with its lock and claim, and lets go of the PF lock', () => {
    const first = picker.pick({ kind: 'master', pf: PF, vf: null }, 'net-a', request('c1'), []);
    assert.equal(first.vf.pci, VF0);
    assert.deepEqual(host.fake.locks.heldNames(), [`vf-${VF0}`]);
    assert.deepEqual(ledger.read(VF0), {
      pci: VF0,
      network: 'net-a',
      containerId: 'c1',
      ifname: 'net1',
      netns: POD,
      at: new Date(host.clock.now()).toISOString(),
    });
    first.lock.release();
    const second = picker.pick({ kind: 'master', pf: PF, vf: null }, 'net-a', request('c2', POD2), []);
    assert.equal(second.vf.pci, VF1, 'a claimed VF is skipped, even unlocked');
    second.lock.release();
    assert.throws(
      () => picker.pick({ kind: 'master', pf: PF, vf: null }, 'net-a', request('c3'), []),
      (e: unknown) =>
        e instanceof CniError && e.code === SriovCode.NoFreeVf && /all 2 VFs are in use \(2 held\)/.test(e.message),
    );
    assert.deepEqual(host.fake.locks.heldNames(), []);
  });

  it('skips a free VF whose lock another call holds', () => {
    host.fake.locks.holdExternally(`vf-${VF0}`);
    const picked = picker.pick({ kind: 'master', pf: PF, vf: null }, 'net-a', request('c1'), []);
    assert.equal(picked.vf.pci, VF1);
  });

  it('a named VF held by a live pod is 100 (in use) and leaves no lock', () => {
    picker.pick({ kind: 'deviceID', pci: VF1 }, 'net-a', request('c1'), []).lock.release();
    assert.throws(
      () => picker.pick({ kind: 'master', pf: PF, vf: 1 }, 'net-a', request('c2', POD2), []),
      (e: unknown) => e instanceof CniError && e.code === SriovCode.VfInUse,
    );
    assert.deepEqual(host.fake.locks.heldNames(), []);
  });

  it('an owner whose namespace is gone holds its VF only while its ADD process runs', () => {
    const owner = request('c1', '/var/run/netns/gone');
    picker.pick({ kind: 'deviceID', pci: VF0 }, 'net-a', owner, []).lock.release();
    records.writeAttachment(
      testRecord({ containerId: 'c1', ifname: 'net1', netns: owner.netns, phase: 'adding', pid: 777 }),
    );
    const claim = ledger.read(VF0);
    host.fake.processTable.start(777);
    assert.equal(picker.heldByAnother(claim, request('c2')), true);
    assert.equal(picker.heldByAnother(claim, owner), false, 'never against its own attachment');
    host.fake.processTable.stop(777);
    assert.equal(picker.heldByAnother(claim, request('c2')), false);
    host.fake.processTable.start(SELF);
    records.writeAttachment(
      testRecord({ containerId: 'c1', ifname: 'net1', netns: owner.netns, phase: 'adding', pid: SELF }),
    );
    assert.equal(picker.heldByAnother(claim, request('c2')), false, 'this process is not adding c1');
  });

  it('gives back the VF of an owner that died without DEL, and hands its record to this pick only', () => {
    const plugin = new SriovPlugin(
      host,
      createLogger({}, () => {}),
      { ...OPTIONS, ledger, findExecutable: (n) => `/opt/cni/bin/${n}` },
    );
    plugin.add({
      ...request('old'),
      config: { cniVersion: '1.0.0', name: 'net-a', type: 'sriov', deviceID: VF0, vlan: 10 },
    });
    const old = records.readAttachment('old', 'net1')!;
    records.writeAttachment({ ...old, model: { url: 'http://placement', consumer: 'consumer-of-old' } });
    host.fake.destroyNetns(POD);
    const reclaimed: AttachmentRecord[] = [];
    const picked = picker.pick({ kind: 'master', pf: PF, vf: null }, 'net-a', request('new', POD2), reclaimed);
    assert.equal(picked.vf.pci, VF0);
    assert.equal(host.fake.vfConfig(PF, 0).vlan, 0, 'restored before it is handed out');
    assert.deepEqual(
      reclaimed.map((r) => r.model?.consumer),
      ['consumer-of-old'],
    );
    assert.equal(records.readAttachment('old', 'net1'), null);
    assert.equal(ledger.read(VF0)?.containerId, 'new');
  });

  it('says why STATUS would fail: no free VF, or an unusable device', () => {
    assert.equal(picker.whyUnavailable({ kind: 'master', pf: PF, vf: null }, request('c1')), null);
    picker.pick({ kind: 'master', pf: PF, vf: 0 }, 'net-a', request('c1'), []).lock.release();
    assert.equal(picker.whyUnavailable({ kind: 'master', pf: PF, vf: 0 }, request('c2', POD2)), `no free VF on ${PF}`);
    assert.equal(
      picker.whyUnavailable({ kind: 'master', pf: PF, vf: 0 }, request('c1')),
      null,
      'its own VF is not in its way',
    );
    assert.match(
      picker.whyUnavailable({ kind: 'deviceID', pci: '0000:00:1f.7' }, request('c1')) ?? '',
      /0000:00:1f\.7/,
    );
  });
});
