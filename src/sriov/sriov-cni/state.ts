// sriov-cni's files in its data dir (reference/sriov-cni.md §4.5): the attachment caches
// `<containerID>-<ifname>` and the allocation markers `pci/<pci>` (the owner's netns path).
import type { PeerFiles } from '../../host/ports.js';
import { CacheError, cacheName, parseCache, type SriovCniCache } from './cache.js';

export interface NamedCache {
  /** The file name in the data dir. */
  name: string;
  cache: SriovCniCache;
}

/** Files in sriov-cni's data dir that are not its caches (vfnet's own state may share the dir). */
const NOT_A_CACHE = /^att-|\.(json|db|db-wal|db-shm|db-journal|lock|log|calls)$/;

export class SriovCniState {
  constructor(private readonly files: PeerFiles) {}

  get dir(): string {
    return this.files.dir;
  }

  /** The cache of one attachment; null when there is none; CacheError when it cannot be read. */
  readCache(containerId: string, ifname: string): SriovCniCache | null {
    const name = cacheName(containerId, ifname);
    const text = this.files.read(name);
    return text === null ? null : parseCache(text, `sriov-cni cache ${this.files.dir}/${name}`);
  }

  /** Every cache in the data dir; files that are not caches, or not readable ones, go to `onBad`. */
  allCaches(onBad: (name: string, e: Error) => void): NamedCache[] {
    const out: NamedCache[] = [];
    for (const name of this.files.list('')) {
      if (NOT_A_CACHE.test(name)) continue;
      try {
        const text = this.files.read(name);
        if (text !== null) out.push({ name, cache: parseCache(text, `sriov-cni cache ${this.files.dir}/${name}`) });
      } catch (e) {
        if (e instanceof CacheError) onBad(name, e);
        else throw e;
      }
    }
    return out;
  }

  /** Caches that name this VF. */
  cachesOf(pci: string, onBad: (name: string, e: Error) => void): NamedCache[] {
    return this.allCaches(onBad).filter((c) => c.cache.pci === pci.toLowerCase());
  }

  writeCache(containerId: string, ifname: string, text: string): void {
    this.files.write(cacheName(containerId, ifname), text);
  }

  removeCache(name: string): void {
    this.files.remove(name);
  }

  /** The netns path the marker gives the VF to; null when the VF has no marker. */
  readMarker(pci: string): string | null {
    const text = this.files.read(`pci/${pci}`);
    return text === null ? null : text.trim();
  }

  writeMarker(pci: string, netns: string): void {
    this.files.write(`pci/${pci}`, netns);
  }

  removeMarker(pci: string): void {
    this.files.remove(`pci/${pci}`);
  }
}

/**
 * The (containerID, ifname) of a cache file: the ifname the cache names, else the part after the
 * last '-' (sriov-cni joins the two with '-', so a name with dashes in both is ambiguous).
 */
export function cacheOwner(c: NamedCache): { containerId: string; ifname: string } {
  if (c.cache.vfnetOwner) return c.cache.vfnetOwner;
  const ifname = c.cache.ifname;
  if (ifname && c.name.endsWith(`-${ifname}`)) return { containerId: c.name.slice(0, -ifname.length - 1), ifname };
  const at = c.name.lastIndexOf('-');
  return at > 0
    ? { containerId: c.name.slice(0, at), ifname: c.name.slice(at + 1) }
    : { containerId: c.name, ifname: '' };
}
