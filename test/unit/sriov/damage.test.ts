// State that survives damage, on the fake host (issue 10, items 1 and 3): a record truncated,
// of the wrong shape or deleted, a ledger lost or emptied, an IPAM plugin that cannot run. Each
// case failed on main: the VF stayed configured for the old container, a record was deleted,
// DEL answered 999 or a stack trace, or a VF was handed out twice.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CniError, type CniRequest, type CniResult, type HandlerCommand } from '../../../src/cni/index.js';
import { SriovCode } from '../../../src/sriov/errors.js';
import { MemoryVfLedger } from '../../../src/store/vf-ledger.js';
import {
  cniRequest,
  type PluginEnv as Env,
  IPAM,
  PF,
  POD,
  POD2,
  pluginOn,
  sriovEnv,
  VF0,
} from '../../support/sriov-env.js';

const RECORD = 'att-c1-net1.json';
const DPDK_VF = '0000:5e:02.0';

function setup(): Env {
  return sriovEnv({
    morePfs: [{ name: 'ens3f0', pci: '0000:5e:00.0', vfs: [{ pci: DPDK_VF, netdev: null, driver: 'vfio-pci' }] }],
    moreNetns: ['/var/run/netns/pod3'],
  });
}

/** The requests here speak CNI 1.1.0 unless told otherwise. */
function request(command: HandlerCommand, config: Record<string, unknown>, over: Partial<CniRequest> = {}): CniRequest {
  return cniRequest(command, config, over, '1.1.0');
}

const VLAN100 = { deviceID: VF0, vlan: 100, mac: '02:00:00:00:01:00', spoofchk: 'off', trust: 'on', ...IPAM };
const NO_ATTACHMENT = { containerId: '', ifname: '', netns: '' };

/** What a run may change, without the state directory (damaged records stay, by design) and locks. */
function world(env: Env) {
  const s = env.host.fake.snapshot();
  return { links: s.links, vfs: s.vfs, netns: s.netns, ledger: env.ledger.all() };
}

function expectCniError(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CniError, `expected a CniError, got ${String(e)}`);
    assert.equal(e.code, code, `code of: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

const asideNames = (env: Env) =>
  [...env.host.fake.state.files.keys()].filter((n) => n.startsWith(`${RECORD}.damaged-`));

describe('a damaged attachment record', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  it('truncated: DEL restores the VF from the ledger copy, keeps the file aside and names it', () => {
    const before = world(env);
    env.plugin.add(request('ADD', VLAN100));
    const text = env.host.fake.state.files.get(RECORD)!;
    env.host.fake.state.putRaw(RECORD, text.slice(0, Math.floor(text.length / 2)));
    env.plugin.del(request('DEL', VLAN100));
    assert.deepEqual(world(env), before, 'VLAN, admin MAC, spoofchk, trust, netdev all back');
    assert.equal(asideNames(env).length, 1, 'kept aside, not deleted');
    assert.equal(env.host.fake.state.files.get(asideNames(env)[0]!), text.slice(0, Math.floor(text.length / 2)));
    assert.match(
      env.logs.join(''),
      /attachment record \/fake\/state\/att-c1-net1.json is damaged: not valid JSON.*kept aside as att-c1-net1.json.damaged-/,
    );
    // The next container without `vlan` gets a clean VF.
    const r = env.plugin.add(
      request('ADD', { deviceID: VF0, ...IPAM }, { containerId: 'c2', netns: POD2 }),
    ) as CniResult;
    assert.equal(r.interfaces[0]?.pciID, VF0);
    assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 0);
  });

  it('truncated with no other copy: the VF is reset to safe defaults and its netdev comes home', () => {
    env.plugin.add(request('ADD', VLAN100));
    const text = env.host.fake.state.files.get(RECORD)!;
    // Cut before the original state: only which VF and where it went are left; the ledger is lost too.
    env.host.fake.state.putRaw(RECORD, text.slice(0, text.indexOf('"configured"')));
    for (const c of env.ledger.all()) env.ledger.remove(c.pci);
    env.plugin.del(request('DEL', VLAN100));
    const vf = env.host.fake.vfConfig(PF, 0);
    assert.deepEqual([vf.vlan, vf.mac, vf.spoofchk, vf.trust], [0, '00:00:00:00:00:00', true, false]);
    assert.equal(env.host.fake.link(POD, 'net1'), undefined, 'not left in the pod');
    assert.ok(env.host.fake.link(null, `${PF}v0`), 'home under the name a fresh VF would have');
    assert.equal(asideNames(env).length, 1);
    assert.match(
      env.logs.join(''),
      /att-c1-net1.json.damaged-\S+: no other copy of the record of c1\/net1; resetting VF 0000:af:06.0 to safe defaults/,
    );
  });

  it('of the wrong shape: DEL is no TypeError (999), CHECK is code 106 naming the file', () => {
    const before = world(env);
    env.plugin.add(request('ADD', VLAN100));
    const record = JSON.parse(env.host.fake.state.files.get(RECORD)!) as Record<string, unknown>;
    env.host.fake.state.putRaw(RECORD, JSON.stringify({ ...record, vf: 'not-a-vf', original: null }));
    expectCniError(
      () => env.plugin.check(request('CHECK', VLAN100)),
      SriovCode.RecordDamaged,
      /attachment record \/fake\/state\/att-c1-net1.json is damaged: not an attachment record: vf: expected an object/,
    );
    env.plugin.del(request('DEL', VLAN100));
    assert.deepEqual(world(env), before);
  });

  it('CHECK on a truncated record is code 106, not a stack trace', () => {
    env.plugin.add(request('ADD', VLAN100));
    env.host.fake.state.putRaw(RECORD, '{"schema":1,"netw');
    expectCniError(
      () => env.plugin.check(request('CHECK', VLAN100)),
      SriovCode.RecordDamaged,
      /att-c1-net1.json is damaged: not valid JSON/,
    );
  });

  it('deleted: DEL restores the VF from the ledger copy', () => {
    const before = world(env);
    env.plugin.add(request('ADD', VLAN100));
    env.host.fake.state.remove(RECORD);
    env.plugin.del(request('DEL', VLAN100));
    assert.deepEqual(world(env), before);
    assert.match(env.logs.join(''), /restoring VF 0000:af:06.0 from the ledger's copy/);
  });

  it('GC never touches an attachment it was told is valid: the file is rewritten from the copy', () => {
    env.plugin.add(request('ADD', VLAN100));
    const during = world(env);
    const text = env.host.fake.state.files.get(RECORD)!;
    env.host.fake.state.putRaw(RECORD, text.slice(0, 40));
    env.plugin.gc(
      request(
        'GC',
        { deviceID: VF0, 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'net1' }] },
        NO_ATTACHMENT,
      ),
    );
    assert.deepEqual(world(env), during, 'the VF is as the valid attachment has it');
    assert.equal(env.host.fake.state.files.get(RECORD), text, 'the record is whole again');
    assert.equal(asideNames(env).length, 1);
    env.plugin.check(request('CHECK', VLAN100));
  });

  it('GC of a damaged record whose attachment is not valid restores the VF from the copy', () => {
    const before = world(env);
    env.plugin.add(request('ADD', VLAN100));
    env.host.fake.state.putRaw(RECORD, '');
    env.plugin.gc(request('GC', { deviceID: VF0, 'cni.dev/valid-attachments': [] }, NO_ATTACHMENT));
    assert.deepEqual(world(env), before);
    assert.equal(asideNames(env).length, 1);
  });
});

describe('a lost ledger', () => {
  it('deleted or emptied: a DPDK VF whose record names its holder is not handed out again', () => {
    for (const loss of ['deleted', 'emptied'] as const) {
      const env = setup();
      const dpdk = { deviceID: DPDK_VF, mac: '02:11:22:33:44:55', vlan: 7 };
      env.plugin.add(request('ADD', dpdk));
      let ledger = env.ledger;
      if (loss === 'emptied') for (const c of ledger.all()) ledger.remove(c.pci);
      else ledger = new MemoryVfLedger();
      const plugin = pluginOn(env.host, ledger, env.logs);
      for (const [cid, ns] of [
        ['c2', POD2],
        ['c3', '/var/run/netns/pod3'],
      ] as const) {
        expectCniError(
          () => plugin.add(request('ADD', { deviceID: DPDK_VF }, { containerId: cid, netns: ns })),
          SriovCode.VfInUse,
          /VF 0000:5e:02.0 .* is already in use/,
        );
      }
      assert.equal(ledger.read(DPDK_VF)?.containerId, 'c1', `${loss}: rebuilt from the record`);
      assert.match(
        env.logs.join(''),
        /had no claim on VF 0000:5e:02.0, which \/fake\/state\/att-c1-net1.json holds; rebuilt it from the record/,
      );
      plugin.del(request('DEL', dpdk));
      assert.deepEqual(
        [env.host.fake.vfConfig('ens3f0', 0).vlan, env.host.fake.vfConfig('ens3f0', 0).mac],
        [0, '00:00:00:00:00:00'],
      );
    }
  });

  it('a master ADD skips the VF of a recorded attachment after the ledger was lost', () => {
    const env = setup();
    env.plugin.add(request('ADD', { master: PF, vlan: 5 }));
    const plugin = pluginOn(env.host, new MemoryVfLedger(), env.logs);
    const r = plugin.add(request('ADD', { master: PF }, { containerId: 'c2', netns: POD2 })) as CniResult;
    assert.equal(r.interfaces[0]?.pciID, '0000:af:06.1');
  });
});

describe('teardown never sticks', () => {
  let env: Env;
  beforeEach(() => {
    env = setup();
  });

  it('DEL with no record succeeds whatever IPAM answers, and logs what it could not do', () => {
    for (const [code, msg] of [
      [7, 'failed to find plugin "calico-ipam" in path [/opt/cni/bin]'],
      [1, 'incompatible CNI versions'],
    ] as const) {
      env.host.fake.processes.failIpam(code, msg);
      for (const netns of [POD, '', '/var/run/netns/gone']) {
        env.plugin.del(
          request('DEL', { deviceID: VF0, ipam: { type: 'calico-ipam' } }, { containerId: 'never', netns }),
        );
      }
      assert.match(
        env.logs.join(''),
        new RegExp(
          `DEL \\(no attachment record\\): calico-ipam could not release addresses.*${msg.slice(0, 20).replace(/[[\]()]/g, '.')}`,
        ),
      );
    }
  });

  it('with a record, the VF is restored first; an IPAM failure is reported and the retry runs only IPAM', () => {
    const before = world(env);
    env.plugin.add(request('ADD', VLAN100));
    env.host.fake.processes.failIpam(7, 'failed to find plugin "host-local"', ['DEL']);
    expectCniError(
      () => env.plugin.del(request('DEL', VLAN100)),
      7,
      /VF 0000:af:06.0 was given back, but host-local could not release its addresses/,
    );
    assert.deepEqual(world(env), before, 'the VF is back before IPAM ran');
    // The VF goes to another container before the runtime retries: the retry must not touch it.
    env.plugin.add(request('ADD', { deviceID: VF0, vlan: 9 }, { containerId: 'c2', netns: POD2 }));
    expectCniError(() => env.plugin.del(request('DEL', VLAN100)), 7, /host-local/);
    env.host.fake.processes.ipamError = null;
    env.plugin.del(request('DEL', VLAN100));
    assert.equal(env.host.fake.vfConfig(PF, 0).vlan, 9, 'the retries left the new owner alone');
    assert.equal(env.host.fake.state.files.has(RECORD), false, 'the IPAM reminder is gone once IPAM succeeded');
    assert.ok(env.host.fake.link(POD2, 'net1'));
  });
});
