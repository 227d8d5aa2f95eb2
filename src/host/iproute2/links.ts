import { readFileSync, statSync } from 'node:fs';
import { HostError, type LinkInfo, type Links, type Netns, type ProcessRunner, type RouteSpec } from '../ports.js';
import { SpawnProcessRunner } from '../process.js';
import { FifoPool } from './coprocess.js';
import { type IpTransport, netnsName } from './ip.js';
import { ipError } from './ip-errors.js';
import { SessionIp } from './ip-session.js';
import { SysctlWriter } from './sysctl.js';

export interface IpLinksOptions {
  /**
   * How `ip` is run. Default: a SessionIp (one long-lived `ip -batch` per namespace), which
   * IpPfControl should share (`new IpPfControl(processes, {ip: links.ip})`). SpawnIp runs one
   * process per command.
   */
  ip?: IpTransport;
  /** FIFOs for the default transport and the sysctl shells. */
  fifos?: FifoPool;
  /**
   * Where this process's namespace shows its netdevs (default /sys/class/net). Reads of the plugin's
   * own namespace come from here instead of starting `ip`: ~0.1 ms instead of several ms. Set null
   * when /sys belongs to another namespace than the process.
   */
  sysClassNet?: string | null;
  /** Where sysctls of this process's namespace are written (default /proc/sys). */
  procSys?: string;
  /** This process's pid: `/proc/<pid>/ns/net` is where links go home to. */
  pid?: number;
  nsenterPath?: string;
}

const IFF_UP = 0x1;
const IFNAMSIZ = 16;

/** A name the kernel could have given a link; anything else cannot exist, and ip would reject it as an argument. */
function plausibleIfName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

interface IpLinkJson {
  ifindex: number;
  ifname: string;
  address?: string;
  mtu: number;
  flags: string[];
  altnames?: string[];
}

/** Links over iproute2 (`ip -j`), with sysfs for reads in this process's own namespace. */
export class IpLinks implements Links {
  readonly ip: IpTransport;
  private readonly fifos: FifoPool;
  private readonly sysctls: SysctlWriter;
  private readonly sysClassNet: string | null;
  private readonly pid: number;
  private tempCounter = 0;

  constructor(processes: ProcessRunner = new SpawnProcessRunner(), options: IpLinksOptions = {}) {
    this.fifos = options.fifos ?? new FifoPool();
    this.ip = options.ip ?? new SessionIp(this.fifos);
    this.sysClassNet = options.sysClassNet === undefined ? '/sys/class/net' : options.sysClassNet;
    this.pid = options.pid ?? process.pid;
    this.sysctls = new SysctlWriter(processes, this.fifos, {
      procSys: options.procSys,
      nsenterPath: options.nsenterPath,
    });
  }

  get(ns: Netns, name: string): LinkInfo | null {
    if (!plausibleIfName(name)) return null;
    if (ns === null && this.sysClassNet !== null) {
      const fromSysfs = this.getFromSysfs(name);
      if (fromSysfs !== undefined) return fromSysfs;
    }
    const r = this.ip.run(ns, ['link', 'show', 'dev', name], { json: true });
    if (!r.ok) {
      const err = ipError(`cannot read link ${name}${where(ns)}`, r.stderr);
      if (err.errno === 'ENODEV') return null;
      throw err;
    }
    const link = (JSON.parse(r.stdout) as IpLinkJson[])[0];
    // `ip link show dev X` also finds a link whose altname is X; the port promises names only.
    if (!link || link.ifname !== name) return null;
    return fromJson(link);
  }

  netnsExists(path: string): boolean {
    // A namespace file lives on nsfs, the filesystem behind /proc/self/ns/*; a mount point left
    // after its namespace was unmounted is a plain file on an ordinary filesystem.
    try {
      return statSync(path).dev === statSync(`/proc/${this.pid}/ns/net`).dev;
    } catch {
      return false;
    }
  }

  createNetns(): string {
    const name = `vfnet-tmp-${this.pid}-${++this.tempCounter}-${Math.random().toString(36).slice(2, 8)}`;
    this.must(null, ['netns', 'add', name], `cannot create network namespace ${name}`);
    return `/var/run/netns/${name}`;
  }

  deleteNetns(path: string): void {
    const name = netnsName(path);
    if (name === null)
      throw new HostError(
        `cannot delete network namespace ${path}: only namespaces under /var/run/netns are deleted here`,
        'EINVAL',
      );
    // Processes kept inside the namespace would keep it alive after the delete.
    this.ip.close(path);
    this.sysctls.close(path);
    this.must(null, ['netns', 'del', name], `cannot delete network namespace ${path}`);
  }

  move(ns: Netns, name: string, to: Netns): void {
    const target = to ?? `/proc/${this.pid}/ns/net`;
    this.must(
      ns,
      ['link', 'set', 'dev', name, 'netns', target],
      `cannot move ${name}${where(ns)} to ${to ?? 'the host namespace'}`,
    );
  }

  moveAndRename(ns: Netns, name: string, to: Netns, newName: string): void {
    if (!plausibleIfName(newName))
      throw new HostError(`cannot rename ${name}${where(ns)}: "${newName}" is not a valid interface name`, 'EINVAL');
    const target = to ?? `/proc/${this.pid}/ns/net`;
    this.must(
      ns,
      ['link', 'set', 'dev', name, 'netns', target, 'name', newName],
      `cannot move ${name}${where(ns)} to ${to ?? 'the host namespace'} as ${newName}`,
    );
  }

  rename(ns: Netns, name: string, newName: string): void {
    if (!plausibleIfName(newName))
      throw new HostError(`cannot rename ${name}${where(ns)}: "${newName}" is not a valid interface name`, 'EINVAL');
    this.must(ns, ['link', 'set', 'dev', name, 'name', newName], `cannot rename ${name}${where(ns)} to ${newName}`);
  }

  deleteAltname(ns: Netns, name: string, altname: string): void {
    this.must(
      ns,
      ['link', 'property', 'del', 'dev', name, 'altname', altname],
      `cannot delete altname ${altname} of ${name}${where(ns)}`,
    );
  }

  setMac(ns: Netns, name: string, mac: string): void {
    this.must(ns, ['link', 'set', 'dev', name, 'address', mac], `cannot set MAC ${mac} on ${name}${where(ns)}`);
  }

  setMtu(ns: Netns, name: string, mtu: number): void {
    this.must(ns, ['link', 'set', 'dev', name, 'mtu', String(mtu)], `cannot set MTU ${mtu} on ${name}${where(ns)}`);
  }

  setUp(ns: Netns, name: string, up: boolean): void {
    this.must(
      ns,
      ['link', 'set', 'dev', name, up ? 'up' : 'down'],
      `cannot set ${name}${where(ns)} ${up ? 'up' : 'down'}`,
    );
  }

  addAddress(ns: Netns, name: string, cidr: string): void {
    this.must(ns, ['addr', 'add', cidr, 'dev', name], `cannot add address ${cidr} to ${name}${where(ns)}`);
  }

  addRoute(ns: Netns, name: string, route: RouteSpec): void {
    const args = ['route', 'add', route.dst];
    if (route.gw) args.push('via', route.gw);
    args.push('dev', name);
    if (route.mtu !== undefined) args.push('mtu', String(route.mtu));
    if (route.advmss !== undefined) args.push('advmss', String(route.advmss));
    if (route.priority !== undefined) args.push('metric', String(route.priority));
    if (route.table !== undefined) args.push('table', String(route.table));
    if (route.scope !== undefined) args.push('scope', String(route.scope));
    this.must(ns, args, `cannot add route ${route.dst}${route.gw ? ` via ${route.gw}` : ''} on ${name}${where(ns)}`);
  }

  sysctl(ns: Netns, key: string, value: string): void {
    this.sysctls.write(ns, key, value);
  }

  /** Ends the helper processes (they also end by themselves when this process exits). */
  close(): void {
    this.ip.close();
    this.sysctls.close();
    this.fifos.dispose();
  }

  private must(ns: Netns, args: string[], what: string): void {
    const r = this.ip.run(ns, args);
    if (!r.ok) throw ipError(what, r.stderr);
  }

  /** undefined when sysfs cannot answer (the link changed under us): ask ip instead. */
  private getFromSysfs(name: string): LinkInfo | null | undefined {
    const dir = `${this.sysClassNet}/${name}`;
    let ifindex: string;
    try {
      ifindex = readFileSync(`${dir}/ifindex`, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
    }
    try {
      const flags = parseInt(readFileSync(`${dir}/flags`, 'utf8'), 16);
      const up = (flags & IFF_UP) !== 0;
      let carrier = false;
      if (up) {
        try {
          carrier = readFileSync(`${dir}/carrier`, 'utf8').trim() === '1';
        } catch {
          carrier = false;
        }
      }
      const info = {
        name,
        ifindex: Number(ifindex),
        mac: readFileSync(`${dir}/address`, 'utf8').trim(),
        mtu: Number(readFileSync(`${dir}/mtu`, 'utf8')),
        up,
        carrier,
      } as LinkInfo;
      // sysfs does not list altnames; asking ip costs a process, so only when someone looks.
      let altnames: string[] | null = null;
      Object.defineProperty(info, 'altnames', {
        enumerable: true,
        get: () => (altnames ??= this.altnamesOf(name)),
      });
      return info;
    } catch {
      return undefined;
    }
  }

  private altnamesOf(name: string): string[] {
    const r = this.ip.run(null, ['link', 'show', 'dev', name], { json: true });
    if (!r.ok) return [];
    const link = (JSON.parse(r.stdout) as IpLinkJson[])[0];
    return link && link.ifname === name ? [...(link.altnames ?? [])] : [];
  }
}

function fromJson(link: IpLinkJson): LinkInfo {
  const up = link.flags.includes('UP');
  return {
    name: link.ifname,
    ifindex: link.ifindex,
    mac: link.address ?? '',
    mtu: link.mtu,
    up,
    carrier: up && link.flags.includes('LOWER_UP'),
    altnames: [...(link.altnames ?? [])],
  };
}

function where(ns: Netns): string {
  return ns === null ? '' : ` in ${ns}`;
}
