// Parallel ADDs racing for the VFs of one PF, as a runtime starting many containers at once
// sends them (the spec allows parallel operations across containers). Each VF must go to
// exactly one winner; every loser must fail cleanly with "no free VF"; the DELs that runtimes
// send for every container, failed ADDs included, must leave no trace.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { formatResult } from '../support/exec.js';
import { labFor, type TestLab } from '../support/lab.js';
import { createNetns, getLink, listLinks, listNetns } from '../support/netns.js';
import { SRIOV_BIN } from '../support/paths.js';
import { cniError, execPlugin, type PluginOutcome } from '../support/plugin.js';
import { type Scratch, scratchFor } from '../support/scratch.js';

// The lab models igb, whose PFs have at most 7 VFs (sriov_totalvfs); the race is the same with 8.
const VFS = 8;
const CONTAINERS = 16;
const NO_FREE_VF = 101;
const SUBNET = '10.250.4.0/24';

interface Attempt {
  containerId: string;
  ns: { name: string; path: string };
}

function conf(s: Scratch, lab: TestLab) {
  return {
    cniVersion: '1.0.0',
    name: 'race',
    type: 'sriov',
    master: lab.pf(0).name,
    vlan: 30,
    ipam: { type: 'host-local', dataDir: s.path('ipam'), ranges: [[{ subnet: SUBNET }]] },
  };
}

function call(lab: TestLab, command: 'ADD' | 'DEL', a: Attempt) {
  return { command, containerId: a.containerId, netns: a.ns.path, ifname: 'eth0', env: lab.env };
}

/** host-local's leases: every file in its network directory except its lock and cursor. */
function leases(s: Scratch): string[] {
  try {
    return readdirSync(s.path('ipam', 'race')).filter((n) => n !== 'lock' && !n.startsWith('last_reserved_ip'));
  } catch {
    return [];
  }
}

/** One round: 16 parallel ADDs, checks, 16 parallel DELs, checks. */
async function race(s: Scratch, lab: TestLab, round: number, hostIfindex: Map<number, string>): Promise<void> {
  const attempts: Attempt[] = [];
  for (let i = 0; i < CONTAINERS; i++)
    attempts.push({ containerId: `race${round}-${i}`, ns: await createNetns(s, 'vp') });
  const config = conf(s, lab);

  const adds = await Promise.all(attempts.map((a) => execPlugin(SRIOV_BIN, call(lab, 'ADD', a), config)));
  const winners = attempts.filter((_, i) => adds[i]!.status === 0);
  const losers = adds.filter((o) => o.status !== 0);
  assert.equal(winners.length, VFS, `expected ${VFS} winners:\n${adds.map(formatResult).join('\n')}`);
  assert.equal(losers.length, CONTAINERS - VFS);
  for (const o of losers) {
    const err = cniError(o);
    assert.ok(err, `a losing ADD printed no CNI error: ${formatResult(o)}`);
    assert.equal(err.code, NO_FREE_VF, formatResult(o));
    assert.match(err.msg, /no free VF/i, formatResult(o));
    assert.match(err.msg, new RegExp(lab.pf(0).name), `the message should name the PF: ${err.msg}`);
  }

  // Each winner holds a different VF, and together they hold all of them.
  const held: string[] = [];
  for (const a of winners) {
    const eth0 = await getLink(a.ns.name, 'eth0');
    assert.ok(eth0, `winner ${a.containerId} has no eth0`);
    const netdev = hostIfindex.get(eth0.ifindex);
    assert.ok(netdev, `eth0 of ${a.containerId} (ifindex ${eth0.ifindex}) is no lab VF`);
    held.push(netdev);
  }
  assert.deepEqual(
    [...held].sort(),
    lab
      .vfsOf(lab.pf(0).name)
      .map((v) => v.netdev)
      .sort(),
  );
  for (const a of attempts.filter((x) => !winners.includes(x))) {
    assert.equal(await getLink(a.ns.name, 'eth0'), null, `loser ${a.containerId} has an eth0`);
  }
  assert.equal(leases(s).length, VFS, `host-local leases: ${leases(s).join(', ')}`);

  // Runtimes DEL every container, whether its ADD worked or not, and may do so in parallel.
  const dels: PluginOutcome[] = await Promise.all(
    attempts.map((a) => execPlugin(SRIOV_BIN, call(lab, 'DEL', a), config)),
  );
  for (const o of dels) assert.equal(o.status, 0, formatResult(o));
  assert.deepEqual(lab.stateFilesMentioning(attempts.map((a) => a.containerId)), []);
  assert.deepEqual(leases(s), []);
}

test(`${CONTAINERS} parallel ADDs on a PF with ${VFS} VFs: ${VFS} win distinct VFs, the rest fail with "no free VF", and the DELs leave nothing behind`, async (t) => {
  const s = scratchFor(t, 'vfnet-parallel');
  const netnsBefore = await listNetns();
  const lab = labFor(s, { pfs: 1, vfsPerPf: VFS, totalVfs: VFS });
  const before = await lab.snapshot();
  const linksBefore = (await listLinks(null)).map((l) => l.ifname).sort();
  const hostIfindex = new Map<number, string>();
  for (const v of lab.info.vfs) hostIfindex.set((await getLink(null, v.netdev))!.ifindex, v.netdev);

  // Two rounds: the second proves the first released every claim in the plugin's ledger.
  for (const round of [1, 2]) {
    await race(s, lab, round, hostIfindex);
    assert.deepEqual(await lab.snapshot(), before, `round ${round}: the lab is not as it was`);
    assert.deepEqual(
      (await listLinks(null)).map((l) => l.ifname).sort(),
      linksBefore,
      `round ${round}: host links differ`,
    );
  }
  // Only this test's namespaces (deleted at disposal) and the lab's may exist besides the old ones:
  // the plugin's temporary namespaces must all be gone.
  const ours = (n: string) => n.startsWith(`vp${s.tag}`) || n.startsWith(`${lab.info.prefix}-`);
  const extra = (await listNetns()).filter((n) => !netnsBefore.includes(n) && !ours(n));
  assert.deepEqual(extra, [], 'namespaces left behind by the plugin');
});
