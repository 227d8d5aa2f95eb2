// \`vfnet doctor\`'s checks of the plugin's state: the node's ledger against the attachment records
// and the hardware, VFs no one holds that still carry a holder's settings, and the model's
// attachment claims against the attachments.
import type { StateFiles } from '../host/ports.js';
import { claimRecord, Records, type VfClaim } from '../sriov/records.js';
import { DEFAULT_USERSPACE_DRIVERS } from '../sriov/resolve.js';
import { MemoryVfLedger } from '../store/vf-ledger.js';
import { capablePfs } from './discover.js';
import { type DoctorInput, type Finding, finding } from './doctor-findings.js';
import { idleVfProblems } from './idle-vfs.js';
import type { HostScan, ScannedPf } from './scan.js';

// --- the plugin's ledger ---------------------------------------------------------------------------

interface Holder {
  containerId: string;
  ifname: string;
  /** Where the VF is held: 'the ledger', or the attachment record's file name. */
  file: string;
}

export function checkLedger(input: DoctorInput, scan: HostScan): Finding[] {
  if (input.state === null && input.ledger === null) {
    return [
      finding(
        'ledger-claims',
        null,
        'pass',
        `no state directory at ${input.stateDir} and no ledger: nothing is claimed`,
      ),
    ];
  }
  const records = new Records(input.state ?? EMPTY_STATE, input.ledger ?? new MemoryVfLedger());
  const corrupt: string[] = [];
  const claims = records.allClaims();
  const where = input.ledger?.location ?? 'the ledger';
  const attachments = records.allAttachments((name) => corrupt.push(name)).filter((a) => a.phase !== 'released');
  // The ledger's copies stand for records whose file is gone: DEL and GC restore from them.
  const onFile = new Set(attachments.map((a) => `${a.containerId}\u0000${a.ifname}`));
  const copies = claims
    .map(claimRecord)
    .filter((r): r is NonNullable<typeof r> => r !== null && !onFile.has(`${r.containerId}\u0000${r.ifname}`));
  const vfs = new Map(capablePfs(scan).flatMap((pf) => pf.vfs.map((vf) => [vf.pci, { pf, vf }] as const)));

  // Who holds each VF, according to the ledger: claims first, then attachment records.
  const holders = new Map<string, Holder[]>();
  const hold = (pci: string, h: Holder) => holders.set(pci, [...(holders.get(pci) ?? []), h]);
  for (const c of claims) hold(c.pci, { containerId: c.containerId, ifname: c.ifname, file: 'the ledger' });
  for (const a of attachments)
    hold(a.vf.pci, { containerId: a.containerId, ifname: a.ifname, file: `att-${a.containerId}-${a.ifname}.json` });
  for (const a of copies) hold(a.vf.pci, { containerId: a.containerId, ifname: a.ifname, file: 'the ledger' });

  const out: Finding[] = [];
  const gone = [...holders].filter(([pci]) => !vfs.has(pci));
  const leaked = claims.filter((c: VfClaim) => {
    const v = vfs.get(c.pci);
    return v !== undefined && v.vf.netdev !== null && !DEFAULT_USERSPACE_DRIVERS.includes(v.vf.driver ?? '');
  });
  const dir = input.stateDir;
  if (gone.length > 0) {
    const list = gone.map(
      ([pci, hs]) => `${pci} (${hs.map((h) => `${h.containerId}/${h.ifname} in ${h.file}`).join(', ')})`,
    );
    out.push(
      finding(
        'ledger-claims',
        null,
        'fail',
        `the ledger holds VFs that no longer exist: ${list.join('; ')}; they would block those VFs if they came back`,
        `if those containers are gone, run the runtime's CNI GC (or CNI DEL for each); that removes ${[...new Set(gone.flatMap(([, hs]) => hs.map((h) => (h.file === 'the ledger' ? `their claims from ${where}` : `${dir}/${h.file}`))))].join(' and ')}`,
      ),
    );
  }
  if (leaked.length > 0) {
    out.push(
      finding(
        'ledger-claims',
        null,
        'warn',
        `claimed VFs back in the host namespace (their container ended without CNI DEL?): ${leaked.map((c) => `${c.pci} by ${c.containerId}/${c.ifname}`).join(', ')}`,
        `run the runtime's CNI GC, or CNI DEL for those containers; the claims are in ${where}`,
      ),
    );
  }
  if (corrupt.length > 0) {
    out.push(
      finding(
        'ledger-claims',
        null,
        'fail',
        `damaged attachment records: ${corrupt.map((n) => `${dir}/${n}`).join(', ')}; CHECK fails on them and their VFs are not restored until DEL or GC`,
        "run the runtime's CNI DEL for those containers (or CNI GC): the plugin keeps each file aside as <name>.damaged-<time> and restores the VF from the ledger's copy, or resets it to safe defaults",
      ),
    );
  }
  if (out.length === 0) {
    const aside = records.damagedNames();
    const kept = aside.length
      ? `; ${aside.length} damaged record${aside.length === 1 ? '' : 's'} kept aside for inspection, their VFs settled: ${aside.join(', ')}`
      : '';
    const copied = copies.length
      ? `; ${copies.length} record${copies.length === 1 ? '' : 's'} only in the ledger's copy (the file is gone; DEL restores from the copy)`
      : '';
    out.push(
      finding(
        'ledger-claims',
        null,
        'pass',
        `${claims.length} claim${claims.length === 1 ? '' : 's'} and ${attachments.length} attachment record${attachments.length === 1 ? '' : 's'}, all on existing VFs${copied}${kept}`,
      ),
    );
  }

  // The reverse: a kernel-driven VF whose netdev is not in the host namespace is in some container;
  // without a claim, something other than vfnet put it there and the account no longer matches.
  const unclaimed = [...vfs.values()].filter(
    ({ vf }) =>
      vf.netdev === null &&
      vf.driver !== null &&
      !DEFAULT_USERSPACE_DRIVERS.includes(vf.driver) &&
      !holders.has(vf.pci),
  );
  if (unclaimed.length > 0) {
    out.push(
      finding(
        'ledger-unclaimed',
        null,
        'fail',
        `VFs away from the host namespace that no claim holds: ${unclaimed.map(({ pf, vf }) => `${pf.netdev} vf ${vf.index} (${vf.pci})`).join(', ')}; another CNI plugin or a hand-run "ip link set netns" took them`,
        'find them with: ip -all netns exec ip -br link; give them back, or attach them through vfnet so the ledger knows',
      ),
    );
  } else {
    out.push(finding('ledger-unclaimed', null, 'pass', 'every VF outside the host namespace is claimed'));
  }
  if (input.pf)
    out.push(
      checkIdleVfs(
        input,
        [...vfs.values()].filter(({ vf }) => !holders.has(vf.pci)),
      ),
    );
  if (input.model) out.push(...checkModel(input.model, [...attachments, ...copies]));
  return out;
}

/** VFs no one holds carry nothing of a previous container: no VLAN, no admin MAC, no pod name, home. */
function checkIdleVfs(input: DoctorInput, idle: { pf: ScannedPf; vf: ScannedPf['vfs'][number] }[]): Finding {
  const hostMacOf = input.hostMacOf ?? ((n: string) => input.sysfs.read(`sys/class/net/${n}/address`));
  const bad = idleVfProblems(idle, DEFAULT_USERSPACE_DRIVERS, input.pf ?? null, hostMacOf);
  if (bad.length === 0)
    return finding(
      'idle-vfs',
      null,
      'pass',
      `${idle.length} VF${idle.length === 1 ? '' : 's'} no one holds, each as a fresh VF is`,
    );
  const list = bad.map(({ pf, vf, what }) => `${pf.netdev} vf ${vf.index} (${vf.pci}): ${what.join(', ')}`);
  const fixes = bad.map(
    ({ pf, vf }) => `ip link set ${pf.netdev} vf ${vf.index} vlan 0 mac 00:00:00:00:00:00 spoofchk on trust off`,
  );
  return finding(
    'idle-vfs',
    null,
    'fail',
    `VFs no one holds still carry a previous attachment's state (the next container would inherit it): ${list.join('; ')}`,
    `run the runtime's CNI GC (or DEL) for the container that had them; else reset by hand: ${fixes.join('; ')}, and bring the netdev home under its own name`,
  );
}

/**
 * The model's side of the account: every attachment that claimed its VF in this model still
 * holds that claim, and every claim the model holds for this host's attachments has one.
 */
function checkModel(
  model: { target: string; held: Map<string, string> },
  attachments: {
    containerId: string;
    ifname: string;
    vf: { pci: string };
    model?: { url: string; consumer: string } | null;
  }[],
): Finding[] {
  const recorded = attachments.filter((a) => a.model?.url === model.target);
  const consumers = new Set(recorded.map((a) => a.model!.consumer));
  const missing = recorded.filter((a) => !model.held.has(a.model!.consumer));
  const orphans = [...model.held.keys()].filter((c) => !consumers.has(c));
  const out: Finding[] = [];
  if (missing.length > 0) {
    out.push(
      finding(
        'model-claims',
        null,
        'fail',
        `attachments whose VF the model at ${model.target} no longer counts: ${missing.map((a) => `${a.vf.pci} by ${a.containerId}/${a.ifname}`).join(', ')}; another attachment or instance may be given those VFs`,
        'CNI DEL and ADD those containers again (or restart them), so the model counts their VFs',
      ),
    );
  }
  if (orphans.length > 0) {
    out.push(
      finding(
        'model-claims',
        null,
        'warn',
        `${orphans.length} VF claim${orphans.length === 1 ? '' : 's'} in ${model.target} with no attachment behind ${orphans.length === 1 ? 'it' : 'them'} (an ADD killed before it recorded its VF?): consumers ${orphans.join(', ')}`,
        "run the runtime's CNI GC for the network (the plugin releases claims no attachment holds), or DELETE /allocations/{consumer}",
      ),
    );
  }
  if (out.length === 0) {
    out.push(
      finding(
        'model-claims',
        null,
        'pass',
        `${recorded.length} attachment${recorded.length === 1 ? '' : 's'} and ${model.held.size} claim${model.held.size === 1 ? '' : 's'} in ${model.target} agree`,
      ),
    );
  }
  return out;
}

/** Stands in for a state directory that does not exist: no attachment records. */
const EMPTY_STATE: StateFiles = {
  dir: '(none)',
  readJson: () => null,
  writeJson: () => {
    throw new Error('read-only');
  },
  readText: () => null,
  rename: () => false,
  remove: () => undefined,
  list: () => [],
  writable: () => false,
  sweepAbandoned: () => 0,
};
