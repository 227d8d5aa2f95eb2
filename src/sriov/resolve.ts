// Finding VFs in sysfs: from a VF PCI address (deviceID), or every VF of a PF (master).
// VF indexes come from the PF's virtfnN links, never from guesses.
import { CniError } from '../cni/index.js';
import type { Sysfs } from '../host/ports.js';
import { SriovCode } from './errors.js';

export interface VfRef {
  pci: string;
  /** The PF's netdev name. */
  pf: string;
  pfPci: string;
  /** The VF index on its PF (virtfnN). */
  index: number;
  /** The VF's netdev in the host namespace, or null (userspace driver, or not visible). */
  netdev: string | null;
  /** The bound driver's name, or null when unbound. */
  driver: string | null;
  /** Bound to a userspace driver: PF-level settings only, no netdev work. */
  dpdk: boolean;
}

export const DEFAULT_USERSPACE_DRIVERS = ['vfio-pci', 'uio_pci_generic', 'igb_uio'];

const pciDir = (pci: string) => `sys/bus/pci/devices/${pci}`;

function unusable(msg: string): CniError {
  return new CniError(SriovCode.DeviceUnusable, msg);
}

/** The PF netdev of a PF PCI device: the first that is not a switchdev representor (sriov-cni #247). */
function pfNetdev(sysfs: Sysfs, pfPci: string): string | null {
  const names = sysfs.list(`${pciDir(pfPci)}/net`) ?? [];
  const plain = names.find((n) => !(sysfs.read(`sys/class/net/${n}/phys_port_name`) ?? ''));
  return plain ?? names[0] ?? null;
}

function numVfs(sysfs: Sysfs, pfPci: string): number {
  const n = Number(sysfs.read(`${pciDir(pfPci)}/sriov_numvfs`) ?? '0');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function describe(
  sysfs: Sysfs,
  pci: string,
  pf: string,
  pfPci: string,
  index: number,
  userspace: readonly string[],
): VfRef {
  const netdev = sysfs.list(`${pciDir(pci)}/net`)?.[0] ?? null;
  const driver = sysfs.linkName(`${pciDir(pci)}/driver`);
  const dpdk = netdev === null && driver !== null && userspace.includes(driver);
  return { pci, pf, pfPci, index, netdev, driver, dpdk };
}

/**
 * Resolves a `deviceID`. Throws a clear error naming the device when it is not a VF at all; a VF
 * without a host netdev is returned as it is (it may be held: the caller checks the claim first).
 */
export function resolveDevice(sysfs: Sysfs, pci: string, userspace: readonly string[]): VfRef {
  if (!sysfs.exists(pciDir(pci))) throw unusable(`deviceID "${pci}": no PCI device with that address`);
  const pfPci = sysfs.linkName(`${pciDir(pci)}/physfn`);
  if (!pfPci) {
    throw unusable(
      `deviceID "${pci}" is not an SR-IOV VF (it has no physfn: a PF, an InfiniBand or a virtio device cannot be used)`,
    );
  }
  const pf = pfNetdev(sysfs, pfPci);
  if (!pf) throw unusable(`deviceID "${pci}": its PF ${pfPci} has no network interface`);
  const n = numVfs(sysfs, pfPci);
  for (let i = 0; i < n; i++) {
    if (sysfs.linkName(`${pciDir(pfPci)}/virtfn${i}`) === pci) return describe(sysfs, pci, pf, pfPci, i, userspace);
  }
  throw unusable(`deviceID "${pci}" is not among the ${n} VFs of PF ${pf} (${pfPci}); did sriov_numvfs change?`);
}

/** Every VF of a PF, in index order, usable or not. Throws when `pf` is not an SR-IOV PF with VFs. */
export function listPfVfs(sysfs: Sysfs, key: string, pf: string, userspace: readonly string[]): VfRef[] {
  if (!sysfs.exists(`sys/class/net/${pf}`)) throw unusable(`${key} "${pf}": no such network interface`);
  const pfPci = sysfs.linkName(`sys/class/net/${pf}/device`);
  if (!pfPci || sysfs.read(`${pciDir(pfPci)}/sriov_totalvfs`) === null) {
    throw unusable(`${key} "${pf}" is not an SR-IOV physical function (no sriov_totalvfs)`);
  }
  const n = numVfs(sysfs, pfPci);
  if (n === 0) {
    throw unusable(
      `${key} "${pf}" has no VFs (sriov_numvfs is 0): create them with echo N > /sys/class/net/${pf}/device/sriov_numvfs`,
    );
  }
  const vfs: VfRef[] = [];
  for (let i = 0; i < n; i++) {
    const pci = sysfs.linkName(`${pciDir(pfPci)}/virtfn${i}`);
    if (pci) vfs.push(describe(sysfs, pci, pf, pfPci, i, userspace));
  }
  return vfs;
}

/** A VF that can be handed out: it has a host netdev or a userspace driver. */
export function isUsable(vf: VfRef): boolean {
  return vf.netdev !== null || vf.dpdk;
}

export function notUsable(vf: VfRef): CniError {
  return unusable(
    `VF ${vf.pci} has neither a network interface in this namespace nor a userspace driver (driver: ${vf.driver ?? 'none'}); it may be in use elsewhere`,
  );
}
