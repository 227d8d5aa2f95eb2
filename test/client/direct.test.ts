// STATUS and GC (CNI 1.1.0) by exec'ing the plugin directly: no Debian runtime sends them
// (libcni 1.1.2), so the suite plays libcni ≥ 1.2 (reference cni-spec-and-runtimes.md §3.7).
// Attachments are made with direct ADDs at 1.0.0; GC then comes at 1.1.0 for the same network,
// as a runtime that upgraded its conflist would send it.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { formatResult } from '../support/exec.js';
import { labFor, type TestLab } from '../support/lab.js';
import { createNetns, getLink } from '../support/netns.js';
import { SRIOV_BIN } from '../support/paths.js';
import { cniError, execPlugin, type PluginCall, type PluginOutcome } from '../support/plugin.js';
import { type Scratch, scratchFor } from '../support/scratch.js';

function sriov(lab: TestLab, call: Omit<PluginCall, 'env'>, config: unknown): Promise<PluginOutcome> {
  return execPlugin(SRIOV_BIN, { ...call, env: lab.env }, config);
}

function assertCode(o: PluginOutcome, code: number, msg?: RegExp): void {
  const err = cniError(o);
  assert.notEqual(o.status, 0, formatResult(o));
  assert.ok(err, `no CNI error on stdout: ${formatResult(o)}`);
  assert.equal(err.code, code, formatResult(o));
  if (msg) assert.match(`${err.msg} ${err.details ?? ''}`, msg, formatResult(o));
}

function assertSilentSuccess(o: PluginOutcome): void {
  assert.equal(o.status, 0, formatResult(o));
  assert.equal(o.stdout.trim(), '', `STATUS/GC print nothing on success: ${formatResult(o)}`);
}

async function setup(t: TestContext, vfsPerPf = 4) {
  const s = scratchFor(t, 'vfnet-direct');
  const lab = labFor(s, { pfs: 1, vfsPerPf });
  return { s, lab };
}

/** An attachment made by a direct ADD at 1.0.0 on `master`, in a netns of its own. */
async function attach(s: Scratch, lab: TestLab, network: string, containerId: string) {
  const ns = await createNetns(s);
  const conf = { cniVersion: '1.0.0', name: network, type: 'sriov', master: lab.pf(0).name, vlan: 42 };
  const call = { containerId, netns: ns.path, ifname: 'eth0' };
  const add = await sriov(lab, { command: 'ADD', ...call }, conf);
  assert.equal(add.status, 0, formatResult(add));
  const taken = lab
    .show()
    .vfs.filter((v) => v.netdev === null)
    .map((v) => v.pci);
  return { ns, conf, call, taken };
}

/** The VF whose netdev is the container's eth0 (a moved netdev keeps its ifindex). */
async function vfIn(lab: TestLab, nsName: string, hostIfindex: Map<number, string>): Promise<string | null> {
  const eth0 = await getLink(nsName, 'eth0');
  if (!eth0) return null;
  const name = hostIfindex.get(eth0.ifindex);
  return lab.info.vfs.find((v) => v.netdev === name)?.pci ?? null;
}

async function hostIfindexes(lab: TestLab): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  for (const v of lab.info.vfs) {
    const l = await getLink(null, v.netdev);
    if (l) m.set(l.ifindex, v.netdev);
  }
  return m;
}

test('STATUS 1.1.0 succeeds silently for a lab PF (master), one of its VFs (master + vf) and a VF address (deviceID)', async (t) => {
  const { lab } = await setup(t);
  const base = { cniVersion: '1.1.0', name: 'st', type: 'sriov' };
  for (const keys of [{ master: lab.pf(0).name }, { master: lab.pf(0).name, vf: 3 }, { deviceID: lab.vf(0, 1).pci }]) {
    assertSilentSuccess(await sriov(lab, { command: 'STATUS' }, { ...base, ...keys }));
  }
});

// STATUS and GC are forwarded to IPAM. Debian's host-local (skel of libcni 1.1.2) predates both and
// answers them with code 3 ("missing containerID") or 4 ("unknown CNI_COMMAND"), not code 1: a
// network with the most common IPAM on Debian must not look unavailable or fail every GC because of it.
const HOST_LOCAL = { type: 'host-local', ranges: [[{ subnet: '10.250.3.0/24' }]] };

test("STATUS 1.1.0 of a network with Debian's host-local IPAM (which predates STATUS) succeeds", async (t) => {
  const { s, lab } = await setup(t);
  const conf = {
    cniVersion: '1.1.0',
    name: 'st',
    type: 'sriov',
    master: lab.pf(0).name,
    ipam: { ...HOST_LOCAL, dataDir: s.path('ipam') },
  };
  assertSilentSuccess(await sriov(lab, { command: 'STATUS' }, conf));
});

test("GC 1.1.0 of a network with Debian's host-local IPAM (which predates GC) releases stale attachments and succeeds", async (t) => {
  const { s, lab } = await setup(t);
  const before = await lab.snapshot();
  const stale = await attach(s, lab, 'gcnet', 'gc-ipam');
  const gc = await sriov(
    lab,
    { command: 'GC' },
    {
      cniVersion: '1.1.0',
      name: 'gcnet',
      type: 'sriov',
      master: lab.pf(0).name,
      ipam: { ...HOST_LOCAL, dataDir: s.path('ipam') },
      'cni.dev/valid-attachments': [],
    },
  );
  assertSilentSuccess(gc);
  assert.equal(await getLink(stale.ns.name, 'eth0'), null);
  assert.deepEqual(await lab.snapshot(), before);
});

test('STATUS 1.1.0 answers code 50 for a master PF that does not exist', async (t) => {
  const { lab } = await setup(t);
  const o = await sriov(
    lab,
    { command: 'STATUS' },
    { cniVersion: '1.1.0', name: 'st', type: 'sriov', master: 'nosuchpf0' },
  );
  assertCode(o, 50, /nosuchpf0/);
});

test('STATUS 1.1.0 answers code 50 while every VF of the master PF is held, and 0 again once one is released', async (t) => {
  const { s, lab } = await setup(t, 2);
  const before = await lab.snapshot();
  const status = { cniVersion: '1.1.0', name: 'st', type: 'sriov', master: lab.pf(0).name };
  const a = await attach(s, lab, 'st', 'status-c1');
  assertSilentSuccess(await sriov(lab, { command: 'STATUS' }, status));
  const b = await attach(s, lab, 'st', 'status-c2');
  assertCode(await sriov(lab, { command: 'STATUS' }, status), 50, /no free VF/i);
  // A VF named explicitly is just as unavailable when held.
  assertCode(await sriov(lab, { command: 'STATUS' }, { ...status, vf: 0 }), 50);

  const delB = await sriov(lab, { command: 'DEL', ...b.call }, b.conf);
  assert.equal(delB.status, 0, formatResult(delB));
  assertSilentSuccess(await sriov(lab, { command: 'STATUS' }, status));
  const delA = await sriov(lab, { command: 'DEL', ...a.call }, a.conf);
  assert.equal(delA.status, 0, formatResult(delA));
  assert.deepEqual(await lab.snapshot(), before);
});

for (const version of ['0.4.0', '1.0.0']) {
  test(`STATUS and GC are refused at ${version} with code 1`, async (t) => {
    const { lab } = await setup(t);
    const conf = { cniVersion: version, name: 'old', type: 'sriov', master: lab.pf(0).name };
    assertCode(await sriov(lab, { command: 'STATUS' }, conf), 1);
    assertCode(await sriov(lab, { command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [] }), 1);
  });
}

test('GC 1.1.0 with cni.dev/valid-attachments listing one of two attachments releases and restores the other', async (t) => {
  const { s, lab } = await setup(t);
  const before = await lab.snapshot();
  const ifindex = await hostIfindexes(lab);
  const keep = await attach(s, lab, 'gcnet', 'gc-keep');
  const stale = await attach(s, lab, 'gcnet', 'gc-stale');
  const keepVf = await vfIn(lab, keep.ns.name, ifindex);
  const staleVf = await vfIn(lab, stale.ns.name, ifindex);
  assert.ok(keepVf && staleVf && keepVf !== staleVf, `VFs: ${keepVf}, ${staleVf}`);

  const gc = await sriov(
    lab,
    { command: 'GC' },
    {
      cniVersion: '1.1.0',
      name: 'gcnet',
      type: 'sriov',
      master: lab.pf(0).name,
      'cni.dev/valid-attachments': [{ containerID: 'gc-keep', ifname: 'eth0' }],
    },
  );
  assertSilentSuccess(gc);

  // The stale attachment's VF is home, with its settings and netdev as before ADD; its record is gone.
  const view = await lab.snapshot();
  const staleBefore = before.view.vfs.find((v) => v.pci === staleVf)!;
  assert.deepEqual(
    view.view.vfs.find((v) => v.pci === staleVf),
    staleBefore,
  );
  assert.deepEqual(view.netdevs[staleBefore.netdev!], before.netdevs[staleBefore.netdev!]);
  assert.equal(await getLink(stale.ns.name, 'eth0'), null);
  assert.deepEqual(lab.stateFilesMentioning(['gc-stale']), []);
  // The valid one is untouched.
  assert.equal(await vfIn(lab, keep.ns.name, ifindex), keepVf);
  assert.equal(view.view.vfs.find((v) => v.pci === keepVf)!.netdev, null);
  assert.notDeepEqual(lab.stateFilesMentioning(['gc-keep']), []);

  // The runtime's DELs still succeed afterwards (the stale one finds nothing to do).
  for (const a of [stale, keep]) {
    const del = await sriov(lab, { command: 'DEL', ...a.call }, a.conf);
    assert.equal(del.status, 0, formatResult(del));
  }
  assert.deepEqual(await lab.snapshot(), before);
  assert.deepEqual(lab.stateFilesMentioning(['gc-keep', 'gc-stale']), []);
});

test('GC 1.1.0 without cni.dev/valid-attachments is accepted and releases nothing it cannot judge', async (t) => {
  const { s, lab } = await setup(t);
  const before = await lab.snapshot();
  const a = await attach(s, lab, 'gcnet', 'gc-live');
  const during = await lab.snapshot();
  const gc = await sriov(
    lab,
    { command: 'GC' },
    { cniVersion: '1.1.0', name: 'gcnet', type: 'sriov', master: lab.pf(0).name },
  );
  assertSilentSuccess(gc);
  assert.deepEqual(await lab.snapshot(), during);
  assert.ok(await getLink(a.ns.name, 'eth0'), 'GC without a list took the live attachment away');
  const del = await sriov(lab, { command: 'DEL', ...a.call }, a.conf);
  assert.equal(del.status, 0, formatResult(del));
  assert.deepEqual(await lab.snapshot(), before);
});

test('GC 1.1.0 of one network leaves the attachments of another network alone', async (t) => {
  const { s, lab } = await setup(t);
  const before = await lab.snapshot();
  const mine = await attach(s, lab, 'gc-a', 'gcn-mine');
  const other = await attach(s, lab, 'gc-b', 'gcn-other');
  const gc = await sriov(
    lab,
    { command: 'GC' },
    {
      cniVersion: '1.1.0',
      name: 'gc-a',
      type: 'sriov',
      master: lab.pf(0).name,
      'cni.dev/valid-attachments': [],
    },
  );
  assertSilentSuccess(gc);
  assert.equal(await getLink(mine.ns.name, 'eth0'), null, 'the stale attachment of gc-a was not released');
  assert.ok(await getLink(other.ns.name, 'eth0'), 'GC of gc-a released an attachment of gc-b');
  const del = await sriov(lab, { command: 'DEL', ...other.call }, other.conf);
  assert.equal(del.status, 0, formatResult(del));
  assert.deepEqual(await lab.snapshot(), before);
});
