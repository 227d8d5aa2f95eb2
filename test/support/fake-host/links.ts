// The Links port of the fake host: link lookups, namespaces, moves and renames, MAC, MTU, up/down,
// addresses, routes and sysctls over a FakeNetwork, with the errors `ip` and the kernel give.
import type { CallRecorder } from './recorder.js';
import { type FakeLink, type FakeNetwork, type FakeNetworkOptions, ZERO_MAC, nsLabel, validIfName } from './network.js';
import { HostError, type LinkInfo, type Links, type Netns, type RouteSpec } from '../../../src/host/ports.js';

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
