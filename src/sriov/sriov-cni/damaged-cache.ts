// sriov-cni cache files that cannot be read (truncated, the wrong shape, a directory where the
// file should be, unreadable), treated as vfnet's own damaged records are: each is kept aside
// under a name that says so, never deleted, and the error names it. The VF's original state is
// lost with the file, so the VF is reset to safe defaults, unless another attachment holds it
// now. Which VF: the one the file's remains name, else the one sriov-cni's marker gives to the
// attachment's netns, else the hardware's word: the one VF away from the host whose MAC, as its
// PF lists it, is the pod interface's. (An attachment vfnet made has its own record, which DEL
// restores from exactly; only its mirror is kept aside then.)
import type { Logger } from '../../host/log.js';
import type { Links, Sysfs } from '../../host/ports.js';
import { ownsClaim, type Records } from '../records.js';
import { listPfVfs, resolveDevice, type VfRef } from '../resolve.js';
import type { SafeDefaults } from '../safe-defaults.js';
import type { VfLocks } from '../vf-locks.js';
import { type VfSettings, ZERO_MAC } from '../vf-settings.js';
import type { DamagedCacheError, SriovCniState } from './state.js';

export interface DamagedCacheDeps {
  state: SriovCniState;
  sysfs: Sysfs;
  links: Links;
  records: Records;
  locks: VfLocks;
  safe: SafeDefaults;
  settings: VfSettings;
  log: Logger;
  userspaceDrivers: readonly string[];
}

/** What a damaged cache still says: each field null when its bytes are lost. */
export interface CacheHints {
  pci: string | null;
  network: string | null;
  /** The VF netdev's name in the host before ADD (OrigVfState.HostIFName; v2.0's HostIFNames). */
  hostIfName: string | null;
}

/** A JSON string value of `key` in `text`, read with JSON's own rules; null when absent or cut off. */
function stringField(text: string, key: string): string | null {
  const m = new RegExp(`"${key}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(text);
  if (!m) return null;
  try {
    return JSON.parse(m[1]!) as string;
  } catch {
    return null;
  }
}

export function cacheHints(text: string | null): CacheHints {
  if (text === null) return { pci: null, network: null, hostIfName: null };
  const pci = stringField(text, 'deviceID');
  return {
    pci: pci && /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(pci) ? pci.toLowerCase() : null,
    network: stringField(text, 'name'),
    hostIfName: stringField(text, 'HostIFName') || stringField(text, 'HostIFNames') || null,
  };
}

export class DamagedCaches {
  constructor(private readonly d: DamagedCacheDeps) {}

  /** Renames the file to `<name>.damaged-<time>` and says so; returns the new name (null: already moved). */
  setAside(e: DamagedCacheError): string | null {
    const aside = this.d.state.setAside(e);
    this.d.log.warning(
      `${e.message}; kept aside as ${aside ? `${this.d.state.dir}/${aside}` : '(moved by another call)'}, never deleted`,
    );
    return aside;
  }

  /** The VF a damaged cache was about: its remains' deviceID, the one marker naming `netns`, the pod's link. */
  vfOf(e: DamagedCacheError, netns: string, ifname: string): string | null {
    const hinted = cacheHints(e.text).pci;
    if (hinted) return hinted;
    const marked = netns ? this.d.state.markersOf(netns) : [];
    return marked.length === 1 ? marked[0]! : this.vfOfPodLink(netns, ifname);
  }

  /** The one VF away from the host whose PF lists the MAC of `ifname` in `netns`; null unless exactly one. */
  private vfOfPodLink(netns: string, ifname: string): string | null {
    const link = netns && ifname && this.d.links.netnsExists(netns) ? this.d.links.get(netns, ifname) : null;
    const mac = link?.mac.toLowerCase();
    if (!mac || mac === ZERO_MAC) return null;
    const found: string[] = [];
    for (const dev of this.d.sysfs.list('sys/class/net') ?? []) {
      let vfs: VfRef[];
      try {
        vfs = listPfVfs(this.d.sysfs, 'master', dev, this.d.userspaceDrivers);
      } catch {
        continue; // not an SR-IOV PF
      }
      for (const vf of vfs.filter((v) => v.netdev === null && !v.dpdk)) {
        try {
          if (this.d.settings.read(vf).mac.toLowerCase() === mac) found.push(vf.pci);
        } catch {
          // A VF whose PF cannot say is no witness.
        }
      }
    }
    return found.length === 1 ? found[0]! : null;
  }

  /**
   * The attachment `owner` in `netns` has only this damaged cache: keeps it aside and resets its
   * VF to safe defaults. Returns what could not be reset (logged; the rest is done regardless).
   */
  settle(e: DamagedCacheError, owner: { containerId: string; ifname: string }, netns: string): string[] {
    const file = `${this.d.state.dir}/${e.file}`;
    const pci = this.vfOf(e, netns, owner.ifname);
    this.setAside(e);
    if (!pci) {
      this.d.log.error(
        `${file}: neither it nor a marker says which VF ${owner.containerId}/${owner.ifname} had; nothing reset`,
      );
      return [];
    }
    let vf: VfRef;
    try {
      vf = resolveDevice(this.d.sysfs, pci, this.d.userspaceDrivers);
    } catch (err) {
      this.d.log.error(`${file} names VF ${pci}: ${(err as Error).message}; nothing reset`);
      return [];
    }
    const lock = this.d.locks.vf(pci);
    try {
      if (this.heldElsewhere(pci, owner, netns)) {
        this.d.log.warning(`VF ${pci} of damaged ${file} belongs to another attachment now; left alone`);
        return [];
      }
      this.d.log.warning(`${file}: the original state of VF ${pci} is lost with it; resetting the VF to safe defaults`);
      const hints = cacheHints(e.text);
      const errors = this.d.safe.reset(vf, {
        network: hints.network,
        containerId: owner.containerId,
        ifname: owner.ifname,
        netns: netns || null,
        pci,
        netdevName: hints.hostIfName,
        ifindex: null,
      });
      const marker = this.d.state.readMarker(pci);
      if (marker !== null && (marker === netns || marker === '' || !this.d.links.netnsExists(marker)))
        this.d.state.removeMarker(pci);
      return errors;
    } finally {
      lock.release();
    }
  }

  /** Any vfnet claim of another attachment, or a marker giving the VF to another live netns. */
  private heldElsewhere(pci: string, owner: { containerId: string; ifname: string }, netns: string): boolean {
    const claim = this.d.records.readClaim(pci);
    if (claim && !ownsClaim(claim, owner.containerId, owner.ifname)) return true;
    const marker = this.d.state.readMarker(pci);
    return marker !== null && marker !== '' && marker !== netns && this.d.links.netnsExists(marker);
  }
}
