// Where a lab device's netdev is right now. Each lab netdev carries the ifalias
// `vfnet-lab <pci> <prefix>`, which survives renames and netns moves; reading the host's
// /sys/class/net/*/ifalias finds the ones in the host netns without spawning anything.
import { readdirSync, readFileSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { labAlias } from './layout.js';

const ALIAS = /^vfnet-lab (\S+) (\S+)$/;

function readAlias(hostSys: string, name: string): string | null {
  try {
    return readFileSync(join(hostSys, 'class/net', name, 'ifalias'), 'utf8').trim();
  } catch {
    return null; // No such netdev (here), or it went away while we looked.
  }
}

/** PCI address → netdev name, for the lab devices whose netdev is in the host netns. */
export function hostNetdevs(hostSys: string, prefix: string): Map<string, string> {
  const found = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(join(hostSys, 'class/net'));
  } catch {
    return found;
  }
  for (const name of names) {
    const m = ALIAS.exec(readAlias(hostSys, name) ?? '');
    if (m && m[2] === prefix) found.set(m[1]!, name);
  }
  return found;
}

/**
 * Finds lab netdevs with as few sysfs reads as possible: a name seen before (or the name the VF
 * was created with) is checked with one read, and only a miss scans every host netdev. Reads
 * under /sys cost a fraction of a millisecond each, and the plugin asks on every ADD and DEL.
 */
export class NetdevFinder {
  private readonly hints = new Map<string, string>();

  constructor(
    private readonly hostSys: string,
    private readonly prefix: string,
  ) {}

  /** The host netdev of the device at pci, or null when none is in the host netns. */
  find(pci: string, createdAs?: string): string | null {
    const want = labAlias(this.prefix, pci);
    const hint = this.hints.get(pci) ?? createdAs;
    if (hint !== undefined && readAlias(this.hostSys, hint) === want) return hint;
    const all = this.scan();
    return all.get(pci) ?? null;
  }

  /** The PCI address of the lab device whose netdev is the host netdev `name`, if it is one. */
  deviceOf(name: string): string | null {
    const m = ALIAS.exec(readAlias(this.hostSys, name) ?? '');
    return m && m[2] === this.prefix ? m[1]! : null;
  }

  scan(): Map<string, string> {
    const all = hostNetdevs(this.hostSys, this.prefix);
    for (const [pci, name] of all) this.hints.set(pci, name);
    return all;
  }
}
