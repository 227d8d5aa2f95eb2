// `vfnet doctor`: what is wrong with this host for SR-IOV, and how to fix it. Pure checks over the
// Sysfs port (hardware, /proc/cmdline, IOMMU groups), the plugin's state (attachment records),
// the node's ledger of VF claims, and the claims the model holds for this host's attachments, so
// every finding can be reproduced on a fake host. The hardware checks are here; the state checks
// in doctor-state.ts.
import { capablePfs } from './discover.js';
import { type DoctorInput, type DoctorReport, exitCodeOf, type Finding, finding } from './doctor-findings.js';
import { checkLedger } from './doctor-state.js';
import { type HostScan, type ScannedPf, scanHost } from './scan.js';

export type { CheckStatus, DoctorInput, DoctorReport, Finding } from './doctor-findings.js';
export { exitCodeOf } from './doctor-findings.js';

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

export function runDoctor(input: DoctorInput): DoctorReport {
  const scan = scanHost(input.sysfs);
  const findings = [
    checkIommu(input, scan),
    ...checkPfs(scan),
    ...capablePfs(scan).flatMap((pf) => checkPf(pf, scan)),
    ...checkLedger(input, scan),
  ];
  return { findings, exitCode: exitCodeOf(findings) };
}

// --- IOMMU -----------------------------------------------------------------------------------------

const IOMMU_FIX =
  'add "intel_iommu=on iommu=pt" (Intel) or "amd_iommu=on iommu=pt" (AMD) to GRUB_CMDLINE_LINUX in /etc/default/grub, ' +
  'run update-grub (Debian, Ubuntu) or grub2-mkconfig -o /boot/grub2/grub.cfg (CentOS, Fedora, RHEL), and reboot';

/**
 * The VFs that need the IOMMU: bound to vfio-pci, or set to bind to it (driver_override, what
 * dpdk-devbind and device-plugin setups leave). Kernel-mode VFs and uio_pci_generic work without it.
 */
function vfioVfs(input: DoctorInput, scan: HostScan): string[] {
  return capablePfs(scan).flatMap((pf) =>
    pf.vfs
      .filter(
        (vf) =>
          vf.driver === 'vfio-pci' ||
          input.sysfs.read(`sys/bus/pci/devices/${vf.pci}/driver_override`)?.trim() === 'vfio-pci',
      )
      .map((vf) => vf.pci),
  );
}

function checkIommu(input: DoctorInput, scan: HostScan): Finding {
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
  // Without an IOMMU only vfio-pci (DPDK) is stuck: the kernel's own VF drivers and
  // uio_pci_generic work, so a node that uses neither has nothing to fix, and says so.
  const needing = vfioVfs(input, scan);
  const firmware = enabling && !off;
  const why = firmware
    ? `the kernel was asked for the IOMMU (${said}) but /sys/kernel/iommu_groups is empty: VT-d / AMD-Vi is off in the firmware`
    : `IOMMU is off: /sys/kernel/iommu_groups is empty (${said})`;
  const fix = firmware ? 'enable VT-d (Intel) or AMD-Vi / IOMMU (AMD) in the BIOS/UEFI setup, and reboot' : IOMMU_FIX;
  if (needing.length > 0)
    return finding(
      'iommu',
      null,
      'fail',
      `${why}; vfio-pci needs it, and ${needing.length} VF${needing.length > 1 ? 's are' : ' is'} bound or set to bind to vfio-pci: ${needing.join(', ')}`,
      fix,
    );
  return finding(
    'iommu',
    null,
    firmware ? 'warn' : 'pass',
    `${why}; no VF is bound or set to bind to vfio-pci, and kernel-mode VFs and uio_pci_generic work without it (DPDK with vfio-pci needs it)`,
    `only to use vfio-pci: ${fix}`,
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
