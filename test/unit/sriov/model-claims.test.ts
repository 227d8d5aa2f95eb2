// Claims in the resource model, on the in-memory host with an in-memory model: which PFs a
// `physnet` or `master` ADD may use, a claim given back when its PF has no free VF on the host,
// why `physnet` is unavailable, and GC's release of claims no attachment stands behind.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { attachmentConsumer, type VfAccounting } from '../../../src/accounting/port.js';
import { CniError, type CniRequest } from '../../../src/cni/index.js';
import { createLogger } from '../../../src/host/log.js';
import type { SriovConfig } from '../../../src/sriov/config.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { ModelClaims, type ModelClaimsOptions } from '../../../src/sriov/model-claims.js';
import { VfNetdevs } from '../../../src/sriov/netdev.js';
import { DEFAULT_OPTIONS } from '../../../src/sriov/plugin.js';
import { type AttachmentRecord, Records } from '../../../src/sriov/records.js';
import { VfLocks } from '../../../src/sriov/vf-locks.js';
import { VfPicker } from '../../../src/sriov/vf-picker.js';
import { VfRestorer } from '../../../src/sriov/vf-restorer.js';
import { VfSettings } from '../../../src/sriov/vf-settings.js';
import { MemoryVfLedger } from '../../../src/store/vf-ledger.js';
import { type FakeHostPorts, fakeHostPorts } from '../../support/fake-host/host.js';
import { testRecord } from '../../support/records.js';

const POD = '/var/run/netns/pod1';
const PF_A = { name: 'enp175s0f1', pci: '0000:af:00.1', vf: '0000:af:06.0' };
const PF_B = { name: 'ens2f0', pci: '0000:3b:00.0', vf: '0000:3b:02.0' };
const rp = (pci: string) => `rp-${pci}`;
const OPTIONS = { ...DEFAULT_OPTIONS, lockTimeoutMs: 500, macDelayMs: 1, pid: 4242 };
const EMBEDDED = 'file:///var/lib/vfnet/vfnet.db';

/** A model with `room` VFs per PF provider, recording its calls. */
function memoryModel(room: Record<string, number>) {
  const held = new Map<string, { pf: string; network: string }>();
  const calls: string[] = [];
  const model: VfAccounting = {
    target: 'http://placement:8778',
    async candidatePfs() {
      return Object.keys(room).filter((p) => room[p]! > 0);
    },
    async knows(pf) {
      return pf in room;
    },
    async claim(consumer, pf, network) {
      calls.push(`claim ${pf}`);
      if (room[pf]! <= 0) return false;
      room[pf]!--;
      held.set(consumer, { pf, network });
      return true;
    },
    async release(consumer) {
      calls.push(`release ${consumer}`);
      const h = held.get(consumer);
      if (h) {
        room[h.pf]!++;
        held.delete(consumer);
      }
    },
    async attachmentsOn(pfs, network) {
      return [...held].filter(([, h]) => pfs.includes(h.pf) && h.network === network).map(([c]) => c);
    },
  };
  return { model, held, calls };
}

function config(selector: SriovConfig['selector'], placement = true): SriovConfig {
  return {
    cniVersion: '1.0.0',
    name: 'net-a',
    selector,
    logLevel: 'info',
    ...(placement ? { placement: { url: 'http://placement:8778' } } : {}),
  } as SriovConfig;
}

function request(containerId: string): CniRequest {
  const cfg = { cniVersion: '1.0.0', name: 'net-a', type: 'sriov' };
  return {
    command: 'ADD',
    containerId,
    netns: POD,
    ifname: 'net1',
    args: new Map(),
    ignoreUnknownArgs: true,
    paths: [],
    cniVersion: '1.0.0',
    config: cfg,
    stdin: Buffer.from(JSON.stringify(cfg)),
    prevResult: null,
    env: {},
    stderr: () => {},
  };
}

describe('ModelClaims', () => {
  let host: FakeHostPorts;
  let ledger: MemoryVfLedger;
  let records: Records;
  let picker: VfPicker;

  beforeEach(() => {
    host = fakeHostPorts({ fixture: false });
    for (const pf of [PF_A, PF_B])
      host.fake.addPf({ name: pf.name, pci: pf.pci, vfs: [{ pci: pf.vf, netdev: `${pf.name}v0` }] });
    host.fake.addNetns(POD);
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

  function claims(model: VfAccounting | null, extra: Partial<ModelClaimsOptions> = {}): ModelClaims {
    return new ModelClaims(
      host.sysfs,
      records,
      picker,
      createLogger({}, () => {}),
      {
        pfProvider: rp,
        ...(model ? { accountingFor: () => model } : {}),
        ...extra,
      },
    );
  }

  it('physnet: claims on a PF of this host, and gives the claim back when that PF has no free VF here', async () => {
    const m = memoryModel({ [rp(PF_A.pci)]: 1, [rp(PF_B.pci)]: 1, 'rp-of-another-host': 5 });
    // PF A's only VF is taken on the host, though the model still counts room on it.
    picker.pick({ kind: 'deviceID', pci: PF_A.vf }, 'net-a', { ...request('other'), netns: POD }, []).lock.release();
    const picked = await claims(m.model).pick(
      config({ kind: 'physnet', physnet: 'public' }),
      request('c1'),
      m.model,
      [],
    );
    assert.ok(picked);
    picked.lock.release();
    assert.equal(picked.vf.pci, PF_B.vf);
    assert.equal(picked.consumer, attachmentConsumer('c1', 'net1'));
    assert.deepEqual(m.calls, [`claim ${rp(PF_A.pci)}`, `release ${picked.consumer}`, `claim ${rp(PF_B.pci)}`]);
    assert.deepEqual([...m.held.values()], [{ pf: rp(PF_B.pci), network: 'net-a' }]);
  });

  it('master: null when only the embedded model lacks the PF, 103 when the placement service does', async () => {
    const m = memoryModel({});
    const master = { kind: 'master', pf: PF_A.name, vf: null } as const;
    assert.equal(
      await claims(m.model, { embeddedModel: EMBEDDED }).pick(config(master, false), request('c1'), m.model, []),
      null,
    );
    await assert.rejects(
      claims(m.model).pick(config(master), request('c1'), m.model, []),
      (e: unknown) =>
        e instanceof CniError &&
        e.code === SriovCode.DeviceUnusable &&
        /not registered in http:\/\/placement:8778/.test(e.message),
    );
    assert.deepEqual(host.fake.locks.heldNames(), []);
  });

  it('says why physnet is unavailable: no model, a host the model never heard of, no room', async () => {
    const physnet = config({ kind: 'physnet', physnet: 'public' });
    assert.match((await claims(null).physnetUnavailable(physnet, 'public')) ?? '', /needs the resource model/);
    assert.match(
      (await claims(memoryModel({}).model).physnetUnavailable(physnet, 'public')) ?? '',
      /not registered in the resource model/,
    );
    assert.match(
      (await claims(memoryModel({ [rp(PF_A.pci)]: 0 }).model).physnetUnavailable(physnet, 'public')) ?? '',
      /no PF of this host on physnet "public" has room/,
    );
    assert.equal(await claims(memoryModel({ [rp(PF_A.pci)]: 1 }).model).physnetUnavailable(physnet, 'public'), null);
  });

  it('GC releases only the claims that neither a valid attachment nor a record stands behind', async () => {
    const m = memoryModel({ [rp(PF_A.pci)]: 5 });
    for (const c of ['valid', 'recorded', 'orphan', 'other-network']) {
      await m.model.claim(attachmentConsumer(c, 'net1'), rp(PF_A.pci), c === 'other-network' ? 'net-b' : 'net-a');
    }
    records.writeAttachment(
      testRecord({
        containerId: 'recorded',
        ifname: 'net1',
        model: { url: m.model.target, consumer: attachmentConsumer('recorded', 'net1') },
      }),
    );
    await claims(m.model).collect(config({ kind: 'physnet', physnet: 'public' }), m.model, [
      { containerID: 'valid', ifname: 'net1' },
    ]);
    assert.deepEqual(
      m.calls.filter((c) => c.startsWith('release')),
      [`release ${attachmentConsumer('orphan', 'net1')}`],
    );
  });

  it('a claim that cannot be released is code 11 naming the VF and the service', async () => {
    const failing: VfAccounting = {
      ...memoryModel({}).model,
      release: async () => {
        throw new Error('connection refused');
      },
    };
    const record = { vf: { pci: PF_A.vf }, model: { url: 'http://placement:8778', consumer: 'c' } } as AttachmentRecord;
    await assert.rejects(
      claims(failing).release(record),
      (e: unknown) => e instanceof CniError && e.code === 11 && new RegExp(`VF ${PF_A.vf} is back`).test(e.message),
    );
    await claims(failing).releaseReclaimed([record]);
  });
});
