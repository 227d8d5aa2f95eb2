// An in-memory SR-IOV host for unit tests of the plugin: a sysfs tree shaped like the kernel's, links
// in namespaces, PF-level VF settings, state files, locks, a clock, a process table and an IPAM
// runner, all recorded and all open to fault injection. Nothing here touches the real machine.

import { freshVfConfig, type HostPorts, type Netns, type VfConfig } from '../../../src/host/ports.js';
import { FakeLinks } from './links.js';
import {
  type AdminMacBehaviour,
  type FakeLink,
  type FakeLinkSpec,
  FakeNetwork,
  type FakeNetworkOptions,
  type PfRefusals,
} from './network.js';
import { FakePeerFiles } from './peer-files.js';
import { FakePfControl } from './pf-control.js';
import { type CallMatch, CallRecorder } from './recorder.js';
import { FakeClock, FakeLocks, FakeProcessRunner, FakeProcessTable, FakeStateFiles } from './stores.js';
import { FakeSysfsTree, type SysfsNode } from './sysfs.js';

export {
  type AdminMacBehaviour,
  type FakeLink,
  type FakeLinkSpec,
  IGB_ADMIN_MAC,
  IGB_REFUSALS,
  type PfRefusals,
} from './network.js';
export { type CallMatch, CallRecorder } from './recorder.js';
export {
  defaultIpamResult,
  type ExecCall,
  FakeClock,
  FakeLocks,
  FakeProcessRunner,
  FakeProcessTable,
  FakeStateFiles,
} from './stores.js';
export { FakeSysfsTree } from './sysfs.js';

export interface FakeVfSpec {
  pci: string;
  /** Host netdev name; null or absent with a userspace driver (DPDK mode). */
  netdev?: string | null;
  /** Driver name (`driver` link); default iavf with a netdev, vfio-pci without. */
  driver?: string | null;
  /** Effective MAC of the netdev. */
  mac?: string;
  mtu?: number;
  /** PF-level settings as `ip link show <pf>` would report them. */
  config?: Partial<VfConfig>;
}

export interface FakePfSpec {
  name: string;
  pci: string;
  vfs?: FakeVfSpec[];
  /** sriov_numvfs; default the number of VFs given. */
  numvfs?: number;
  /** sriov_totalvfs; default max(8, numvfs); null omits the file (a device without SR-IOV). */
  totalvfs?: number | null;
  driver?: string;
  /** Driver of the VFs that have a netdev (default iavf); a VF's own `driver` wins. */
  vfDriver?: string;
  vendor?: string;
  device?: string;
  vfDevice?: string;
  mac?: string;
  mtu?: number;
  up?: boolean;
  /** More netdevs of the same PCI function (a dual-port device like upstream's ens1/ens1d1). */
  extraNetdevs?: string[];
  /** The directory holding the PCI device, default `sys/devices/pci<domain>:<bus>`. */
  parentDir?: string;
  /** PF-level features the driver refuses, with the errno it answers (see IGB_REFUSALS). */
  refusals?: PfRefusals;
  /** How the admin MAC reaches VF netdevs (see IGB_ADMIN_MAC); default: not at all. */
  adminMac?: AdminMacBehaviour;
  /** What the driver reports; false makes readVf answer null for it, as `ip` omits the field. */
  reports?: { spoofchk?: boolean; trust?: boolean; linkState?: boolean };
}

export interface FakeHostOptions extends FakeNetworkOptions {}

/** A deep-comparable picture of everything a plugin run can change. */
export interface FakeHostSnapshot {
  sysfs: Record<string, string>;
  netns: string[];
  links: Array<{
    ns: string;
    name: string;
    ifindex: number;
    mac: string;
    mtu: number;
    up: boolean;
    altnames: string[];
    addresses: string[];
    device: string | null;
  }>;
  routes: Array<Record<string, unknown>>;
  vfs: Record<string, VfConfig[]>;
  sysctls: Record<string, string>;
  state: Record<string, string>;
  locks: string[];
}

export class FakeHost {
  readonly recorder = new CallRecorder();
  readonly net: FakeNetwork;
  readonly sysfs: FakeSysfsTree;
  readonly links: FakeLinks;
  readonly pf: FakePfControl;
  readonly clock = new FakeClock();
  readonly state: FakeStateFiles;
  readonly locks: FakeLocks;
  readonly processes: FakeProcessRunner;
  readonly processTable = new FakeProcessTable();
  /** sriov-cni's data dir and flocks; its own recorder, so call logs show only vfnet's own state. */
  readonly sriovCniFiles = new FakePeerFiles();
  readonly sriovCniLocks: FakeLocks;
  /** PCI address → device directory in the tree. */
  private readonly deviceDirs = new Map<string, string>();
  private overlayCache: { version: number; nodes: Map<string, SysfsNode> } | null = null;

  constructor(options: FakeHostOptions = {}) {
    this.net = new FakeNetwork();
    this.sysfs = new FakeSysfsTree(() => this.netdevOverlay());
    this.links = new FakeLinks(this.net, this.recorder, options);
    this.pf = new FakePfControl(this.net, this.recorder);
    this.state = new FakeStateFiles(this.recorder);
    this.locks = new FakeLocks(this.clock, this.recorder);
    this.sriovCniLocks = new FakeLocks(this.clock, new CallRecorder());
    this.processes = new FakeProcessRunner(this.recorder);
    for (const dir of [
      'sys/class/net',
      'sys/bus/pci/devices',
      'sys/bus/pci/drivers',
      'sys/devices/virtual/net',
      'proc/sys/net',
    ]) {
      this.sysfs.mkdir(dir);
    }
  }

  ports(): HostPorts {
    return {
      sysfs: this.sysfs,
      pf: this.pf,
      links: this.links,
      processes: this.processes,
      processTable: this.processTable,
      state: this.state,
      locks: this.locks,
      clock: this.clock,
      sriovCni: { files: this.sriovCniFiles, locks: this.sriovCniLocks },
    };
  }

  // --- building the host ---------------------------------------------------------------------------

  /** A PF with its VFs: PCI directories, `virtfnN`/`physfn` links, drivers, netdevs and VF settings. */
  addPf(spec: FakePfSpec): FakeLink {
    const vfs = spec.vfs ?? [];
    const numvfs = spec.numvfs ?? vfs.length;
    const parent = spec.parentDir ?? defaultParentDir(spec.pci);
    const pfDir = this.addPciDevice(
      spec.pci,
      parent,
      spec.driver ?? 'i40e',
      spec.vendor ?? '0x8086',
      spec.device ?? '0x158b',
      true,
    );
    const totalvfs = spec.totalvfs === undefined ? Math.max(8, numvfs) : spec.totalvfs;
    if (totalvfs !== null) this.sysfs.writeFile(`${pfDir}/sriov_totalvfs`, `${totalvfs}\n`);
    this.sysfs.writeFile(`${pfDir}/sriov_numvfs`, `${numvfs}\n`);

    const pf = this.net.addLink(null, {
      name: spec.name,
      mac: spec.mac ?? macFromPci(spec.pci),
      mtu: spec.mtu ?? 1500,
      up: spec.up ?? true,
      device: spec.pci,
      maxMtu: 9702,
    });
    pf.refusals = { ...(spec.refusals ?? {}) };
    pf.adminMac = { ...(spec.adminMac ?? {}) };
    for (const extra of spec.extraNetdevs ?? []) {
      this.net.addLink(null, { name: extra, mac: macFromPci(spec.pci, 1), up: true, device: spec.pci });
    }
    const reports = { spoofchk: true, trust: true, linkState: true, ...(spec.reports ?? {}) };
    pf.vfs = [];
    vfs.forEach((vf, index) => {
      const hasNetdev = vf.netdev !== undefined && vf.netdev !== null;
      const driver = vf.driver === undefined ? (hasNetdev ? (spec.vfDriver ?? 'iavf') : 'vfio-pci') : vf.driver;
      const vfDir = this.addPciDevice(
        vf.pci,
        parent,
        driver,
        spec.vendor ?? '0x8086',
        spec.vfDevice ?? '0x154c',
        hasNetdev,
      );
      this.sysfs.symlink(`${vfDir}/physfn`, `/${pfDir}`);
      this.sysfs.symlink(`${pfDir}/virtfn${index}`, `/${vfDir}`);
      if (hasNetdev)
        this.net.addLink(null, {
          name: vf.netdev!,
          mac: vf.mac ?? macFromPci(vf.pci),
          mtu: vf.mtu ?? 1500,
          device: vf.pci,
          maxMtu: 9702,
        });
      const config: VfConfig = { ...freshVfConfig(), ...(vf.config ?? {}) };
      if (!reports.spoofchk) config.spoofchk = null;
      if (!reports.trust) config.trust = null;
      if (!reports.linkState) config.linkState = null;
      pf.vfs!.push(config);
      this.net.vfOwners.set(vf.pci, { pf, index });
    });
    this.net.version++;
    return pf;
  }

  /** A plain link (a pod's eth0, a veth) in a namespace; with `device` it appears in sysfs. */
  addLink(ns: Netns, spec: FakeLinkSpec): FakeLink {
    return this.net.addLink(ns, spec);
  }

  /** A namespace that exists, e.g. the pod's `CNI_NETNS`; `aliases` open the same namespace. */
  addNetns(path: string, ...aliases: string[]): void {
    this.net.addNetns(path);
    for (const alias of aliases) this.net.addNetnsAlias(alias, path);
  }

  /** The pod's namespace disappears (its last process exited): VF netdevs come home, veths die. */
  destroyNetns(path: string): void {
    this.net.destroyNetns(path);
  }

  /** Changes sriov_numvfs the way the kernel does: VFs at or above `numvfs` vanish, with their netdevs and settings. */
  setNumVfs(pfName: string, numvfs: number): void {
    const pf = this.link(null, pfName);
    if (!pf?.device || !pf.vfs) throw new Error(`fake: ${pfName} is not a PF`);
    const pfDir = this.deviceDirs.get(pf.device)!;
    for (let i = numvfs; i < pf.vfs.length; i++) {
      const vfPci = this.sysfs.linkName(`${pfDir}/virtfn${i}`);
      this.sysfs.remove(`${pfDir}/virtfn${i}`);
      if (!vfPci) continue;
      this.sysfs.remove(this.deviceDirs.get(vfPci)!);
      this.sysfs.remove(`sys/bus/pci/devices/${vfPci}`);
      this.deviceDirs.delete(vfPci);
      this.net.vfOwners.delete(vfPci);
      for (let j = this.net.links.length - 1; j >= 0; j--)
        if (this.net.links[j]!.device === vfPci) this.net.links.splice(j, 1);
    }
    pf.vfs.length = Math.min(pf.vfs.length, numvfs);
    this.sysfs.writeFile(`${pfDir}/sriov_numvfs`, `${numvfs}\n`);
    this.net.version++;
  }

  // --- looking at the host -------------------------------------------------------------------------

  link(ns: Netns, name: string): FakeLink | undefined {
    return this.net.find(ns, name);
  }

  /** The (first) netdev of this PCI device, wherever it is now and whatever it is called. */
  linkOfDevice(pci: string): FakeLink | undefined {
    return this.net.links.find((l) => l.device === pci);
  }

  /** The live VF settings (not a copy): tests may read or preset them. */
  vfConfig(pfName: string, vf: number): VfConfig {
    const config = this.link(null, pfName)?.vfs?.[vf];
    if (!config) throw new Error(`fake: ${pfName} has no VF ${vf}`);
    return config;
  }

  sysctl(ns: Netns, key: string): string | undefined {
    return this.net.sysctls.get(`${ns ?? 'host'}:${key}`);
  }

  /** Netlink-level calls in upstream sriov-cni's recording format. */
  get calls(): string[] {
    return this.recorder.calls;
  }

  /** Every recorded operation, including state files, locks, namespaces and exec. */
  get events(): string[] {
    return this.recorder.events;
  }

  clearCalls(): void {
    this.recorder.clear();
  }

  failNext(op: string, errno: string, match: CallMatch | null = null, message: string | null = null): void {
    this.recorder.failNext(op, errno, match, message);
  }

  failAlways(op: string, errno: string, match: CallMatch | null = null, message: string | null = null): void {
    this.recorder.failAlways(op, errno, match, message);
  }

  clearFaults(): void {
    this.recorder.clearFaults();
  }

  snapshot(): FakeHostSnapshot {
    const vfs: Record<string, VfConfig[]> = {};
    for (const l of this.net.links) if (l.vfs) vfs[`${l.device ?? ''} ${l.name}`] = l.vfs.map((c) => ({ ...c }));
    return {
      sysfs: this.sysfs.dump(),
      netns: [...this.net.namespaces].sort(),
      links: this.net.links
        .map((l) => ({
          ns: l.ns ?? 'host',
          name: l.name,
          ifindex: l.ifindex,
          mac: l.mac,
          mtu: l.mtu,
          up: l.up,
          altnames: [...l.altnames],
          addresses: [...l.addresses],
          device: l.device,
        }))
        .sort((a, b) => a.ifindex - b.ifindex),
      routes: this.net.routes.map((r) => ({ ...r })),
      vfs,
      sysctls: Object.fromEntries([...this.net.sysctls].sort(([a], [b]) => a.localeCompare(b))),
      state: this.state.snapshot(),
      locks: this.locks.heldNames(),
    };
  }

  // --- internals -----------------------------------------------------------------------------------

  private addPciDevice(
    pci: string,
    parent: string,
    driver: string | null,
    vendor: string,
    device: string,
    hasNetDir: boolean,
  ): string {
    const dir = `${parent}/${pci}`;
    this.sysfs.mkdir(dir);
    this.sysfs.writeFile(`${dir}/vendor`, `${vendor}\n`);
    this.sysfs.writeFile(`${dir}/device`, `${device}\n`);
    this.sysfs.writeFile(`${dir}/class`, '0x020000\n');
    if (driver) {
      this.sysfs.mkdir(`sys/bus/pci/drivers/${driver}`);
      this.sysfs.symlink(`${dir}/driver`, `/sys/bus/pci/drivers/${driver}`);
      this.sysfs.symlink(`sys/bus/pci/drivers/${driver}/${pci}`, `/${dir}`);
    }
    // The net/ directory belongs to the device while a network driver is bound, and stays (empty,
    // from the host's view) while its netdev is in another namespace.
    if (hasNetDir) this.sysfs.mkdir(`${dir}/net`);
    this.sysfs.symlink(`sys/bus/pci/devices/${pci}`, `/${dir}`);
    this.deviceDirs.set(pci, dir);
    return dir;
  }

  /**
   * The host's view of netdevs: `sys/class/net/<if>` and `<device>/net/<if>` exist only for links in
   * the host namespace (the kernel tags these sysfs entries by namespace), under their current names.
   */
  private netdevOverlay(): Map<string, SysfsNode> {
    if (this.overlayCache?.version === this.net.version) return this.overlayCache.nodes;
    const nodes = new Map<string, SysfsNode>();
    for (const l of this.net.links) {
      if (l.ns !== null) continue;
      const deviceDir = l.device ? this.deviceDirs.get(l.device) : undefined;
      const dir = deviceDir ? `${deviceDir}/net/${l.name}` : `sys/devices/virtual/net/${l.name}`;
      nodes.set(dir, { kind: 'dir' });
      const file = (name: string, content: string) =>
        nodes.set(`${dir}/${name}`, { kind: 'file', content: `${content}\n` });
      file('address', l.mac);
      file('mtu', String(l.mtu));
      file('ifindex', String(l.ifindex));
      file('operstate', l.up ? (l.carrierWhenUp ? 'up' : 'down') : 'down');
      file('flags', l.up ? '0x1003' : '0x1002');
      if (l.up) file('carrier', l.carrierWhenUp ? '1' : '0');
      if (deviceDir) nodes.set(`${dir}/device`, { kind: 'link', target: deviceDir });
      nodes.set(`sys/class/net/${l.name}`, { kind: 'link', target: dir });
    }
    this.overlayCache = { version: this.net.version, nodes };
    return nodes;
  }
}

/** `0000:af:00.1` → `sys/devices/pci0000:af`. */
function defaultParentDir(pci: string): string {
  const [domain, bus] = pci.split(':');
  return `sys/devices/pci${domain}:${bus}`;
}

/** A stable, locally administered unicast MAC derived from the PCI address. */
function macFromPci(pci: string, port = 0): string {
  const digits = pci
    .replace(/[^0-9a-f]/gi, '')
    .padStart(10, '0')
    .slice(-8);
  const bytes = [0x02, port, ...(digits.match(/../g) ?? []).map((h) => parseInt(h, 16))].slice(0, 6);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Upstream sriov-cni's fake tree: PF enp175s0f1 (0000:af:00.1) with 2 VFs, 0000:af:06.0 / enp175s6
 * and 0000:af:06.1 / enp175s7, plus a device without VFs, 0000:05:00.0 with netdevs ens1 and ens1d1.
 */
export function addUpstreamFixture(host: FakeHost): void {
  host.addPf({
    name: 'enp175s0f1',
    pci: '0000:af:00.1',
    parentDir: 'sys/devices/pci0000:ae/0000:ae:00.0',
    vfs: [
      { pci: '0000:af:06.0', netdev: 'enp175s6' },
      { pci: '0000:af:06.1', netdev: 'enp175s7' },
    ],
  });
  host.addPf({
    name: 'ens1',
    pci: '0000:05:00.0',
    numvfs: 0,
    totalvfs: null,
    extraNetdevs: ['ens1d1'],
    driver: 'mlx4_core',
    vendor: '0x15b3',
    device: '0x1003',
  });
}

export type FakeHostPorts = HostPorts & { fake: FakeHost };

/** The ports of a fake host with upstream's fixture (unless `fixture: false`), and the fake itself. */
export function fakeHostPorts(options: FakeHostOptions & { fixture?: boolean } = {}): FakeHostPorts {
  const fake = new FakeHost(options);
  if (options.fixture !== false) addUpstreamFixture(fake);
  return { ...fake.ports(), fake };
}
