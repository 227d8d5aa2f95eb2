// The shared network state of the fake host (links, namespaces, routes, sysctls, VF ownership)
// and its types; the ports over it are FakeLinks (links.ts) and FakePfControl (pf-control.ts).
import { HostError, type Netns, type RouteSpec, type VfConfig } from '../../../src/host/ports.js';


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
export const ZERO_MAC = '00:00:00:00:00:00';

export function validIfName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function nsLabel(ns: Netns): string {
  return ns ?? 'host';
}

/**
 * The link and namespace state of the fake host: which links exist in which namespace, with what
 * attributes, and the PF-level VF settings of PF links. FakeLinks and FakePfControl implement the
 * Links and PfControl ports over it, with the kernel's answers for the cases the plugin meets
 * (EEXIST on a name clash, ENODEV for a missing link, ENOENT for a missing namespace, links going
 * down when they change namespace).
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

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}
