// The plugin binary on the simulated SR-IOV host, in real network namespaces: the failure cases
// of shared/reference/sriov-cni.md ("Failure cases") with their exact codes and messages, and the
// proof that a failure changes nothing (lab view, host links, namespaces, state files).
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { labBind } from '../../../src/lab/index.js';
import { run } from '../../support/exec.js';
import { labFor, type TestLab } from '../../support/lab.js';
import { createNetns, getLink, listLinks, listNetns } from '../../support/netns.js';
import { DEBIAN_CNI_DIR, PLUGIN_DIR, SRIOV_BIN } from '../../support/paths.js';
import { cniError, execPlugin, type PluginCall } from '../../support/plugin.js';
import { Scratch } from '../../support/scratch.js';

let s: Scratch;
let lab: TestLab;
let pod1: { name: string; path: string };
let pod2: { name: string; path: string };

before(async () => {
  s = new Scratch('vfnet-plugin');
  lab = labFor(s, { pfs: 2, vfsPerPf: 2 });
  pod1 = await createNetns(s, 'vp');
  pod2 = await createNetns(s, 'vp');
});
after(async () => {
  await s.dispose();
});

const conf = (extra: Record<string, unknown>, version = '1.0.0') => ({
  cniVersion: version,
  name: 'lab-net',
  type: 'sriov',
  ipam: { type: 'host-local', dataDir: s.path('ipam'), subnet: '10.77.0.0/24' },
  ...extra,
});

function call(command: PluginCall['command'], over: Partial<PluginCall> = {}): PluginCall {
  return { command, containerId: 'c1', netns: pod1.path, ifname: 'net1', env: lab.env, ...over };
}

/** Everything the plugin could change, for "nothing changed" assertions. */
async function world() {
  // Only this test's objects: other suites may be creating and removing their own meanwhile.
  const hostLinks = (await listLinks(null))
    .filter((l) => l.ifname.startsWith(lab.info.prefix))
    .map((l) => `${l.ifname} ${l.address} ${l.mtu} ${l.flags.includes('UP')}`)
    .sort();
  return {
    view: lab.show(),
    hostLinks,
    netns: (await listNetns()).filter((n) => n.includes(s.tag)).sort(),
    state: lab.stateFiles(),
    ledger: lab.ledger(),
    pod1: (await listLinks(pod1.name)).map((l) => l.ifname),
  };
}

async function expectError(config: unknown, c: PluginCall, code: number, msg: RegExp) {
  const out = await execPlugin(SRIOV_BIN, c, config);
  const err = cniError(out);
  assert.ok(err, `expected a CNI error, got status ${out.status}: ${out.stdout}${out.stderr}`);
  assert.equal(err.code, code, `${err.msg} ${err.details ?? ''}`);
  assert.match(`${err.msg}${err.details ? `: ${err.details}` : ''}`, msg);
  assert.notEqual(out.status, 0);
}

describe('failure cases leave everything as it was', () => {
  const bad: [string, unknown, number, RegExp][] = [
    ['invalid JSON', '{"cniVersion": "1.0.0", "name": ', 6, /JSON|decode/i],
    ['no VF selected', conf({}), 7, /"deviceID".*"master".*"physnet"/],
    ['vlan 4095', conf({ master: 'x', vlan: 4095 }), 7, /"vlan": 4095/],
    ['vlanQoS without vlan', conf({ master: 'x', vlanQoS: 2 }), 7, /needs "vlan"/],
    ['vlanQoS 8', conf({ master: 'x', vlan: 5, vlanQoS: 8 }), 7, /"vlanQoS": 8/],
    ['vlanQoS with vlan 0', conf({ master: 'x', vlan: 0, vlanQoS: 1 }), 7, /non-zero "vlan"/],
    ['vlanProto 802.1x', conf({ master: 'x', vlan: 5, vlanProto: '802.1x' }), 7, /"vlanProto": "802.1x"/],
    ['802.1ad with vlan 0', conf({ master: 'x', vlan: 0, vlanProto: '802.1ad' }), 7, /802.1ad needs a non-zero "vlan"/],
    ['link_state up', conf({ master: 'x', link_state: 'up' }), 7, /"link_state": "up"/],
    ['malformed MAC', conf({ master: 'x', mac: 'ca:fe:c0:ff:ee' }), 7, /"mac": "ca:fe:c0:ff:ee"/],
    ['trust yes', conf({ master: 'x', trust: 'yes' }), 7, /"trust": "yes"/],
    ['min > max', conf({ master: 'x', min_tx_rate: 100, max_tx_rate: 10 }), 7, /"min_tx_rate": 100/],
    ['STATUS below 1.1.0', conf({ master: 'x' }), 1, /STATUS/],
  ];
  for (const [label, config, code, msg] of bad) {
    it(label, async () => {
      const before = await world();
      const c = label.startsWith('STATUS')
        ? call('STATUS', { containerId: undefined, netns: undefined, ifname: undefined })
        : call('ADD');
      await expectError(config, c, code, msg);
      assert.deepEqual(await world(), before);
    });
  }

  it('a deviceID that is a PF, or absent: code 103 naming the device', async () => {
    const before = await world();
    await expectError(
      conf({ deviceID: lab.pf(0).pci }),
      call('ADD'),
      103,
      new RegExp(`"${lab.pf(0).pci}" is not an SR-IOV VF`),
    );
    await expectError(conf({ deviceID: '0000:3b:1f.7' }), call('ADD'), 103, /no PCI device with that address/);
    assert.deepEqual(await world(), before);
  });

  it('the pod already has the interface name: code 104, and the VF is back under its own name', async () => {
    await run('ip', ['-n', pod1.name, 'link', 'add', 'net1', 'type', 'veth', 'peer', 'name', 'net1p']);
    try {
      const before = await world();
      await expectError(
        conf({ deviceID: lab.vf(0, 0).pci, vlan: 42, mac: '02:00:00:00:00:42' }),
        call('ADD'),
        104,
        /cannot move .* into .*(as net1)?/,
      );
      assert.deepEqual(await world(), before);
    } finally {
      await run('ip', ['-n', pod1.name, 'link', 'del', 'net1']);
    }
  });

  it('an IPAM failure releases what ADD did', async () => {
    const before = await world();
    const broken = {
      ...conf({ deviceID: lab.vf(0, 0).pci, vlan: 42 }),
      ipam: { type: 'host-local', dataDir: s.path('ipam'), subnet: 'not-a-subnet' },
    };
    const out = await execPlugin(SRIOV_BIN, call('ADD'), broken);
    assert.ok(cniError(out), out.stdout + out.stderr);
    assert.deepEqual(await world(), before);
  });

  it('an unwritable state directory: code 5 before any change', async () => {
    const file = s.path('not-a-dir');
    writeFileSync(file, 'x');
    const before = await world();
    await expectError(
      conf({ deviceID: lab.vf(0, 0).pci, vlan: 42 }),
      call('ADD', { env: { ...lab.env, VFNET_STATE_DIR: `${file}/state` } }),
      5,
      /cannot/,
    );
    assert.deepEqual(await world(), before);
  });
});

describe('concurrency and ownership', () => {
  it('two ADDs on one VF: one wins, the other gets 100 while the owner lives; DEL restores', async () => {
    const before = await world();
    const vf = lab.vf(0, 1).pci;
    const [a, b] = await Promise.all([
      execPlugin(SRIOV_BIN, call('ADD', { containerId: 'ca' }), conf({ deviceID: vf, vlan: 7 })),
      execPlugin(SRIOV_BIN, call('ADD', { containerId: 'cb', netns: pod2.path }), conf({ deviceID: vf, vlan: 8 })),
    ]);
    const ok = [a, b].filter((o) => o.status === 0);
    const failed = [a, b].filter((o) => o.status !== 0);
    assert.equal(ok.length, 1, `${a.stdout} ${b.stdout}`);
    assert.equal(cniError(failed[0]!)?.code, 100);
    assert.match(cniError(failed[0]!)!.msg, new RegExp(`VF ${vf} .* is already in use`));
    const winner =
      ok[0] === a ? { id: 'ca', netns: pod1.path, ns: pod1.name } : { id: 'cb', netns: pod2.path, ns: pod2.name };
    const loser = ok[0] === a ? { id: 'cb', netns: pod2.path } : { id: 'ca', netns: pod1.path };
    // Runtimes DEL after a failed ADD: that DEL must not disturb the winner.
    assert.equal(
      (await execPlugin(SRIOV_BIN, call('DEL', { containerId: loser.id, netns: loser.netns }), conf({ deviceID: vf })))
        .status,
      0,
    );
    assert.ok(await getLink(winner.ns, 'net1'), 'the winner keeps its VF');
    assert.equal(
      (
        await execPlugin(
          SRIOV_BIN,
          call('DEL', { containerId: winner.id, netns: winner.netns }),
          conf({ deviceID: vf }),
        )
      ).status,
      0,
    );
    assert.deepEqual(await world(), before);
  });

  it('a VF held longer than the lock timeout: code 11', async () => {
    // An IPAM plugin that takes its time keeps the first ADD inside the VF lock.
    const dir = s.mkdir('slowbin');
    writeFileSync(
      `${dir}/slow-ipam`,
      `#!/bin/sh\ncat >/dev/null\nsleep 2\nexec ${DEBIAN_CNI_DIR}/host-local <<EOF\n{"cniVersion":"1.0.0","name":"lab-net","ipam":{"type":"host-local","dataDir":"${s.path('ipam')}","subnet":"10.77.0.0/24"}}\nEOF\n`,
    );
    chmodSync(`${dir}/slow-ipam`, 0o755);
    const vf = lab.vf(1, 0).pci;
    const slow = { ...conf({ deviceID: vf }), ipam: { type: 'slow-ipam' } };
    const cniPath = `${dir}:${PLUGIN_DIR}:${DEBIAN_CNI_DIR}`;
    const first = execPlugin(SRIOV_BIN, call('ADD', { containerId: 'slow1', cniPath }), slow);
    await new Promise((r) => setTimeout(r, 700));
    await expectError(
      conf({ deviceID: vf }),
      call('ADD', { containerId: 'slow2', netns: pod2.path, env: { ...lab.env, VFNET_LOCK_TIMEOUT_MS: '300' } }),
      11,
      /timed out after 0.3 s waiting for VF/,
    );
    const r = await first;
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((await execPlugin(SRIOV_BIN, call('DEL', { containerId: 'slow1', cniPath }), slow)).status, 0);
  });
});

describe('DEL tolerance', () => {
  it('succeeds without a record, and twice in a row', async () => {
    const c = conf({ deviceID: lab.vf(0, 0).pci });
    assert.equal((await execPlugin(SRIOV_BIN, call('DEL', { containerId: 'never' }), c)).status, 0);
    assert.equal((await execPlugin(SRIOV_BIN, call('ADD'), c)).status, 0);
    assert.equal((await execPlugin(SRIOV_BIN, call('DEL'), c)).status, 0);
    assert.equal((await execPlugin(SRIOV_BIN, call('DEL'), c)).status, 0);
    assert.equal((await execPlugin(SRIOV_BIN, call('DEL', { netns: '' }), c)).status, 0);
  });
  it('a corrupt record is kept aside (never deleted) and DEL succeeds', async () => {
    writeFileSync(`${lab.stateDir}/att-cz-net1.json`, '{broken');
    const out = await execPlugin(SRIOV_BIN, call('DEL', { containerId: 'cz' }), conf({ deviceID: lab.vf(0, 0).pci }));
    assert.equal(out.status, 0, out.stdout + out.stderr);
    assert.ok(!readdirSync(lab.stateDir).includes('att-cz-net1.json'));
    const aside = readdirSync(lab.stateDir).filter((n) => n.startsWith('att-cz-net1.json.damaged-'));
    assert.equal(aside.length, 1);
    rmSync(`${lab.stateDir}/${aside[0]}`);
  });
});

describe('DPDK mode', () => {
  it('a VF bound to vfio-pci: PF-level settings only, IPAM allocated, DEL restores the admin MAC', async () => {
    const vf = lab.vf(1, 1);
    labBind(lab.dir, vf.pci, 'vfio-pci');
    try {
      const before = await world();
      const c = conf({ deviceID: vf.pci, mac: '02:00:00:00:dd:01', vlan: 300 });
      const out = await execPlugin(SRIOV_BIN, call('ADD', { containerId: 'dpdk' }), c);
      assert.equal(out.status, 0, out.stdout + out.stderr);
      const result = out.json as { interfaces: { mac?: string; pciID?: string }[]; ips: unknown[] };
      assert.equal(result.interfaces[0]?.mac, '02:00:00:00:dd:01');
      assert.equal(result.ips.length, 1);
      assert.deepEqual(
        (await listLinks(pod1.name)).map((l) => l.ifname),
        before.pod1,
        'nothing moved into the pod',
      );
      const during = lab.show().vfs.find((v) => v.pci === vf.pci)!;
      assert.equal(during.vlan, 300);
      assert.equal(during.mac, '02:00:00:00:dd:01');
      assert.equal((await execPlugin(SRIOV_BIN, call('DEL', { containerId: 'dpdk' }), c)).status, 0);
      assert.deepEqual(await world(), before);
    } finally {
      labBind(lab.dir, vf.pci, 'igbvf');
    }
  });
});
