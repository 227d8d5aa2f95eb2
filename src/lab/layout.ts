// The shape of a lab host, computed from its options alone (no I/O): PCI addresses laid out as
// igb lays them out, netdev names, switch port and bridge names, initial VF settings. Everything
// else in src/lab derives its names from here, so up, down, show and the plugin's ports agree.
import { freshVfConfig, type VfConfig, type VlanProto } from '../host/ports.js';

export interface LabOptions {
  /** The lab directory: the sysfs root the plugin is pointed at. Default /run/vfnet-lab. */
  dir?: string;
  /** Keeps several labs apart: netdev names, netns names, ifaliases. Default `vfl`. */
  prefix?: string;
  /** PFs on the one NIC (1–4). Default 2. */
  pfs?: number;
  /** sriov_numvfs of each PF. Default 4. */
  vfsPerPf?: number;
  /** sriov_totalvfs of each PF (igb: 7; up to 32 to model larger NICs). Default 7. */
  totalVfs?: number;
  /** Physical network of each PF, by PF index (cycled when shorter). Default ['public', 'intranet']. */
  physnets?: string[];
}

export interface LabPf {
  index: number;
  name: string;
  pci: string;
  physnet: string;
  numvfs: number;
  totalvfs: number;
  /** The PF's peer in the switch netns: the uplink port. */
  uplink: string;
}

/** Where a VF's switch port is and what the switch enforces on it. */
export interface LabPort {
  name: string;
  bridge: string;
  up: boolean;
  /** Source MAC the switch accepts from this port, or null when it accepts any. */
  spoofFilter: string | null;
  /** Shaped rate in Mbps (0 = none). */
  shapedMbps: number;
}

export interface LabVf {
  pci: string;
  /** PF netdev name. */
  pf: string;
  pfPci: string;
  index: number;
  /** The netdev name the VF got at creation (it may be renamed or moved since). */
  netdev: string;
  physnet: string;
  /** The VF netdev's own (permanent, stable) MAC. */
  mac: string;
  driver: string;
  /** PF-level settings, as the PF holds them. */
  config: VfConfig;
  port: LabPort;
  /** While bound to a userspace driver: the netdev's name in the park netns. */
  parkedAs?: string;
  /**
   * A change being applied to the switch: written before the switch is touched and cleared
   * after, so a process killed in between (the plugin, SIGKILLed) leaves an intent, not a lie.
   */
  pending?: { config: VfConfig; port: LabPort };
}

/** The content of `<dir>/lab.json`. Its presence marks a lab. */
export interface LabState {
  version: 1;
  dir: string;
  prefix: string;
  switchNetns: string;
  /** Where the netdevs of VFs bound to a userspace driver are hidden. */
  parkNetns: string;
  pfs: LabPf[];
  vfs: LabVf[];
  /** Bridges that exist in the switch netns. */
  bridges: string[];
}

export const LAB_MARKER = 'lab.json';
export const DEFAULT_LAB_DIR = '/run/vfnet-lab';
export const DEFAULT_PREFIX = 'vfl';
export const KERNEL_DRIVER_PF = 'igb';
export const KERNEL_DRIVER_VF = 'igbvf';
export const USERSPACE_DRIVERS = ['vfio-pci', 'uio_pci_generic', 'igb_uio'] as const;
export const LAB_DRIVERS = [KERNEL_DRIVER_PF, KERNEL_DRIVER_VF, ...USERSPACE_DRIVERS];

// The NIC sits behind root port 0000:3a:00.0, like a dual-port 82576 in a Xeon server.
export const NIC_BUS = 0x3b;
export const ROOT_PORT = '0000:3a:00.0';
export const ROOT_BUS = 'pci0000:3a';
/** igb: first VF at routing ID offset 0x80 from its PF. */
const VF_OFFSET = 0x80;

const IFNAMSIZ = 15;

/** Resolved options with defaults, validated. Throws Error with a message naming the option. */
export function resolveOptions(opts: LabOptions = {}): Required<LabOptions> {
  const r = {
    dir: opts.dir ?? DEFAULT_LAB_DIR,
    prefix: opts.prefix ?? DEFAULT_PREFIX,
    pfs: opts.pfs ?? 2,
    vfsPerPf: opts.vfsPerPf ?? 4,
    totalVfs: opts.totalVfs ?? 7,
    physnets: opts.physnets ?? ['public', 'intranet'],
  };
  if (!/^[a-z][a-z0-9]{0,10}$/.test(r.prefix)) {
    throw new Error(
      `lab prefix ${JSON.stringify(r.prefix)}: expected 1–11 lowercase letters or digits, starting with a letter`,
    );
  }
  if (!Number.isInteger(r.pfs) || r.pfs < 1 || r.pfs > 4) throw new Error(`lab pfs ${r.pfs}: expected 1–4`);
  // igb offers 7 VFs per PF (the default); larger NICs (ixgbe: 63) are modelled up to 32.
  if (!Number.isInteger(r.totalVfs) || r.totalVfs < 1 || r.totalVfs > 32)
    throw new Error(`lab totalVfs ${r.totalVfs}: expected 1–32 (igb has 7)`);
  if (!Number.isInteger(r.vfsPerPf) || r.vfsPerPf < 0 || r.vfsPerPf > r.totalVfs) {
    throw new Error(`lab vfsPerPf ${r.vfsPerPf}: expected 0–${r.totalVfs} (totalVfs)`);
  }
  if (r.physnets.length === 0 || r.physnets.some((p) => !/^[A-Za-z0-9_.-]{1,64}$/.test(p))) {
    throw new Error(`lab physnets ${JSON.stringify(r.physnets)}: expected one or more names of letters, digits, _ . -`);
  }
  if (r.dir === '' || r.dir === '/')
    throw new Error(`lab dir ${JSON.stringify(r.dir)}: expected a directory of its own`);
  return r;
}

export function pciAddress(bus: number, device: number, fn: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `0000:${hex(bus, 2)}:${hex(device, 2)}.${fn}`;
}

/**
 * VF n of PF `pfIndex`, as SR-IOV routing IDs place it: PF RID + offset + n × stride. igb's stride
 * is 2 on the dual-port 82576 and 4 on the quad-port i350, so the VFs of the PFs interleave
 * (3b:10.0, 10.2, ... for PF0; 3b:10.1, 10.3, ... for PF1).
 */
export function vfPciAddress(pfIndex: number, pfCount: number, n: number): string {
  const stride = pfCount <= 2 ? 2 : 4;
  const rid = (NIC_BUS << 8) + pfIndex + VF_OFFSET + n * stride;
  return pciAddress(rid >> 8, (rid >> 3) & 0x1f, rid & 7);
}

export function pfName(prefix: string, pfIndex: number): string {
  return checkIfname(`${prefix}f${pfIndex}`);
}

export function vfName(prefix: string, pfIndex: number, n: number): string {
  return checkIfname(`${prefix}f${pfIndex}v${n}`);
}

function checkIfname(name: string): string {
  if (name.length > IFNAMSIZ) throw new Error(`netdev name ${name} is longer than ${IFNAMSIZ} characters`);
  return name;
}

/** Bridge for (physnet, VLAN, proto) in the switch netns. VLAN 0 is untagged whatever the proto. */
export function bridgeName(physnetIndex: number, vlan: number, proto: VlanProto): string {
  const tag = vlan === 0 || proto === '802.1q' ? 'v' : 's';
  return `b${physnetIndex}${tag}${vlan}`;
}

/** The ifalias that identifies a lab device's netdev wherever it is and whatever it is called. */
export function labAlias(prefix: string, pci: string): string {
  return `vfnet-lab ${pci} ${prefix}`;
}

/** A stable, locally administered unicast MAC for a lab netdev (FNV-1a of prefix and PCI address). */
export function stableMac(prefix: string, pci: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${prefix}/${pci}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const bytes = [0x02, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, 0];
  // The last byte is the device/function number, so devices of one lab never collide.
  const [, , devFn = '0.0'] = pci.split(':');
  const [dev = '0', fn = '0'] = devFn.split('.');
  bytes[5] = ((parseInt(dev, 16) << 3) | parseInt(fn, 16)) & 0xff;
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The physnets of a lab, in first-seen order: their index names the bridges. */
export function physnetIndex(state: Pick<LabState, 'pfs'>, physnet: string): number {
  const names = [...new Set(state.pfs.map((p) => p.physnet))];
  const i = names.indexOf(physnet);
  if (i < 0) throw new Error(`physnet ${physnet} is not in this lab`);
  return i;
}

/** The whole lab as labUp will build it. */
export function planLab(opts: LabOptions = {}): LabState {
  const o = resolveOptions(opts);
  const pfs: LabPf[] = [];
  const vfs: LabVf[] = [];
  for (let p = 0; p < o.pfs; p++) {
    const pf: LabPf = {
      index: p,
      name: pfName(o.prefix, p),
      pci: pciAddress(NIC_BUS, 0, p),
      physnet: o.physnets[p % o.physnets.length]!,
      numvfs: o.vfsPerPf,
      totalvfs: o.totalVfs,
      uplink: `up${p}`,
    };
    pfs.push(pf);
  }
  const state: LabState = {
    version: 1,
    dir: o.dir,
    prefix: o.prefix,
    switchNetns: `${o.prefix}-switch`,
    parkNetns: `${o.prefix}-parked`,
    pfs,
    vfs,
    bridges: [],
  };
  for (const pf of pfs) {
    for (let n = 0; n < pf.numvfs; n++) {
      const pci = vfPciAddress(pf.index, o.pfs, n);
      vfs.push({
        pci,
        pf: pf.name,
        pfPci: pf.pci,
        index: n,
        netdev: vfName(o.prefix, pf.index, n),
        physnet: pf.physnet,
        mac: stableMac(o.prefix, pci),
        driver: KERNEL_DRIVER_VF,
        config: freshVfConfig(),
        port: {
          name: `p${pf.index}v${n}`,
          bridge: bridgeName(physnetIndex(state, pf.physnet), 0, '802.1q'),
          up: true,
          spoofFilter: null,
          shapedMbps: 0,
        },
      });
    }
  }
  state.bridges = [
    ...new Set([
      ...pfs.map((pf) => bridgeName(physnetIndex(state, pf.physnet), 0, '802.1q')),
      ...vfs.map((v) => v.port.bridge),
    ]),
  ];
  return state;
}

/** Directory of a PCI device in the lab tree, relative to the lab root (the kernel's real place). */
export function pciDevicePath(pci: string): string {
  return `sys/devices/${ROOT_BUS}/${ROOT_PORT}/${pci}`;
}
