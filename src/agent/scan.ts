// What SR-IOV hardware a host has, read through the Sysfs port only: PFs (found from the netdevs
// in sys/class/net whose PCI device has sriov_totalvfs), the NIC each belongs to, and each PF's
// VFs from its virtfnN links. Facts only, no judgement: discovery turns this into providers and
// doctor into findings, so both see the same picture.

import { nicAddressOf } from '../accounting/ids.js';
import type { Sysfs } from '../host/ports.js';

export interface ScannedVf {
  /** From the PF's virtfnN link, never guessed. */
  index: number;
  pci: string;
  /** The VF's netdev in this network namespace; null when it is elsewhere (a container) or has none (DPDK, unbound). */
  netdev: string | null;
  /** The bound driver, null when unbound. */
  driver: string | null;
}

export interface ScannedPf {
  /** The PF's netdev (the first that is not a representor). */
  netdev: string;
  /** More netdevs of the same PCI function (dual-port devices such as mlx4's ens1/ens1d1). */
  otherNetdevs: string[];
  pci: string;
  /** `dddd:bb:dd`, the PCI device this function belongs to. */
  nic: string;
  /** PCI vendor/device ids without `0x`, lower-case; null when unreadable. */
  vendor: string | null;
  device: string | null;
  driver: string | null;
  /** sriov_totalvfs / sriov_numvfs as integers; null when missing or not a number. */
  totalvfs: number | null;
  numvfs: number | null;
  /** The raw sriov_numvfs text, for messages when it is not a number. */
  numvfsText: string | null;
  /** operstate of the PF netdev (`up`, `down`, `unknown`, ...), null when unreadable. */
  operstate: string | null;
  /** IFF_UP from the netdev's flags; null when unreadable. */
  adminUp: boolean | null;
  /** Every VF the PF links to, by index. */
  vfs: ScannedVf[];
}

/** A netdev on a device without SR-IOV: reported so "no SR-IOV here" can say what was seen. */
export interface ScannedNonSriov {
  netdev: string;
  /** The device's name: a PCI address, or e.g. `virtio2` for a virtio device. */
  device: string;
  driver: string | null;
}

export interface HostScan {
  /** By PCI address. */
  pfs: ScannedPf[];
  nonSriov: ScannedNonSriov[];
}

const dev = (pci: string) => `sys/bus/pci/devices/${pci}`;

function int(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  return Number(text);
}

function hexId(text: string | null): string | null {
  if (text === null) return null;
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(text);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * A switchdev representor shares its PF's PCI device; its phys_port_name says what it represents
 * (`pf0vf3`, `c1pf0sf7`). The uplink representor (`p0`) is the PF's own netdev in switchdev mode.
 */
function isRepresentor(sysfs: Sysfs, netdev: string): boolean {
  const port = sysfs.read(`sys/class/net/${netdev}/phys_port_name`) ?? '';
  return port !== '' && !/^p\d+$/.test(port);
}

function flagsUp(text: string | null): boolean | null {
  if (text === null || !/^0x[0-9a-f]+$/i.test(text)) return null;
  return (parseInt(text, 16) & 0x1) === 1;
}

export function scanVfs(sysfs: Sysfs, pfPci: string): ScannedVf[] {
  const indexes = (sysfs.list(dev(pfPci)) ?? [])
    .map((name) => /^virtfn(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const vfs: ScannedVf[] = [];
  for (const index of indexes) {
    const pci = sysfs.linkName(`${dev(pfPci)}/virtfn${index}`);
    if (!pci) continue;
    vfs.push({
      index,
      pci,
      netdev: sysfs.list(`${dev(pci)}/net`)?.[0] ?? null,
      driver: sysfs.linkName(`${dev(pci)}/driver`),
    });
  }
  return vfs;
}

export function scanHost(sysfs: Sysfs): HostScan {
  const byPci = new Map<string, string[]>();
  const nonSriov: ScannedNonSriov[] = [];
  for (const netdev of sysfs.list('sys/class/net') ?? []) {
    const device = `sys/class/net/${netdev}/device`;
    const pci = sysfs.linkName(device);
    // Virtual devices (lo, veth, bridges) have no device; VFs have a physfn.
    if (!pci || sysfs.exists(`${device}/physfn`)) continue;
    if (sysfs.read(`${device}/sriov_totalvfs`) === null) {
      nonSriov.push({ netdev, device: pci, driver: sysfs.linkName(`${device}/driver`) });
      continue;
    }
    if (isRepresentor(sysfs, netdev)) continue;
    byPci.set(pci, [...(byPci.get(pci) ?? []), netdev]);
  }

  const pfs: ScannedPf[] = [];
  for (const pci of [...byPci.keys()].sort()) {
    const [netdev, ...otherNetdevs] = byPci.get(pci)!.sort();
    const numvfsText = sysfs.read(`${dev(pci)}/sriov_numvfs`);
    pfs.push({
      netdev: netdev!,
      otherNetdevs,
      pci,
      nic: nicAddressOf(pci),
      vendor: hexId(sysfs.read(`${dev(pci)}/vendor`)),
      device: hexId(sysfs.read(`${dev(pci)}/device`)),
      driver: sysfs.linkName(`${dev(pci)}/driver`),
      totalvfs: int(sysfs.read(`${dev(pci)}/sriov_totalvfs`)),
      numvfs: int(numvfsText),
      numvfsText,
      operstate: sysfs.read(`sys/class/net/${netdev}/operstate`),
      adminUp: flagsUp(sysfs.read(`sys/class/net/${netdev}/flags`)),
      vfs: scanVfs(sysfs, pci),
    });
  }
  return { pfs, nonSriov: nonSriov.sort((a, b) => a.netdev.localeCompare(b.netdev)) };
}
