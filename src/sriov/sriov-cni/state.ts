// sriov-cni's files in its data dir (reference/sriov-cni.md §4.5): the attachment caches
// `<containerID>-<ifname>` and the allocation markers `pci/<pci>` (the owner's netns path).
import { HostError, type PeerFiles } from '../../host/ports.js';
import { CacheError, cacheName, parseCache, type SriovCniCache } from './cache.js';

/** A cache file that cannot be read (truncated, the wrong shape, a directory, unreadable): named, with why. */
export class DamagedCacheError extends CacheError {
  constructor(
    /** Its name in the data dir. */
    readonly file: string,
    message: string,
    /** Its bytes, for what can still be read out of them; null when they could not be read. */
    readonly text: string | null,
  ) {
    super(message);
  }
}

/** Damaged caches are kept aside as `<name>.damaged-<time>`, which neither plugin reads as a cache. */
export const DAMAGED_CACHE_MARK = '.damaged-';

export interface NamedCache {
  /** The file name in the data dir. */
  name: string;
  cache: SriovCniCache;
}

/** Files in sriov-cni's data dir that are not its caches (vfnet's own state may share the dir). */
const NOT_A_CACHE = /^att-|\.(json|db|db-wal|db-shm|db-journal|lock|log|calls)$|\.damaged-/;

export class SriovCniState {
  constructor(
    private readonly files: PeerFiles,
    private readonly now: () => number = Date.now,
  ) {}

  get dir(): string {
    return this.files.dir;
  }

  /** The cache of one attachment; null when there is none; DamagedCacheError when it cannot be read. */
  readCache(containerId: string, ifname: string): SriovCniCache | null {
    return this.parse(cacheName(containerId, ifname), true);
  }

  private parse(name: string, strict: boolean): SriovCniCache | null {
    const where = `sriov-cni cache ${this.files.dir}/${name}`;
    let text: string | null;
    try {
      text = strict ? this.files.readStrict(name) : this.files.read(name);
    } catch (e) {
      if (!(e instanceof HostError)) throw e;
      throw new DamagedCacheError(name, `${where} cannot be read: ${e.message}`, null);
    }
    if (text === null) return null;
    try {
      return parseCache(text, where);
    } catch (e) {
      if (e instanceof CacheError) throw new DamagedCacheError(name, e.message, text);
      throw e;
    }
  }

  /** Renames a damaged cache to `<name>.damaged-<time>`; returns the new name (null when it was gone). */
  setAside(e: DamagedCacheError): string | null {
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '');
    const aside = `${e.file}${DAMAGED_CACHE_MARK}${stamp}`;
    return this.files.rename(e.file, aside) ? aside : null;
  }

  /** Markers that give a VF to this netns: the VFs an attachment there may have had. */
  markersOf(netns: string): string[] {
    return this.files.list('pci').filter((pci) => this.readMarker(pci) === netns);
  }

  /** Every cache in the data dir; the ones that cannot be read go to `onBad`. */
  allCaches(onBad: (name: string, e: DamagedCacheError) => void): NamedCache[] {
    const out: NamedCache[] = [];
    for (const name of this.files.list('')) {
      if (NOT_A_CACHE.test(name)) continue;
      try {
        const cache = this.parse(name, false);
        if (cache) out.push({ name, cache });
      } catch (e) {
        if (e instanceof DamagedCacheError) onBad(name, e);
        else throw e;
      }
    }
    return out;
  }

  /** Caches that name this VF. */
  cachesOf(pci: string, onBad: (name: string, e: DamagedCacheError) => void): NamedCache[] {
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
  return ownerOfName(c.name);
}

/** The (containerID, ifname) a cache file's name gives: sriov-cni joins them with the last '-'. */
export function ownerOfName(name: string): { containerId: string; ifname: string } {
  const at = name.lastIndexOf('-');
  return at > 0 ? { containerId: name.slice(0, at), ifname: name.slice(at + 1) } : { containerId: name, ifname: '' };
}
