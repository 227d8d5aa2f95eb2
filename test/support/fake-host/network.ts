import { errnoText, type CallRecorder } from './recorder.js';
import { HostError, type LinkInfo, type Links, type Netns, type PfControl, type RouteSpec, type VfConfig, type VfLinkState, type VlanProto } from '../../../src/host/ports.js';

/** PF-level features a driver may refuse; the value is the errno it answers with. */
/** `rate` refuses any rate call (no ndo_set_vf_rate); `minRate` refuses a non-zero minimum only. */
export type PfFeature = 'vlan' | 'proto8021ad' | 'mac' | 'rate' | 'minRate' | 'spoofchk' | 'trust' | 'linkState';
export type PfRefusals = Partial<Record<PfFeature, string>>;

/** What igb (82576/i350) answers, from its ndo_set_vf_* handlers: no link state, no min rate, 802.1Q only. */
export const IGB_REFUSALS: PfRefusals = { linkState: 'EOPNOTSUPP', minRate: 'EINVAL', proto8021ad: 'EPROTONOSUPPORT' };

/** How a driver's admin MAC (`ip link set <pf> vf N mac X`) reaches the VF netdev. */
export interface AdminMacBehaviour {
  /** An untrusted VF may not give its netdev another MAC than the admin one (EADDRNOTAVAIL). */
  locksUntrusted?: boolean;
  /** The netdev takes the admin MAC when it is next brought up (igbvf reads it at open). */
  appliesOnOpen?: boolean;
  /**
   * Without an admin MAC, the VF tells the PF its own MAC when it sets one or opens, and the PF
   * lists that as the VF's mac (igbvf's mailbox): it then looks like an admin MAC, but is none.
   */
  reportsOwnMac?: boolean;
}

/** igb/igbvf, measured in the QEMU lab (docs/hardware.md). */
export const IGB_ADMIN_MAC: AdminMacBehaviour = { locksUntrusted: true, appliesOnOpen: true, reportsOwnMac: true };

export interface FakeLinkSpec {
  name: string;
  mac?: string;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  up?: boolean;
  /** Carrier follows `up` unless this is false (a cable pulled, a peer down). */
  carrierWhenUp?: boolean;
  altnames?: string[];
  /** PCI address of the device behind the netdev: such a link shows up in sysfs and survives its netns. */
  device?: string | null;
}

export interface FakeLink {
  ifindex: number;
  name: string;
  mac: string;
  mtu: number;
  minMtu: number;
  maxMtu: number;
  up: boolean;
  carrierWhenUp: boolean;
  altnames: string[];
  device: string | null;
  /** Canonical netns path, null for the host namespace. */
  ns: string | null;
  /** VF settings when this link is a PF, indexed by VF number. */
  vfs: VfConfig[] | null;
  refusals: PfRefusals;
  adminMac: AdminMacBehaviour;
  /** Addresses in CIDR form, in the order they were added. */
  addresses: string[];
}

/** A route the fake holds, keyed by namespace. */
export interface FakeRoute extends RouteSpec {
  ns: string | null;
  dev: string;
}

export interface FakeNetworkOptions {
  /**
   * Whether a running link may be renamed. Linux before 6.2 (Debian 12's kernel) answers EBUSY; later
   * kernels allow it. Default false: code that passes the strict fake works on both.
   */
  renameWhileUp?: boolean;
  /**
   * Keep the old name as an altname after a rename. The kernel does not (checked on 6.18 with veth:
   * `ip -j link show` has no `altnames` after `ip link set name`); udev's alternative-names policy
   * can add such names, which is what sriov-cni #445 ran into.
   */
  renameKeepsAltname?: boolean;
}

const IFNAMSIZ = 16;
const ZERO_MAC = '00:00:00:00:00:00';

export function validIfName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

function nsLabel(ns: Netns): string {
  return ns ?? 'host';
}

/**
 * The link and namespace state of the fake host: which links exist in which namespace, with what
 * attributes, and the PF-level VF settings of PF links. Implements the Links and PfControl ports with
 * the kernel's answers for the cases the plugin meets (EEXIST on a name clash, ENODEV for a missing
 * link, ENOENT for a missing namespace, links going down when they change namespace).
 */
export class FakeNetwork {
  readonly links: FakeLink[] = [];
  readonly namespaces = new Set<string>();
  /** Other paths that open an existing namespace (e.g. /proc/<pid>/ns/net for /var/run/netns/x). */
  readonly aliases = new Map<string, string>();
  readonly sysctls = new Map<string, string>();
  readonly routes: FakeRoute[] = [];
  /** VF PCI address → its PF link and index. */
  readonly vfOwners = new Map<string, { pf: FakeLink; index: number }>();
  /** VFs whose mac was set through the PF (a real admin MAC), as opposed to one the VF reported. */
  readonly adminSet = new WeakSet<VfConfig>();
  private nextIfindex = 2;
  private tempCounter = 0;

  /** Bumped on every change that sysfs can see, so the sysfs overlay is rebuilt only when needed. */
  version = 0;

  // --- building --------------------------------------------------------------------------------

  addNetns(path: string): void {
    this.namespaces.add(path);
  }

  addNetnsAlias(alias: string, path: string): void {
    if (!this.namespaces.has(path)) throw new Error(`fake: no namespace ${path}`);
    this.aliases.set(alias, path);
  }

  addLink(ns: Netns, spec: FakeLinkSpec): FakeLink {
    const canonical = this.canonical(ns);
    if (this.nameInUse(canonical, spec.name)) throw new Error(`fake: ${spec.name} already exists in ${nsLabel(ns)}`);
    const ifindex = this.nextIfindex++;
    const link: FakeLink = {
      ifindex,
      name: spec.name,
      mac: spec.mac ?? `02:00:00:00:${hex2(ifindex >> 8)}:${hex2(ifindex)}`,
      mtu: spec.mtu ?? 1500,
      minMtu: spec.minMtu ?? 68,
      maxMtu: spec.maxMtu ?? 9702,
      up: spec.up ?? false,
      carrierWhenUp: spec.carrierWhenUp ?? true,
      altnames: [...(spec.altnames ?? [])],
      device: spec.device ?? null,
      ns: canonical,
      vfs: null,
      refusals: {},
      adminMac: {},
      addresses: [],
    };
    this.links.push(link);
    this.version++;
    return link;
  }

  /** The link of that name in that namespace, for tests to inspect or tweak. */
  find(ns: Netns, name: string): FakeLink | undefined {
    const canonical = ns === null ? null : (this.aliases.get(ns) ?? ns);
    return this.links.find((l) => l.ns === canonical && l.name === name);
  }

  /** Destroys a namespace as the kernel does when its last user goes: virtual links die, physical ones come home. */
  destroyNetns(path: string): void {
    const canonical = this.aliases.get(path) ?? path;
    this.namespaces.delete(canonical);
    for (const [alias, target] of this.aliases) if (target === canonical) this.aliases.delete(alias);
    for (let i = this.routes.length - 1; i >= 0; i--) if (this.routes[i]!.ns === canonical) this.routes.splice(i, 1);
    for (const link of [...this.links]) {
      if (link.ns !== canonical) continue;
      link.addresses = [];
      if (link.device === null) {
        this.links.splice(this.links.indexOf(link), 1);
        continue;
      }
      link.up = false;
      link.ns = null;
      if (this.nameInUse(null, link.name, link)) link.name = `dev${link.ifindex}`;
    }
    this.version++;
  }

  /** Names and altnames share one namespace in the kernel (netdev_name_in_use). */
  nameInUse(ns: string | null, name: string, except?: FakeLink): boolean {
    return this.links.some((l) => l !== except && l.ns === ns && (l.name === name || l.altnames.includes(name)));
  }

  /** The namespace's canonical path; ENOENT when it does not exist. */
  canonical(ns: Netns): string | null {
    if (ns === null) return null;
    const path = this.aliases.get(ns) ?? ns;
    if (!this.namespaces.has(path)) throw new HostError(`Cannot open network namespace "${ns}": No such file or directory`, 'ENOENT');
    return path;
  }

  /** The link, or ENODEV as `ip` reports a missing device. */
  require(ns: Netns, name: string): FakeLink {
    const canonical = this.canonical(ns);
    const link = this.links.find((l) => l.ns === canonical && l.name === name);
    if (!link) throw new HostError(`Cannot find device "${name}"`, 'ENODEV');
    return link;
  }

  dropRoutes(link: FakeLink): void {
    for (let i = this.routes.length - 1; i >= 0; i--) {
      const r = this.routes[i]!;
      if (r.ns === link.ns && r.dev === link.name) this.routes.splice(i, 1);
    }
  }

  /** The PF-level settings of the VF behind a link, when the link is a VF netdev. */
  vfBehind(link: FakeLink): { pf: FakeLink; config: VfConfig } | null {
    const owner = link.device ? this.vfOwners.get(link.device) : undefined;
    const config = owner?.pf.vfs?.[owner.index];
    return owner && config ? { pf: owner.pf, config } : null;
  }

  nextTempNetns(): string {
    return `/var/run/netns/vfnet-tmp-fake-${++this.tempCounter}`;
  }
}

/** The Links port over a FakeNetwork. */
export class FakeLinks implements Links {
  constructor(
    private readonly net: FakeNetwork,
    private readonly recorder: CallRecorder,
    private readonly options: FakeNetworkOptions = {},
  ) {}

  get(ns: Netns, name: string): LinkInfo | null {
    return this.recorder.call('LinkByName', `LinkByName ${name}`, 'silent', () => {
      const canonical = this.net.canonical(ns);
      const link = this.net.links.find((l) => l.ns === canonical && l.name === name);
      return link ? info(link) : null;
    });
  }

  netnsExists(path: string): boolean {
    return this.net.namespaces.has(this.net.aliases.get(path) ?? path);
  }

  createNetns(): string {
    const path = this.net.nextTempNetns();
    return this.recorder.call('NetnsCreate', `NetnsCreate ${path}`, 'event', () => {
      this.net.addNetns(path);
      return path;
    });
  }

  deleteNetns(path: string): void {
    this.recorder.call('NetnsDelete', `NetnsDelete ${path}`, 'event', () => {
      if (!this.netnsExists(path)) throw new HostError(`Cannot remove namespace file "${path}": No such file or directory`, 'ENOENT');
      this.net.destroyNetns(path);
    });
  }

  move(ns: Netns, name: string, to: Netns): void {
    this.recorder.call('LinkSetNsFd', `LinkSetNsFd ${name} ${nsLabel(to)}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      const target = this.net.canonical(to);
      if (target === link.ns) return;
      if (this.net.nameInUse(target, link.name)) throw new HostError('Error: An interface with the same name exists in the target netns.', 'EEXIST');
      for (const n of link.altnames) {
        if (this.net.nameInUse(target, n)) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
      }
      // The kernel closes a device before moving it (dev_change_net_namespace → dev_close), and
      // its addresses and routes stay behind with the old namespace.
      this.net.dropRoutes(link);
      link.up = false;
      link.addresses = [];
      link.ns = target;
      this.net.version++;
    });
  }

  moveAndRename(ns: Netns, name: string, to: Netns, newName: string): void {
    this.recorder.call('LinkSetNsFd', `LinkSetNsFd ${name} ${nsLabel(to)} name ${newName}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (!validIfName(newName)) throw new HostError(`Error: argument "${newName}" is wrong: "name" not a valid ifname`, 'EINVAL');
      const target = this.net.canonical(to);
      if (target === link.ns) throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      for (const n of link.altnames) {
        if (this.net.nameInUse(target, n)) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
      }
      // As the kernel does it: the new name is used for the move only when the old one clashes
      // in the target; otherwise the link moves as it is and is renamed there, and that rename
      // can still fail, leaving the link moved.
      const clash = this.net.nameInUse(target, link.name);
      if (clash && this.net.nameInUse(target, newName)) throw new HostError('Error: An interface with the same name exists in the target netns.', 'EEXIST');
      this.net.dropRoutes(link);
      link.up = false;
      link.addresses = [];
      link.ns = target;
      if (clash) link.name = newName;
      this.net.version++;
      if (link.name !== newName) {
        if (this.net.nameInUse(target, newName)) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
        link.name = newName;
      }
    });
  }

  rename(ns: Netns, name: string, newName: string): void {
    this.recorder.call('LinkSetName', `LinkSetName ${name} ${newName}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (!validIfName(newName)) throw new HostError(`Error: argument "${newName}" is wrong: "name" not a valid ifname`, 'EINVAL');
      if (newName === link.name) return;
      if (this.net.nameInUse(link.ns, newName)) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
      if (link.up && !this.options.renameWhileUp) throw new HostError('RTNETLINK answers: Device or resource busy', 'EBUSY');
      if (this.options.renameKeepsAltname) link.altnames.push(link.name);
      link.name = newName;
      this.net.version++;
    });
  }

  deleteAltname(ns: Netns, name: string, altname: string): void {
    this.recorder.call('LinkDelAltName', `LinkDelAltName ${name} ${altname}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      const i = link.altnames.indexOf(altname);
      if (i < 0) throw new HostError('RTNETLINK answers: No such file or directory', 'ENOENT');
      link.altnames.splice(i, 1);
    });
  }

  setMac(ns: Netns, name: string, mac: string): void {
    this.recorder.call('LinkSetHardwareAddr', `LinkSetHardwareAddr ${name} ${mac}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (!isUnicastMac(mac)) throw new HostError('RTNETLINK answers: Cannot assign requested address', 'EADDRNOTAVAIL');
      const vf = this.net.vfBehind(link);
      const locked = vf !== null && this.net.adminSet.has(vf.config) && vf.config.mac !== ZERO_MAC;
      if (vf?.pf.adminMac.locksUntrusted && locked && vf.config.trust !== true && mac.toLowerCase() !== vf.config.mac) {
        throw new HostError('RTNETLINK answers: Cannot assign requested address', 'EADDRNOTAVAIL');
      }
      link.mac = mac.toLowerCase();
      if (vf?.pf.adminMac.reportsOwnMac && !locked) vf.config.mac = link.mac;
      this.net.version++;
    });
  }

  setMtu(ns: Netns, name: string, mtu: number): void {
    this.recorder.call('LinkSetMTU', `LinkSetMTU ${name} ${mtu}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (mtu < link.minMtu) throw new HostError('Error: mtu less than device minimum.', 'EINVAL');
      if (mtu > link.maxMtu) throw new HostError('Error: mtu greater than device maximum.', 'EINVAL');
      link.mtu = mtu;
      this.net.version++;
    });
  }

  setUp(ns: Netns, name: string, up: boolean): void {
    const op = up ? 'LinkSetUp' : 'LinkSetDown';
    this.recorder.call(op, `${op} ${name}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      // A link going down loses its routes, as the kernel flushes them (fib_disable_ip).
      if (!up) this.net.dropRoutes(link);
      const vf = this.net.vfBehind(link);
      const adminMac = vf !== null && this.net.adminSet.has(vf.config) && vf.config.mac !== ZERO_MAC;
      if (up && !link.up && vf?.pf.adminMac.appliesOnOpen && adminMac) link.mac = vf.config.mac;
      if (up && !link.up && vf?.pf.adminMac.reportsOwnMac && !adminMac) vf.config.mac = link.mac;
      link.up = up;
      this.net.version++;
    });
  }

  addAddress(ns: Netns, name: string, cidr: string): void {
    this.recorder.call('AddrAdd', `AddrAdd ${name} ${cidr}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (!parseCidr(cidr)) throw new HostError(`Error: any valid prefix is expected rather than "${cidr}".`, 'EINVAL');
      if (link.addresses.includes(cidr)) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
      link.addresses.push(cidr);
    });
  }

  addRoute(ns: Netns, name: string, route: RouteSpec): void {
    const via = route.gw ? ` via ${route.gw}` : '';
    this.recorder.call('RouteAdd', `RouteAdd ${name} ${route.dst}${via}`, 'netlink', () => {
      const link = this.net.require(ns, name);
      if (!parseCidr(route.dst)) throw new HostError(`Error: any valid prefix is expected rather than "${route.dst}".`, 'EINVAL');
      if (!link.up) throw new HostError('Error: Nexthop device is not up.', 'ENETDOWN');
      if (route.gw && !link.addresses.some((a) => sameSubnet(a, route.gw!))) {
        throw new HostError('Error: Nexthop has invalid gateway.', 'ENETUNREACH');
      }
      const clash = this.net.routes.some((r) => r.ns === link.ns && r.dst === route.dst && (r.table ?? 254) === (route.table ?? 254) && (r.priority ?? 0) === (route.priority ?? 0));
      if (clash) throw new HostError('RTNETLINK answers: File exists', 'EEXIST');
      this.net.routes.push({ ...route, ns: link.ns, dev: link.name });
    });
  }

  sysctl(ns: Netns, key: string, value: string): void {
    try {
      this.recorder.call('Sysctl', `Sysctl ${nsLabel(ns)} ${key} ${value}`, 'event', () => {
        this.net.sysctls.set(`${nsLabel(this.net.canonical(ns))}:${key}`, value);
      });
    } catch {
      // Best effort by contract.
    }
  }
}

/** The PfControl port over a FakeNetwork: VF settings live on the PF link, as IFLA_VFINFO_LIST does. */
export class FakePfControl implements PfControl {
  constructor(
    private readonly net: FakeNetwork,
    private readonly recorder: CallRecorder,
  ) {}

  readVf(pf: string, vf: number): VfConfig | null {
    return this.recorder.call('ReadVf', `ReadVf ${pf} ${vf}`, 'silent', () => {
      const config = this.requirePf(pf).vfs?.[vf];
      return config ? { ...config } : null;
    });
  }

  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void {
    const wire = proto === '802.1ad' ? 0x88a8 : 0x8100;
    this.vfCall('LinkSetVfVlanQosProto', `${pf} ${vf} ${vlan} ${qos} ${wire}`, pf, vf, (config, link) => {
      refuse(link, 'vlan');
      if (proto === '802.1ad') refuse(link, 'proto8021ad');
      if (!Number.isInteger(vlan) || vlan < 0 || vlan > 4095 || !Number.isInteger(qos) || qos < 0 || qos > 7) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.vlan = vlan;
      config.qos = qos;
      config.proto = proto;
    });
  }

  setMac(pf: string, vf: number, mac: string): void {
    this.vfCall('LinkSetVfHardwareAddr', `${pf} ${vf} ${mac}`, pf, vf, (config, link) => {
      refuse(link, 'mac');
      // Drivers accept all-zero (it clears the admin MAC) and refuse multicast.
      if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac) || (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.mac = mac.toLowerCase();
      if (config.mac === ZERO_MAC) this.net.adminSet.delete(config);
      else this.net.adminSet.add(config);
    });
  }

  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void {
    this.vfCall('LinkSetVfRate', `${pf} ${vf} ${minTxRate} ${maxTxRate}`, pf, vf, (config, link) => {
      refuse(link, 'rate');
      if (minTxRate !== 0) refuse(link, 'minRate');
      if (minTxRate < 0 || maxTxRate < 0 || (maxTxRate > 0 && minTxRate > maxTxRate)) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.minTxRate = minTxRate;
      config.maxTxRate = maxTxRate;
    });
  }

  setSpoofchk(pf: string, vf: number, on: boolean): void {
    this.vfCall('LinkSetVfSpoofchk', `${pf} ${vf} ${on}`, pf, vf, (config, link) => {
      refuse(link, 'spoofchk');
      config.spoofchk = on;
    });
  }

  setTrust(pf: string, vf: number, on: boolean): void {
    this.vfCall('LinkSetVfTrust', `${pf} ${vf} ${on}`, pf, vf, (config, link) => {
      refuse(link, 'trust');
      config.trust = on;
    });
  }

  setLinkState(pf: string, vf: number, state: VfLinkState): void {
    const wire = { auto: 0, enable: 1, disable: 2 }[state];
    this.vfCall('LinkSetVfState', `${pf} ${vf} ${wire}`, pf, vf, (config, link) => {
      refuse(link, 'linkState');
      config.linkState = state;
    });
  }

  private vfCall(op: string, args: string, pf: string, vf: number, apply: (config: VfConfig, link: FakeLink) => void): void {
    this.recorder.call(op, `${op} ${args}`, 'netlink', () => {
      const link = this.requirePf(pf);
      const config = link.vfs?.[vf];
      if (!config) throw new HostError(`RTNETLINK answers: Invalid argument`, 'EINVAL');
      apply(config, link);
    });
  }

  private requirePf(pf: string): FakeLink {
    const link = this.net.links.find((l) => l.ns === null && l.name === pf);
    if (!link) throw new HostError(`Cannot find device "${pf}"`, 'ENODEV');
    return link;
  }
}

function refuse(link: FakeLink, feature: PfFeature): void {
  const errno = link.refusals[feature];
  if (errno) throw new HostError(`RTNETLINK answers: ${errnoText(errno)}`, errno);
}

function info(link: FakeLink): LinkInfo {
  return {
    name: link.name,
    ifindex: link.ifindex,
    mac: link.mac,
    mtu: link.mtu,
    up: link.up,
    carrier: link.up && link.carrierWhenUp,
    altnames: [...link.altnames],
  };
}

function isUnicastMac(mac: string): boolean {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) return false;
  if (/^(00:){5}00$/.test(mac)) return false;
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0;
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

/** [address bytes, prefix length] of an IPv4 or IPv6 CIDR; null when malformed. */
function parseCidr(cidr: string): [number[], number] | null {
  const [addr, len, extra] = cidr.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d+$/.test(len)) return null;
  const bytes = parseIp(addr);
  if (!bytes || Number(len) > bytes.length * 8) return null;
  return [bytes, Number(len)];
}

function parseIp(addr: string): number[] | null {
  if (addr.includes(':')) {
    const halves = addr.split('::');
    if (halves.length > 2) return null;
    const groups = (h: string) => (h === '' ? [] : h.split(':'));
    const head = groups(halves[0]!);
    const tail = halves.length === 2 ? groups(halves[1]!) : [];
    const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
    if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
    const all = [...head, ...Array<string>(fill).fill('0'), ...tail];
    if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
  }
  const parts = addr.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

/** Is `ip` inside the subnet of `cidr` (same family, same leading prefix bits)? */
function sameSubnet(cidr: string, ip: string): boolean {
  const net = parseCidr(cidr);
  const addr = parseIp(ip);
  if (!net || !addr || addr.length !== net[0].length) return false;
  const [bytes, len] = net;
  for (let bit = 0; bit < len; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((bytes[bit >> 3]! & mask) !== (addr[bit >> 3]! & mask)) return false;
  }
  return true;
}
