// The IPAM plugin runs while the VF moves: ADD starts it before the PF settings and the move and
// reads its answer only for the addresses; DEL starts IPAM DEL before the VF goes home. A child
// that is still running when something fails is waited for before anything is undone.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CniError, type CniResult } from '../../../src/cni/index.js';
import type { ProcessResult, StartedProcess } from '../../../src/host/ports.js';
import { IPAM, type PluginEnv, POD, cniRequest as request, sriovEnv, VF0 } from '../../support/sriov-env.js';

const CONFIG = { deviceID: VF0, vlan: 100, ...IPAM };

/** Makes every started child run only when it is waited for, as a slow IPAM plugin would. */
function deferChildren(env: PluginEnv): void {
  const processes = env.host.processes;
  const runNow = processes.run.bind(processes);
  processes.start = (file, args, vars, stdin): StartedProcess => {
    env.host.fake.events.push(`Start ${file.slice(file.lastIndexOf('/') + 1)} ${vars.CNI_COMMAND}`);
    let result: ProcessResult | null = null;
    return { wait: () => (result ??= runNow(file, args, vars, stdin)) };
  };
}

const index = (events: string[], prefix: string): number => {
  const i = events.findIndex((e) => e.startsWith(prefix));
  assert.ok(i >= 0, `no event starting with ${prefix} in:\n${events.join('\n')}`);
  return i;
};

describe('IPAM beside the move', () => {
  let env: PluginEnv;
  beforeEach(() => {
    env = sriovEnv();
    deferChildren(env);
  });

  it('ADD starts IPAM before the PF settings and the move, and adds its address once the VF is in the pod', () => {
    const result = env.plugin.add(request('ADD', CONFIG)) as CniResult;
    const ev = env.host.fake.events;
    const started = index(ev, 'Start host-local ADD');
    assert.ok(started < index(ev, 'LinkSetVfVlan'), 'IPAM started before the VLAN was set');
    assert.ok(started < index(ev, 'LinkSetNsFd enp175s6'), 'IPAM started before the move');
    assert.ok(index(ev, 'LinkSetNsFd enp175s6') < index(ev, 'AddrAdd net1'));
    assert.equal(result.ips[0]?.address, '10.56.217.2/24');
    assert.equal(env.host.fake.processes.callsFor('ADD').length, 1);
  });

  it('DEL starts IPAM DEL before the VF goes home', () => {
    env.plugin.add(request('ADD', CONFIG));
    env.host.fake.events.length = 0;
    env.plugin.del(request('DEL', CONFIG));
    const ev = env.host.fake.events;
    assert.ok(index(ev, 'Start host-local DEL') < index(ev, 'LinkSetNsFd net1'));
    assert.equal(env.host.fake.processes.callsFor('DEL').length, 1);
    assert.ok(env.host.fake.link(null, 'enp175s6'), 'the VF is home');
  });

  it('a failed move releases the addresses only after the IPAM ADD it undoes has ended', () => {
    env.host.fake.failNext('LinkSetNsFd', 'EBUSY');
    assert.throws(() => env.plugin.add(request('ADD', CONFIG)), CniError);
    const exec = env.host.fake.events.filter((e) => e.startsWith('Exec host-local'));
    assert.deepEqual(exec, ['Exec host-local ADD', 'Exec host-local DEL']);
    assert.ok(env.host.fake.link(null, 'enp175s6'), 'the VF stayed home');
  });

  it('an IPAM ADD that fails after the move: the VF comes back, nothing is released, the code is IPAM’s', () => {
    env.host.fake.processes.failIpam(11, 'no addresses left', ['ADD']);
    assert.throws(
      () => env.plugin.add(request('ADD', CONFIG)),
      (e: unknown) => e instanceof CniError && e.code === 11 && /no addresses left/.test(e.message),
    );
    assert.equal(env.host.fake.processes.callsFor('DEL').length, 0);
    assert.ok(env.host.fake.link(null, 'enp175s6'), 'the VF is home');
    assert.equal(env.host.fake.link(POD, 'net1'), undefined);
  });

  it('an IPAM plugin that cannot be started does not stop DEL from giving the VF back', () => {
    env.plugin.add(request('ADD', CONFIG));
    env.host.processes.start = () => {
      throw new Error('exec format error');
    };
    assert.throws(
      () => env.plugin.del(request('DEL', CONFIG)),
      (e: unknown) => e instanceof CniError && /could not release its addresses/.test(e.message),
    );
    assert.ok(env.host.fake.link(null, 'enp175s6'), 'the VF is home');
  });
});
