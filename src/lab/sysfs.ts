// Sysfs for a lab: the tree under the lab directory, except what the kernel computes live.
// A real VF's `net/` directory lists its netdev only while that netdev is in the reader's netns
// and a kernel driver owns the VF; `sys/class/net` lists the host netns's netdevs. The lab gets
// both from the host's real sysfs (ifalias marks lab netdevs), so renames, netns moves and
// driver rebinds show exactly as they would on hardware.

import type { Sysfs } from '../host/ports.js';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from '../os/fs.js';
import { basename, dirname, join, resolve } from '../os/path.js';
import { KERNEL_DRIVER_PF, KERNEL_DRIVER_VF, type LabState, pciDevicePath } from './layout.js';
import { NetdevFinder } from './netdevs.js';
import { readLabState } from './state.js';

type Node =
  /** A path in the lab tree (or, below a netdev directory, in the host's sysfs). */
  | { kind: 'file'; path: string }
  /** The `net/` directory of a lab PCI device. */
  | { kind: 'net'; pci: string }
  /** `net/<name>` of a lab device, also reached as sys/class/net/<name>. */
  | { kind: 'netdev'; pci: string; name: string };

const MAX_LINK_DEPTH = 40;

export interface LabSysfsOptions {
  /** The real sysfs, where host netdevs are found (default /sys). */
  hostSys?: string;
  /**
   * Remember the lab tree's directories once seen (for a process that lives one command, the
   * plugin's): the tree's skeleton (sys/bus/pci/devices, the device directories) only changes at
   * `lab up`, `lab down` and sriov_numvfs writes, none of which happen under one plugin command,
   * and each lookup otherwise lstats every component of its path again (≈ 150 statx per ADD).
   * So are the links that lead from one device directory to another (sys/bus/pci/devices/<pci>,
   * physfn, virtfnN), walked through on nearly every lookup. Every other link (a device's driver
   * above all: a rebind moves it) is read afresh.
   */
  rememberDirectories?: boolean;
}

export class LabSysfs implements Sysfs {
  private readonly hostSys: string;
  private labRoot: string | null = null;
  /** <lab root>/sys/class/net, once the root is known: compared against at every step of a walk. */
  private labClassNet = '';
  private finder: NetdevFinder | null = null;
  /** PCI address → the netdev name the device was created with (the first guess of where it is). */
  private readonly createdAs = new Map<string, string>();
  /** Absolute directory of each lab PCI device → its address. */
  private readonly devices = new Map<string, string>();
  private readonly deviceDirs = new Map<string, string>();
  /** Lab-tree directories seen by lstat (rememberDirectories), null when every walk looks again. */
  private readonly knownDirs: Set<string> | null;
  /** Links seen on the way whose target is a lab device's directory (rememberDirectories): path → target. */
  private readonly deviceLinks: Map<string, string> | null;

  constructor(
    readonly root: string,
    opts: LabSysfsOptions = {},
  ) {
    this.hostSys = opts.hostSys ?? '/sys';
    this.knownDirs = opts.rememberDirectories ? new Set() : null;
    this.deviceLinks = opts.rememberDirectories ? new Map() : null;
  }

  read(path: string): string | null {
    const node = this.resolve(path);
    if (node?.kind !== 'file') return null;
    try {
      return readFileSync(node.path, 'utf8').trim();
    } catch {
      return null;
    }
  }

  list(path: string): string[] | null {
    const node = this.resolve(path);
    if (!node) return null;
    if (node.kind === 'net') {
      const name = this.liveNetdev(node.pci);
      return name ? [name] : [];
    }
    if (node.kind === 'netdev') {
      const entries = safeReaddir(this.hostNetDir(node.name)) ?? [];
      return [...new Set([...entries, 'device'])].sort();
    }
    if (node.path === this.classNetDir()) return this.hostLabNetdevs();
    return safeReaddir(node.path)?.sort() ?? null;
  }

  linkName(path: string): string | null {
    const parts = split(path);
    const last = parts.pop();
    if (last === undefined || last === '..') return null;
    const parent = this.resolveParts(parts);
    if (!parent) return null;
    if (parent.kind === 'net') return null;
    if (parent.kind === 'netdev') {
      if (last === 'device') return parent.pci;
      return linkBase(child(this.hostNetDir(parent.name), last));
    }
    if (parent.path === this.classNetDir()) return this.deviceOfNetdev(last) ? last : null;
    return linkBase(child(parent.path, last));
  }

  exists(path: string): boolean {
    return this.resolve(path) !== null;
  }

  private load(): string {
    if (this.labRoot !== null) return this.labRoot;
    const root = realpathSync(this.root);
    const state: LabState = readLabState(root);
    this.finder = new NetdevFinder(this.hostSys, state.prefix);
    for (const [dev, name] of [
      ...state.pfs.map((p) => [p.pci, p.name]),
      ...state.vfs.map((v) => [v.pci, v.netdev]),
    ] as [string, string][]) {
      const abs = join(root, pciDevicePath(dev));
      this.devices.set(abs, dev);
      this.deviceDirs.set(dev, abs);
      this.createdAs.set(dev, name);
    }
    this.labClassNet = join(root, 'sys/class/net');
    this.labRoot = root;
    return root;
  }

  private classNetDir(): string {
    this.load();
    return this.labClassNet;
  }

  /** The host's sysfs directory of netdev `name`, where its own attributes are. */
  private hostNetDir(name: string): string {
    return join(this.hostSys, 'class/net', name);
  }

  /** Names of the lab netdevs in the host netns whose device a kernel driver drives (sys/class/net). */
  private hostLabNetdevs(): string[] {
    this.load();
    const names: string[] = [];
    for (const [pci, name] of this.finder!.scan()) {
      if (this.deviceDirs.has(pci) && this.kernelDriven(pci)) names.push(name);
    }
    return names.sort();
  }

  /** The netdev in a device's net/ directory: in the host netns, and a kernel driver's. */
  private liveNetdev(pci: string): string | null {
    this.load();
    if (!this.kernelDriven(pci)) return null;
    return this.finder!.find(pci, this.createdAs.get(pci));
  }

  /** The lab device behind host netdev `name` (sys/class/net/<name>), or null. */
  private deviceOfNetdev(name: string): string | null {
    this.load();
    const pci = this.finder!.deviceOf(name);
    return pci !== null && this.deviceDirs.has(pci) && this.kernelDriven(pci) ? pci : null;
  }

  private kernelDriven(pci: string): boolean {
    const driver = linkBase(child(this.deviceDirs.get(pci)!, 'driver'));
    return driver === KERNEL_DRIVER_VF || driver === KERNEL_DRIVER_PF;
  }

  private resolve(path: string): Node | null {
    return this.resolveParts(split(path));
  }

  private resolveParts(parts: string[]): Node | null {
    return this.walk({ kind: 'file', path: this.load() }, parts, 0);
  }

  private walk(start: Node, parts: string[], depth: number): Node | null {
    let cur: Node | null = start;
    for (let i = 0; i < parts.length; i++) {
      if (!cur) return null;
      const part = parts[i]!;
      if (cur.kind === 'net') {
        cur = this.liveNetdev(cur.pci) === part ? { kind: 'netdev', pci: cur.pci, name: part } : null;
        continue;
      }
      if (cur.kind === 'netdev') {
        cur =
          part === 'device'
            ? { kind: 'file', path: this.deviceDirs.get(cur.pci)! }
            : // A netdev's own attributes (address, ifindex, ...) are the real ones.
              { kind: 'file', path: child(this.hostNetDir(cur.name), part) };
        continue;
      }
      const here: string = cur.path;
      if (part === '..') {
        cur = { kind: 'file', path: dirname(here) };
        continue;
      }
      if (here === this.labClassNet) {
        const pci = this.deviceOfNetdev(part);
        cur = pci ? { kind: 'netdev', pci, name: part } : null;
        continue;
      }
      if (part === 'net' && this.devices.has(here)) {
        cur = { kind: 'net', pci: this.devices.get(here)! };
        continue;
      }
      const next = child(here, part);
      const device = this.deviceLinks?.get(next);
      if (device !== undefined) {
        // The walk from the root to a device directory meets no live directory: go straight there.
        cur = { kind: 'file', path: device };
        continue;
      }
      let isLink = false;
      if (!this.knownDirs?.has(next)) {
        try {
          const st = lstatSync(next);
          isLink = st.isSymbolicLink();
          if (st.isDirectory()) this.knownDirs?.add(next);
        } catch {
          return null;
        }
      }
      if (!isLink) {
        cur = { kind: 'file', path: next };
        continue;
      }
      if (depth >= MAX_LINK_DEPTH) return null;
      const target = resolve(dirname(next), readlinkSync(next));
      if (this.devices.has(target)) this.deviceLinks?.set(next, target);
      const root = this.labRoot!;
      // Links inside the lab tree are walked again so live directories on the way are honoured.
      const rest = parts.slice(i + 1);
      if (target === root || target.startsWith(`${root}/`)) {
        return this.walk({ kind: 'file', path: root }, [...split(target.slice(root.length)), ...rest], depth + 1);
      }
      return this.walk({ kind: 'file', path: target }, rest, depth + 1);
    }
    return cur;
  }
}

/**
 * `dir`/`part` for a normalized directory and one path segment (not '', '.' or '..'): what
 * join() answers there, without normalizing the whole path again at every step of a walk (the
 * plugin runs in Bun's interpreter, where a join costs ≈ 5 µs and a lookup takes a dozen).
 */
function child(dir: string, part: string): string {
  return dir === '/' ? `/${part}` : `${dir}/${part}`;
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function safeReaddir(path: string): string[] | null {
  try {
    return readdirSync(path);
  } catch {
    return null;
  }
}

function linkBase(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}
