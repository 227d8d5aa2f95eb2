// Host discovery → the provider tree of design §5.2:
//
//   <host>                      VCPU, MEMORY_MB, DISK_GB        HW_NIC_SRIOV (when it has SR-IOV PFs)
//    └─ <host>_nic_<dddd:bb:dd>  no inventory                    CUSTOM_VENDOR_<id>, CUSTOM_DRIVER_<DRV>
//        └─ <host>_<pf>          SRIOV_NET_VF total=sriov_numvfs CUSTOM_PHYSNET_<NET>, HW_NIC_SRIOV, vendor, driver
//
// Pure: the hardware comes through the Sysfs port, the host facts and physnet map are inputs.
// Providers are listed parents first (root, NICs, PFs), the order they must be created in.

import {
  hostProviderName,
  hostProviderUuid,
  nicProviderName,
  nicProviderUuid,
  pfProviderName,
  pfProviderUuid,
} from '../accounting/ids.js';
import type { Sysfs } from '../host/ports.js';
import { checkHostFacts, type HostFacts } from './host-facts.js';
import { type PhysnetMap, physnetOf } from './physnet.js';
import { type HostScan, type ScannedPf, scanHost } from './scan.js';
import { driverTrait, physnetTrait, SRIOV_TRAIT, vendorTrait } from './traits.js';

export type { HostFacts } from './host-facts.js';

/** An inventory record as Placement takes it. */
export interface InventorySpec {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export interface ProviderSpec {
  kind: 'host' | 'nic' | 'pf';
  uuid: string;
  name: string;
  parentUuid: string | null;
  inventories: Record<string, InventorySpec>;
  /** Sorted. */
  traits: string[];
  /** NIC: its `dddd:bb:dd`; PF: its PCI address. */
  pci: string | null;
  /** PF only. */
  pf: ScannedPf | null;
  /** PF only: the physnet from the map, or null when unmapped. */
  physnet: string | null;
}

export interface Discovery {
  facts: HostFacts;
  scan: HostScan;
  /** Root first, then NICs, then PFs: creation order. */
  providers: ProviderSpec[];
  /** Things worth saying that are not errors (no SR-IOV, an unused physnet entry, ...). */
  notes: string[];
}

export function inventory(total: number): InventorySpec {
  return { total, reserved: 0, min_unit: 1, max_unit: total, step_size: 1, allocation_ratio: 1.0 };
}

/** PFs that can have VFs at all: sriov_totalvfs > 0 (0 means SR-IOV is off in the firmware). */
export function capablePfs(scan: HostScan): ScannedPf[] {
  return scan.pfs.filter((pf) => (pf.totalvfs ?? 0) > 0);
}

export function buildTree(facts: HostFacts, scan: HostScan, physnets: PhysnetMap): Discovery {
  checkHostFacts(facts);
  const host = facts.hostname;
  const notes: string[] = [];
  const pfs = capablePfs(scan);
  const rootUuid = hostProviderUuid(host);

  const rootInventory: Record<string, InventorySpec> = {};
  // Placement refuses total 0, so a fact of 0 (an unreadable disk) means no inventory of that class.
  if (facts.vcpus > 0) rootInventory.VCPU = inventory(facts.vcpus);
  if (facts.memoryMb > 0) rootInventory.MEMORY_MB = inventory(facts.memoryMb);
  if (facts.diskGb > 0) rootInventory.DISK_GB = inventory(facts.diskGb);
  const root: ProviderSpec = {
    kind: 'host',
    uuid: rootUuid,
    name: hostProviderName(host),
    parentUuid: null,
    inventories: rootInventory,
    traits: pfs.length > 0 ? [SRIOV_TRAIT] : [],
    pci: null,
    pf: null,
    physnet: null,
  };

  const nics: ProviderSpec[] = [];
  const pfProviders: ProviderSpec[] = [];
  for (const nicAddress of [...new Set(pfs.map((pf) => pf.nic))].sort()) {
    const members = pfs.filter((pf) => pf.nic === nicAddress);
    const nicUuid = nicProviderUuid(host, nicAddress);
    nics.push({
      kind: 'nic',
      uuid: nicUuid,
      name: nicProviderName(host, nicAddress),
      parentUuid: rootUuid,
      inventories: {},
      traits: hardwareTraits(members),
      pci: nicAddress,
      pf: null,
      physnet: null,
    });
    for (const pf of members) {
      const physnet = physnetOf(physnets, pf);
      const traits = new Set([SRIOV_TRAIT, ...hardwareTraits([pf])]);
      if (physnet !== null) traits.add(physnetTrait(physnet));
      const numvfs = pf.numvfs ?? 0;
      pfProviders.push({
        kind: 'pf',
        uuid: pfProviderUuid(host, pf.pci),
        name: pfProviderName(host, pf.netdev),
        parentUuid: nicUuid,
        inventories: numvfs > 0 ? { SRIOV_NET_VF: inventory(numvfs) } : {},
        traits: [...traits].sort(),
        pci: pf.pci,
        pf,
        physnet,
      });
      if (physnet === null)
        notes.push(`PF ${pf.netdev} (${pf.pci}) has no physnet: give one with --physnet ${pf.netdev}=<name>`);
      if (numvfs === 0)
        notes.push(
          `PF ${pf.netdev} has no VFs (sriov_numvfs is ${pf.numvfsText ?? 'missing'}): its provider has no SRIOV_NET_VF inventory`,
        );
    }
  }

  if (pfs.length === 0) {
    const seen = scan.nonSriov.map((n) => `${n.netdev} (${n.device}, ${n.driver ?? 'no driver'})`);
    notes.push(
      `no SR-IOV physical function found${seen.length ? `; network devices without SR-IOV: ${seen.join(', ')}` : ''}: the tree is the host alone`,
    );
  }
  for (const pf of scan.pfs.filter((p) => !pfs.includes(p))) {
    notes.push(
      `PF ${pf.netdev} (${pf.pci}) reports sriov_totalvfs ${pf.totalvfs ?? 'unreadable'}: SR-IOV is off in its firmware, left out`,
    );
  }
  const known = new Set(scan.pfs.flatMap((pf) => [pf.pci, pf.netdev, ...pf.otherNetdevs]));
  for (const key of physnets.keys()) {
    if (!known.has(key))
      notes.push(`--physnet ${key}=${physnets.get(key)}: no SR-IOV PF of that name or PCI address here`);
  }

  return { facts, scan, providers: [root, ...nics, ...pfProviders], notes };
}

/** CUSTOM_VENDOR_* and CUSTOM_DRIVER_* of a set of PFs (a NIC's, or one PF's), sorted. */
function hardwareTraits(pfs: readonly ScannedPf[]): string[] {
  const traits = new Set<string>();
  for (const pf of pfs) {
    if (pf.vendor) traits.add(vendorTrait(pf.vendor));
    if (pf.driver) traits.add(driverTrait(pf.driver));
  }
  return [...traits].sort();
}

/** Reads the host's SR-IOV hardware and builds its provider tree. */
export function discover(sysfs: Sysfs, facts: HostFacts, physnets: PhysnetMap): Discovery {
  return buildTree(facts, scanHost(sysfs), physnets);
}
