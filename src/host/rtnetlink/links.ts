// The Links port over rtnetlink from this process: no `ip`, no shell, one netlink round trip
// (tens of µs) per change. Behaves as the iproute2 adapter does (same errnos; names only, never
// altnames, in get), which the contract suite in test/integration/host checks on real links.
import { writeFileSync } from '../../os/fs.js';
import { HostError, type LinkInfo, type Links, type Netns, type RouteSpec } from '../ports.js';
import { newAddress, newRoute, parseCidr } from './addr-codec.js';
import { attempt, hostError } from './errors.js';
import { type Libc, O_CLOEXEC, O_WRONLY } from './libc.js';
import {
  decodeLink,
  delAltname,
  getLinkByName,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  parseMac,
  setLink,
} from './link-codec.js';
import type { MessageBuilder } from './message.js';
import type { Namespaces } from './netns.js';
import { NetlinkError } from './socket.js';

const IFF_UP = 0x1;
const IFNAMSIZ = 16;
const ENODEV = 19;

/** A name the kernel could have given a link (dev_valid_name). */
function plausibleIfName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export interface NetlinkLinksOptions {
  /** Where sysctls of this process's own namespace are written (default /proc/sys). */
  procSys?: string;
}

export class NetlinkLinks implements Links {
  private readonly procSys: string;

  constructor(
    private readonly libc: Libc,
    private readonly namespaces: Namespaces,
    options: NetlinkLinksOptions = {},
  ) {
    this.procSys = options.procSys ?? '/proc/sys';
  }

  get(ns: Netns, name: string): LinkInfo | null {
    if (!plausibleIfName(name)) return null;
    return attempt(`cannot read link ${name}${where(ns)}`, () => this.lookup(ns, name));
  }

  netnsExists(path: string): boolean {
    return this.namespaces.exists(path);
  }

  createNetns(): string {
    return this.namespaces.createTemporary();
  }

  deleteNetns(path: string): void {
    if (this.namespaces.deleteTemporary(path)) return;
    if (!this.namespaces.exists(path))
      throw new HostError(`cannot delete network namespace ${path}: No such file or directory`, 'ENOENT');
    throw new HostError(
      `cannot delete network namespace ${path}: only namespaces made by createNetns are deleted here`,
      'EINVAL',
    );
  }

  move(ns: Netns, name: string, to: Netns): void {
    const what = `cannot move ${name}${where(ns)} to ${to ?? 'the host namespace'}`;
    this.toNamespace(to, what, (fd) => this.change(ns, name, what, (index) => setLink(index).u32(IFLA_NET_NS_FD, fd)));
  }

  moveAndRename(ns: Netns, name: string, to: Netns, newName: string): void {
    if (!plausibleIfName(newName))
      throw new HostError(`cannot rename ${name}${where(ns)}: "${newName}" is not a valid interface name`, 'EINVAL');
    const what = `cannot move ${name}${where(ns)} to ${to ?? 'the host namespace'} as ${newName}`;
    // One request: the kernel moves the link (under the new name if the old one clashes there),
    // then names it in the target.
    this.toNamespace(to, what, (fd) =>
      this.change(ns, name, what, (index) => setLink(index).u32(IFLA_NET_NS_FD, fd).string(IFLA_IFNAME, newName)),
    );
  }

  rename(ns: Netns, name: string, newName: string): void {
    if (!plausibleIfName(newName))
      throw new HostError(`cannot rename ${name}${where(ns)}: "${newName}" is not a valid interface name`, 'EINVAL');
    this.change(ns, name, `cannot rename ${name}${where(ns)} to ${newName}`, (index) =>
      setLink(index).string(IFLA_IFNAME, newName),
    );
  }

  deleteAltname(ns: Netns, name: string, altname: string): void {
    this.change(ns, name, `cannot delete altname ${altname} of ${name}${where(ns)}`, (index) =>
      delAltname(index, altname),
    );
  }

  setMac(ns: Netns, name: string, mac: string): void {
    this.change(ns, name, `cannot set MAC ${mac} on ${name}${where(ns)}`, (index) =>
      setLink(index).attr(IFLA_ADDRESS, parseMac(mac)),
    );
  }

  setMtu(ns: Netns, name: string, mtu: number): void {
    this.change(ns, name, `cannot set MTU ${mtu} on ${name}${where(ns)}`, (index) => setLink(index).u32(IFLA_MTU, mtu));
  }

  setUp(ns: Netns, name: string, up: boolean): void {
    this.change(ns, name, `cannot set ${name}${where(ns)} ${up ? 'up' : 'down'}`, (index) =>
      setLink(index, up ? IFF_UP : 0, IFF_UP),
    );
  }

  addAddress(ns: Netns, name: string, cidr: string): void {
    this.change(ns, name, `cannot add address ${cidr} to ${name}${where(ns)}`, (index) => {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new RangeError(`any valid prefix is expected rather than "${cidr}"`);
      return newAddress(index, parsed);
    });
  }

  addRoute(ns: Netns, name: string, route: RouteSpec): void {
    this.change(
      ns,
      name,
      `cannot add route ${route.dst}${route.gw ? ` via ${route.gw}` : ''} on ${name}${where(ns)}`,
      (index) => newRoute(index, route),
    );
  }

  sysctl(ns: Netns, key: string, value: string): void {
    // Keys are paths under /proc/sys; nothing may climb out of it.
    if (!/^[A-Za-z0-9_.\-/]+$/.test(key) || key.split('/').includes('..')) return;
    try {
      if (ns === null) {
        writeFileSync(`${this.procSys}/${key}`, value);
        return;
      }
      // /proc/sys/net answers for the namespace of whoever opens the file: open it inside, write after.
      const fd = this.namespaces.visit(ns, () => this.libc.open(`/proc/sys/${key}`, O_WRONLY | O_CLOEXEC, 0));
      try {
        this.libc.write(fd, new TextEncoder().encode(value));
      } finally {
        this.libc.close(fd);
      }
    } catch {
      // Best effort by contract: a missing sysctl (IPv6 disabled) must not fail the plugin.
    }
  }

  /** Closes the sockets and temporary namespaces. */
  close(): void {
    this.namespaces.close();
  }

  /** Runs `fn` with an fd of the target namespace, open until the kernel has read the request. */
  private toNamespace(to: Netns, what: string, fn: (fd: number) => void): void {
    const target = attempt(what, () => this.namespaces.fdOf(to));
    try {
      fn(target.fd);
    } finally {
      target.close();
    }
  }

  /** The link's current state by name, or null; ENODEV is the only "no". */
  private lookup(ns: Netns, name: string): LinkInfo | null {
    try {
      const [reply] = this.namespaces.socket(ns).request(getLinkByName(name));
      if (!reply) return null;
      const { info } = decodeLink(reply.payload);
      // The kernel also finds a link by one of its altnames; the port promises names only.
      return info.name === name ? info : null;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENODEV) return null;
      throw e;
    }
  }

  /** Finds the link's index, then sends the request built for it. */
  private change(ns: Netns, name: string, what: string, build: (index: number) => MessageBuilder): void {
    try {
      const link = plausibleIfName(name) ? this.lookup(ns, name) : null;
      if (!link) throw new HostError(`Cannot find device "${name}"`, 'ENODEV');
      const request = build(link.ifindex);
      this.namespaces.socket(ns).request(request);
    } catch (e) {
      throw hostError(what, e);
    }
  }
}

function where(ns: Netns): string {
  return ns === null ? '' : ` in ${ns}`;
}
