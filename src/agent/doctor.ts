// `vfnet doctor`: what is wrong with this host for SR-IOV, and how to fix it. Pure checks over the
// Sysfs port (hardware, /proc/cmdline, IOMMU groups), the plugin's state (attachment records),
// the node's ledger of VF claims, and the claims the model holds for this host's attachments, so
// every finding can be reproduced on a fake host.
import type { PfControl, StateFiles, Sysfs } from '../host/ports.js';
import { claimRecord, Records, type VfClaim } from '../sriov/records.js';
import { DEFAULT_USERSPACE_DRIVERS } from '../sriov/resolve.js';
import { MemoryVfLedger, type VfLedger } from '../store/vf-ledger.js';
import { capablePfs } from './discover.js';
import { idleVfProblems } from './idle-vfs.js';
import { type HostScan, type ScannedPf, scanHost } from './scan.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** What was checked: iommu, sriov-pf, sriov-firmware, numvfs, vf-driver, link, ledger-claims, ledger-unclaimed, model-claims. */
  check: string;
  /** The PF it is about, when it is about one. */
  subject: string | null;
  status: CheckStatus;
  detail: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
}

export interface DoctorInput {
  sysfs: Sysfs;
  /** The plugin's state directory; null when there is none (nothing was ever claimed). */
  state: StateFiles | null;
  /** Where the state directory is, for messages and fixes. */
  stateDir: string;
  /** The node's ledger of VF claims; null when the node's store does not exist yet. */
  ledger: VfLedger | null;
  /**
   * The attachment claims the resource model holds on this host's PFs (consumer → PF provider),
   * when the model was consulted: the embedded store with this host registered in it.
   */
  model?: { target: string; held: Map<string, string> } | null;
  /** A simulated host (the lab): kernel facts such as the IOMMU are not its own, so they are skipped. */
  simulated: boolean;
  /** The PFs' view of their VFs (VLAN, admin MAC), for the check of VFs no one holds; null skips that part. */
  pf?: PfControl | null;
  /** A host netdev's MAC (igb's PF echoes it as an admin MAC); defaults to sysfs' address file. */
  hostMacOf?: (netdev: string) => string | null;
}

export interface DoctorReport {
  findings: Finding[];
  /** 0 all pass, 1 any failure, 2 warnings only: the exit status of `vfnet doctor`. */
  exitCode: 0 | 1 | 2;
}

/** The VF driver that goes with a PF driver, for fix texts. */
const VF_DRIVER: Record<string, string> = {
  igb: 'igbvf',
  ixgbe: 'ixgbevf',
  i40e: 'iavf',
  ice: 'iavf',
  mlx4_core: 'mlx4_core',
  mlx5_core: 'mlx5_core',
  bnxt_en: 'bnxt_en',
  qede: 'qede',
  be2net: 'be2net',
};

/** Drivers that still take the module parameter `max_vfs` (one value per PF). */
const MAX_VFS_DRIVERS = new Set(['igb', 'ixgbe']);

const finding = (
  check: string,
  subject: string | null,
  status: CheckStatus,
  detail: string,
  fix: string | null = null,
): Finding => ({
  check,
  subject,
  status,
  detail,
  fix,
});

export function runDoctor(input: DoctorInput): DoctorReport {
  const scan = scanHost(input.sysfs);
  const findings = [
    checkIommu(input),
    ...checkPfs(scan),
    ...capablePfs(scan).flatMap((pf) => checkPf(pf, scan)),
    ...checkLedger(input, scan),
  ];
  return { findings, exitCode: exitCodeOf(findings) };
}

export function exitCodeOf(findings: readonly Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.status === 'fail')) return 1;
  if (findings.some((f) => f.status === 'warn')) return 2;
  return 0;
}

// --- IOMMU -----------------------------------------------------------------------------------------

const IOMMU_FIX =
  'add "intel_iommu=on iommu=pt" (Intel) or "amd_iommu=on iommu=pt" (AMD) to GRUB_CMDLINE_LINUX in /etc/default/grub, ' +
  'run update-grub (Debian, Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (CentOS, Fedora, RHEL), and reboot';

function checkIommu(input: DoctorInput): Finding {
  if (input.simulated)
    return finding(
      'iommu',
      null,
      'skip',
      "skipped: simulated host (its kernel facts are the machine's, not the lab's)",
    );
  const groups = input.sysfs.list('sys/kernel/iommu_groups') ?? [];
  const cmdline = input.sysfs.read('proc/cmdline');
  const words = (cmdline ?? '').split(/\s+/);
  const asked = words.filter((w) => /^(intel_iommu|amd_iommu|iommu)=/.test(w));
  const enabling = words.some((w) => w === 'intel_iommu=on' || (w.startsWith('amd_iommu=') && w !== 'amd_iommu=off'));
  const off = words.some((w) => w === 'intel_iommu=off' || w === 'amd_iommu=off' || w === 'iommu=off');
  const said = asked.length
    ? `kernel command line: ${asked.join(' ')}`
    : cmdline === null
      ? 'kernel command line unreadable'
      : 'no IOMMU option on the kernel command line';
  if (groups.length > 0 && !off) {
    const pt = words.includes('iommu=pt') ? '' : '; iommu=pt is not set (host devices pay for DMA translation)';
    return finding('iommu', null, 'pass', `${groups.length} IOMMU groups (${said})${pt}`);
  }
  if (enabling && !off) {
    return finding(
      'iommu',
      null,
      'fail',
      `the kernel was asked for the IOMMU (${said}) but /sys/kernel/iommu_groups is empty: VT-d / AMD-Vi is off in the firmware`,
      'enable VT-d (Intel) or AMD-Vi / IOMMU (AMD) in the BIOS/UEFI setup, and reboot',
    );
  }
  return finding(
    'iommu',
    null,
    'fail',
    `IOMMU is off: /sys/kernel/iommu_groups is empty (${said}); VFs cannot be assigned safely, vfio-pci cannot bind them`,
    IOMMU_FIX,
  );
}

// --- PFs -------------------------------------------------------------------------------------------

function checkPfs(scan: HostScan): Finding[] {
  const out: Finding[] = [];
  const capable = capablePfs(scan);
  if (capable.length === 0) {
    const seen = scan.nonSriov.map((n) => `${n.netdev} (${n.device}, ${n.driver ?? 'no driver'})`);
    out.push(
      finding(
        'sriov-pf',
        null,
        'fail',
        `no SR-IOV physical function: no netdev in /sys/class/net has a PCI device with sriov_totalvfs${seen.length ? `; seen without SR-IOV: ${seen.join(', ')}` : ''}`,
        'use an SR-IOV NIC (e.g. Intel 82576/i350/X540/X710/E810, Mellanox ConnectX-4 or later), enable SR-IOV in the BIOS/UEFI setup, and load its driver',
      ),
    );
  } else {
    const nics = new Set(capable.map((pf) => pf.nic));
    out.push(
      finding(
        'sriov-pf',
        null,
        'pass',
        `${capable.length} SR-IOV PF${capable.length > 1 ? 's' : ''} on ${nics.size} NIC${nics.size > 1 ? 's' : ''}: ${capable.map((pf) => `${pf.netdev} (${pf.pci}, ${pf.driver ?? 'no driver'})`).join(', ')}`,
      ),
    );
  }
  for (const pf of scan.pfs.filter((p) => !capable.includes(p))) {
    const mlx = pf.driver?.startsWith('mlx')
      ? `; on Mellanox: mlxconfig -d ${pf.pci} set SRIOV_EN=1 NUM_OF_VFS=8, then power-cycle`
      : '';
    out.push(
      finding(
        'sriov-firmware',
        pf.netdev,
        'fail',
        `${pf.netdev} (${pf.pci}) reports sriov_totalvfs ${pf.totalvfs ?? 'unreadable'}: SR-IOV is off in its firmware`,
        `enable SR-IOV for this device in the BIOS/UEFI setup and in the NIC's firmware${mlx}`,
      ),
    );
  }
  return out;
}

function numvfsPath(pf: ScannedPf): string {
  return `/sys/class/net/${pf.netdev}/device/sriov_numvfs`;
}

function checkPf(pf: ScannedPf, scan: HostScan): Finding[] {
  const out: Finding[] = [];
  const total = pf.totalvfs ?? 0;
  const path = numvfsPath(pf);
  const n = pf.numvfs;
  if (n === null) {
    out.push(
      finding(
        'numvfs',
        pf.netdev,
        'fail',
        `sriov_numvfs of ${pf.netdev} is ${pf.numvfsText === null ? 'missing' : `not a number (${JSON.stringify(pf.numvfsText)})`}`,
        `echo 0 > ${path} && echo ${Math.min(8, total)} > ${path}`,
      ),
    );
  } else if (n === 0) {
    // One PF left without VFs may be on purpose; no VFs anywhere means nothing can work.
    const anyVfs = capablePfs(scan).some((p) => (p.numvfs ?? 0) > 0);
    const want = Math.min(8, total);
    const sameDriver = capablePfs(scan).filter((p) => p.driver === pf.driver).length;
    const legacy =
      pf.driver && MAX_VFS_DRIVERS.has(pf.driver)
        ? `; or, on CentOS/Fedora/RHEL-style hosts with the legacy module option, "options ${pf.driver} max_vfs=${Array(sameDriver).fill(want).join(',')}" in /etc/modprobe.d/${pf.driver}.conf and reload the driver (or reboot)`
        : '';
    out.push(
      finding(
        'numvfs',
        pf.netdev,
        anyVfs ? 'warn' : 'fail',
        `${pf.netdev} has no VFs: sriov_numvfs is 0 (sriov_totalvfs ${total})`,
        `echo ${want} > ${path} (make it survive reboots with a udev rule or a systemd unit)${legacy}`,
      ),
    );
  } else if (n > total) {
    out.push(
      finding(
        'numvfs',
        pf.netdev,
        'fail',
        `sriov_numvfs ${n} exceeds sriov_totalvfs ${total} on ${pf.netdev}: impossible on a real device (a hand-edited tree, or a driver bug)`,
        `echo 0 > ${path} && echo ${total} > ${path}`,
      ),
    );
  } else if (pf.vfs.length !== n) {
    out.push(
      finding(
        'numvfs',
        pf.netdev,
        'fail',
        `sriov_numvfs says ${n} but ${pf.netdev} links ${pf.vfs.length} VFs (virtfnN): VF creation stopped half-way, or the tree is stale`,
        `echo 0 > ${path} && echo ${n} > ${path}; look for driver errors with dmesg`,
      ),
    );
  } else {
    out.push(finding('numvfs', pf.netdev, 'pass', `${n} of ${total} VFs`));
  }

  if (pf.vfs.length > 0) {
    const unbound = pf.vfs.filter((vf) => vf.driver === null);
    if (unbound.length > 0) {
      const vfDriver = (pf.driver && VF_DRIVER[pf.driver]) ?? '<vf-driver>';
      out.push(
        finding(
          'vf-driver',
          pf.netdev,
          'fail',
          `${unbound.length} VF${unbound.length > 1 ? 's' : ''} of ${pf.netdev} without a driver: ${unbound.map((vf) => `vf ${vf.index} (${vf.pci})`).join(', ')}`,
          `modprobe ${vfDriver}; then ${unbound.map((vf) => `echo ${vf.pci} > /sys/bus/pci/drivers/${vfDriver}/bind`).join('; ')} ` +
            `(or echo 1 > /sys/class/net/${pf.netdev}/device/sriov_drivers_autoprobe before creating the VFs)`,
        ),
      );
    } else {
      const counts = new Map<string, number>();
      for (const vf of pf.vfs) counts.set(vf.driver!, (counts.get(vf.driver!) ?? 0) + 1);
      out.push(
        finding(
          'vf-driver',
          pf.netdev,
          'pass',
          `every VF bound (${[...counts].map(([d, c]) => `${d}: ${c}`).join(', ')})`,
        ),
      );
    }
  }

  if (pf.adminUp === false) {
    out.push(
      finding(
        'link',
        pf.netdev,
        'fail',
        `${pf.netdev} is administratively down: its VFs have no link`,
        `ip link set ${pf.netdev} up`,
      ),
    );
  } else if (pf.operstate === 'up') {
    out.push(finding('link', pf.netdev, 'pass', `${pf.netdev} is up`));
  } else if (pf.operstate === 'down' || pf.operstate === 'lowerlayerdown') {
    out.push(
      finding(
        'link',
        pf.netdev,
        'fail',
        `${pf.netdev} has no carrier (operstate ${pf.operstate}): its VFs cannot reach the network`,
        `check the cable and the switch port of ${pf.netdev}; ip link set ${pf.netdev} up if it was never brought up`,
      ),
    );
  } else {
    out.push(
      finding(
        'link',
        pf.netdev,
        'warn',
        `${pf.netdev} operstate is ${pf.operstate ?? 'unreadable'}`,
        `ip link set ${pf.netdev} up, and check its carrier`,
      ),
    );
  }
  return out;
}

// --- the plugin's ledger ---------------------------------------------------------------------------

interface Holder {
  containerId: string;
  ifname: string;
  /** Where the VF is held: 'the ledger', or the attachment record's file name. */
  file: string;
}

function checkLedger(input: DoctorInput, scan: HostScan): Finding[] {
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
