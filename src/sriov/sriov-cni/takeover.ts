// Living with sriov-cni on one node, in both directions:
//  - takeover: attachments the Go plugin made (its cache, its markers) are deleted, checked and
//    garbage-collected by vfnet exactly as the Go plugin would have restored them, and ADD never
//    takes a VF that its markers give to a live netns;
//  - rollback: each vfnet attachment also gets sriov-cni's cache and marker, so the Go plugin's
//    DEL restores it after the binary is swapped back.
// Locking is VfLocks', which takes sriov-cni's flock on the VF too.
import { CniError, type CniRequest } from '../../cni/index.js';
import type { Logger } from '../../host/log.js';
import type { Links, PeerFiles, Sysfs } from '../../host/ports.js';
import type { SriovConfig } from '../config.js';
import { SriovCode } from '../errors.js';
import { ipamRequestFor } from '../ipam-request.js';
import type { NetdevOriginal, VfNetdevs } from '../netdev.js';
import { type AttachmentRecord, ownsClaim, RECORD_SCHEMA, type Records } from '../records.js';
import { resolveDevice, type VfRef } from '../resolve.js';
import type { SafeDefaults } from '../safe-defaults.js';
import type { VfLocks } from '../vf-locks.js';
import type { VfSettings } from '../vf-settings.js';
import { originalPf, renderCache } from './cache.js';
import { cacheHints, DamagedCaches } from './damaged-cache.js';
import { configFromRuntimeCache } from './runtime-cache.js';
import { cacheOwner, DamagedCacheError, type NamedCache, ownerOfName, type SriovCniState } from './state.js';

export interface TakeoverDeps {
  state: SriovCniState;
  /** The runtime's libcni cache, for the IPAM config of Go-made attachments. */
  results: PeerFiles | null;
  sysfs: Sysfs;
  links: Links;
  records: Records;
  settings: VfSettings;
  netdevs: VfNetdevs;
  locks: VfLocks;
  /** Gives a VF back from a record (VfRestorer.release); returns what could not be restored. */
  release(record: AttachmentRecord, netns: string): string[];
  /** Runs IPAM DEL with exactly this request. */
  ipamDel(req: CniRequest): void;
  /** For a VF whose cache is damaged: its original state is lost with the file. */
  safe: SafeDefaults;
  log: Logger;
  userspaceDrivers: readonly string[];
}

export class SriovCniTakeover {
  private readonly damaged: DamagedCaches;

  constructor(private readonly d: TakeoverDeps) {
    this.damaged = new DamagedCaches(d);
  }

  private bad = (name: string, e: Error) => this.d.log.warning(`ignoring ${name} in ${this.d.state.dir}: ${e.message}`);

  /** A vfnet record standing for a cache the Go plugin wrote, for the restorer. */
  recordOf(c: NamedCache, vf: VfRef, netns: string): AttachmentRecord {
    const { containerId, ifname } = cacheOwner(c);
    const cache = c.cache;
    const dpdk = cache.dpdk ?? vf.dpdk;
    let netdev: NetdevOriginal | null = null;
    if (!dpdk) {
      // What the cache does not record stays as the netdev is now: restoring it changes nothing.
      const now =
        (netns && this.d.links.netnsExists(netns) ? this.d.netdevs.inspect(netns, ifname) : null) ??
        (vf.netdev ? this.d.netdevs.inspect(null, vf.netdev) : null);
      const o = cache.original;
      netdev = {
        name: o?.hostIfName ?? vf.netdev ?? ifname,
        mac: o?.effectiveMac ?? now?.mac.toLowerCase() ?? '',
        mtu: o?.mtu ?? now?.mtu ?? 1500,
        // sriov-cni leaves the VF down after DEL; so does this.
        up: false,
      };
    }
    return {
      schema: RECORD_SCHEMA,
      network: cache.network,
      containerId,
      ifname,
      netns,
      vf: { ...vf, dpdk },
      configured: cache.configured,
      original: { pf: originalPf(cache, this.d.settings.read(vf)), netdev },
      ipamType: cache.ipamType,
      phase: 'added',
      result: null,
      pid: 0,
      createdAt: '',
      model: null,
    };
  }

  /**
   * DEL of an attachment vfnet has no record of: if sriov-cni's cache has it, restore the VF from
   * the cache. False when there is no such cache (the caller goes on as for no record at all).
   */
  del(req: CniRequest, config: SriovConfig | null): boolean {
    const found = this.readOrDamaged(req.containerId, req.ifname);
    if (found instanceof DamagedCacheError) {
      const errors = this.damaged.settle(found, req, req.netns);
      if (config?.ipamType) this.d.ipamDel(req);
      if (errors.length)
        throw new CniError(
          SriovCode.NetdevFailed,
          `${found.message}; the VF was reset to safe defaults, but not completely`,
          errors.join('; '),
        );
      return true;
    }
    if (!found || found.cache.vfnetOwner) return false;
    this.d.log.info(
      `DEL: no vfnet record; restoring ${found.cache.pci} from sriov-cni's cache ${this.d.state.dir}/${found.name}`,
    );
    // As sriov-cni: the addresses go with this DEL's config; with the ADD's when this one has no ipam.
    const runIpam = () => {
      if (config?.ipamType) this.d.ipamDel(req);
      else if (found.cache.ipamType) this.ipamOfCache(found, req);
    };
    let vf: VfRef;
    try {
      vf = resolveDevice(this.d.sysfs, found.cache.pci, this.d.userspaceDrivers);
    } catch (e) {
      this.d.log.warning(
        `VF ${found.cache.pci} of ${found.name} is gone (${(e as Error).message}); dropping the cache`,
      );
      runIpam();
      this.forgetCache(found, req.netns);
      return true;
    }
    const lock = this.d.locks.vf(vf.pci);
    try {
      const now = this.read(req.containerId, req.ifname);
      if (!now || now.cache.pci !== found.cache.pci) {
        runIpam();
        return true;
      }
      runIpam();
      if (this.ownedElsewhere(vf.pci, req.containerId, req.ifname, req.netns)) {
        this.d.log.warning(
          `VF ${vf.pci} now belongs to another attachment; dropping ${found.name} without touching the VF`,
        );
        this.d.state.removeCache(found.name);
        return true;
      }
      const errors = this.d.release(
        this.recordOf(now, resolveDevice(this.d.sysfs, vf.pci, this.d.userspaceDrivers), req.netns),
        req.netns,
      );
      this.forgetCache(now, req.netns);
      if (errors.length)
        throw new CniError(
          SriovCode.NetdevFailed,
          `VF ${vf.pci} was released, but not everything could be restored`,
          errors.join('; '),
        );
      return true;
    } finally {
      lock.release();
    }
  }

  /** CHECK of a sriov-cni attachment: the VF has the cached settings and the pod has its netdev, up. */
  check(req: CniRequest): string[] | null {
    const found = this.readOrDamaged(req.containerId, req.ifname);
    if (found instanceof DamagedCacheError)
      // CHECK reads without repairing: DEL keeps the file aside and resets the VF.
      throw new CniError(
        SriovCode.RecordDamaged,
        found.message,
        'DEL keeps it aside and resets the VF to safe defaults',
      );
    if (!found || found.cache.vfnetOwner) return null;
    const vf = resolveDevice(this.d.sysfs, found.cache.pci, this.d.userspaceDrivers);
    const problems = this.d.settings.differences(vf, found.cache.configured);
    const marker = this.d.state.readMarker(vf.pci);
    if (marker !== null && marker !== req.netns) problems.push(`sriov-cni's marker gives VF ${vf.pci} to ${marker}`);
    if (!(found.cache.dpdk ?? vf.dpdk)) {
      const link = this.d.netdevs.inspect(req.netns, req.ifname);
      if (!link) problems.push(`${req.ifname} is not in ${req.netns}`);
      else if (!link.up) problems.push(`${req.ifname} is down`);
    }
    return problems;
  }

  /** GC: sriov-cni attachments of this network that are not valid any more are released. */
  gc(network: string, valid: (containerId: string, ifname: string) => boolean): string[] {
    const errors: string[] = [];
    const damaged: DamagedCacheError[] = [];
    const caches = this.d.state.allCaches((_, e) => damaged.push(e));
    for (const e of damaged) {
      // Only a file whose remains name this network (another network's GC judges the others), and
      // not vfnet's mirror of an attachment its record still holds (that record restores the VF).
      const owner = ownerOfName(e.file);
      if (
        cacheHints(e.text).network !== network ||
        valid(owner.containerId, owner.ifname) ||
        this.d.records.readAttachmentSafe(owner.containerId, owner.ifname)
      ) {
        this.d.log.warning(`GC: ${e.message}; not this network's to settle (or valid), left in place`);
        continue;
      }
      const pci = cacheHints(e.text).pci;
      errors.push(...this.damaged.settle(e, owner, (pci && this.d.state.readMarker(pci)) ?? ''));
    }
    for (const c of caches) {
      const owner = cacheOwner(c);
      if (c.cache.vfnetOwner || c.cache.network !== network || valid(owner.containerId, owner.ifname)) continue;
      this.d.log.info(`GC: releasing VF ${c.cache.pci} of stale sriov-cni attachment ${c.name}`);
      errors.push(...(this.settle(c, this.d.state.readMarker(c.cache.pci) ?? '') ?? []));
    }
    return errors;
  }

  /** A Go-made attachment known only by its damaged cache, judged stale by the sweeper. */
  settleDamaged(e: DamagedCacheError, netns: string): string[] {
    return this.damaged.settle(e, ownerOfName(e.file), netns);
  }

  /** The files themselves, for the sweeper's own judgement of what is stale. */
  stateView(): SriovCniState {
    return this.d.state;
  }

  /** A mirror cache whose vfnet record is gone (a DEL that found the VF owned by a newer ADD). */
  dropOrphanMirror(c: NamedCache): void {
    this.d.state.removeCache(c.name);
    this.dropMarker(c.cache.pci, '');
  }

  /**
   * Releases one Go-made attachment under the VF's lock: `before` (the sweeper's IPAM DEL), the
   * VF from the cache (unless another attachment owns the VF now), then the cache and marker.
   * With `tryLock`, a VF whose lock is held is left alone (null); so is a cache that changed or
   * went while the lock was awaited (null: its own DEL ran).
   */
  settle(c: NamedCache, netns: string, opts: { tryLock?: boolean; before?: () => void } = {}): string[] | null {
    let vf: VfRef;
    try {
      vf = resolveDevice(this.d.sysfs, c.cache.pci, this.d.userspaceDrivers);
    } catch (e) {
      opts.before?.();
      this.forgetCache(c, netns);
      return [`VF ${c.cache.pci} of ${c.name}: ${(e as Error).message}`];
    }
    const lock = opts.tryLock ? this.d.locks.tryVf(vf.pci) : this.d.locks.vf(vf.pci);
    if (!lock) return null;
    try {
      const text = JSON.stringify(this.d.state.allCaches(this.bad).find((n) => n.name === c.name)?.cache.raw ?? null);
      if (text !== JSON.stringify(c.cache.raw)) return null;
      opts.before?.();
      vf = resolveDevice(this.d.sysfs, vf.pci, this.d.userspaceDrivers);
      const owner = cacheOwner(c);
      if (this.ownedElsewhere(vf.pci, owner.containerId, owner.ifname, netns)) {
        this.d.state.removeCache(c.name);
        return [];
      }
      const errors = this.d.release(this.recordOf(c, vf, netns), netns);
      this.forgetCache(c, netns);
      return errors;
    } finally {
      lock.release();
    }
  }

  /**
   * Before ADD takes `vf` (its lock held): refuses a VF that sriov-cni gives to a live netns or
   * that a Go-made cache holds, and first restores the VF from a Go-made cache whose pod is gone
   * (so the next owner starts from the VF's original state). True when it restored something.
   */
  guardAdd(vf: VfRef, req: CniRequest): boolean {
    let marker = this.d.state.readMarker(vf.pci);
    let markerLive = marker !== null && marker !== '' && this.d.links.netnsExists(marker);
    const caches = this.d.state.cachesOf(vf.pci, this.bad);
    if (markerLive && marker !== req.netns) {
      // sriov-cni removes the marker before the cache, under its flock (held here too): a live
      // marker with no cache for the VF is one that sriov-cni v2.4 (which knows no markers) left
      // behind when its DEL removed the cache vfnet had written for rollback.
      if (caches.length === 0) {
        this.d.log.warning(
          `dropping sriov-cni marker ${this.d.state.dir}/pci/${vf.pci} (${marker}): no cache names the VF`,
        );
        this.d.state.removeMarker(vf.pci);
        marker = null;
        markerLive = false;
      } else {
        throw new CniError(
          SriovCode.VfInUse,
          `VF ${vf.pci} (${vf.pf} VF ${vf.index}) is already in use`,
          `sriov-cni's marker ${this.d.state.dir}/pci/${vf.pci} gives it to ${marker}`,
        );
      }
    }
    let restored = false;
    for (const c of caches) {
      const owner = cacheOwner(c);
      if (c.cache.vfnetOwner || (owner.containerId === req.containerId && owner.ifname === req.ifname)) continue;
      // Gone: its marker names a dead netns, or its kernel-mode VF is back in the host (sriov-cni
      // before v2.6 writes no marker). A VF without a netdev and no marker may still be in use.
      const dpdk = c.cache.dpdk ?? vf.dpdk;
      const gone = (marker !== null && !markerLive) || (!dpdk && vf.netdev !== null);
      if (!gone) {
        throw new CniError(
          SriovCode.VfInUse,
          `VF ${vf.pci} (${vf.pf} VF ${vf.index}) is already in use`,
          `sriov-cni's cache ${this.d.state.dir}/${c.name} holds it; if that pod is gone, run DEL for it or vfnet sweep`,
        );
      }
      this.d.log.warning(
        `VF ${vf.pci} was left by sriov-cni attachment ${c.name} (pod gone, no DEL); restoring it first`,
      );
      this.ipamOfCache(c, req);
      const errors = this.d.release(this.recordOf(c, vf, marker ?? ''), marker ?? '');
      for (const e of errors) this.d.log.error(e);
      this.forgetCache(c, marker ?? '');
      restored = true;
    }
    return restored;
  }

  /** IPAM DEL with a Go-made cache's own config (its `ipam`), for a pod nobody will DEL. */
  ipamOfCache(c: NamedCache, req: Pick<CniRequest, 'env' | 'stderr' | 'paths'>): string | null {
    if (!c.cache.ipamType) return null;
    const owner = cacheOwner(c);
    const ipam = c.cache.raw.ipam as Record<string, unknown>;
    // Go keeps only ipam.type; the runtime's cache has the whole config the ADD ran with.
    const config =
      Object.keys(ipam).length > 1
        ? c.cache.raw
        : this.d.results
          ? configFromRuntimeCache(this.d.results, c.cache.network, owner.containerId, owner.ifname)
          : null;
    if (!config) {
      const why = `IPAM DEL for ${c.name} not run: sriov-cni's cache keeps only ipam.type and the runtime's cache has no config for it`;
      this.d.log.error(why);
      return why;
    }
    try {
      this.d.ipamDel(ipamRequestFor(req, { ...owner, netns: '', config, paths: req.paths }));
      return null;
    } catch (e) {
      this.d.log.error(`IPAM DEL for ${c.name}: ${(e as Error).message}`);
      return `IPAM DEL for ${c.name}: ${(e as Error).message}`;
    }
  }

  /** A vfnet attachment whose mirror cache is gone: sriov-cni's DEL ran for it (a swap back and forth). */
  deletedByPeer(record: AttachmentRecord): boolean {
    if (record.phase !== 'added' || record.sriovCniMirror !== true) return false;
    const c = this.readOrDamaged(record.containerId, record.ifname);
    // A damaged mirror is still there: sriov-cni's DEL would have removed it.
    if (c instanceof DamagedCacheError) return false;
    return !c || c.cache.pci !== record.vf.pci;
  }

  /**
   * Forgets such an attachment without touching the VF: sriov-cni restored it already, and it may
   * have given the VF to a new pod since.
   */
  dropDeleted(record: AttachmentRecord): void {
    this.d.log.info(
      `${record.containerId}/${record.ifname} on VF ${record.vf.pci} was deleted by sriov-cni; dropping vfnet's record and claim`,
    );
    const claim = this.d.records.readClaim(record.vf.pci);
    if (claim && ownsClaim(claim, record.containerId, record.ifname)) this.d.records.removeClaim(record.vf.pci);
    this.d.records.removeAttachment(record.containerId, record.ifname);
    this.dropMarker(record.vf.pci, record.netns);
  }

  /** After a vfnet ADD: sriov-cni's cache and marker for it, so the Go plugin's DEL can undo it. */
  mirror(record: AttachmentRecord, config: Record<string, unknown>, pfMtu: number | null): void {
    const o = record.original;
    this.d.state.writeCache(
      record.containerId,
      record.ifname,
      renderCache({
        config,
        pci: record.vf.pci,
        pf: record.vf.pf,
        vfIndex: record.vf.index,
        ifname: record.ifname,
        dpdk: record.vf.dpdk,
        configured: record.configured,
        original: o.pf,
        netdev: o.netdev,
        pfMtu,
        owner: { containerId: record.containerId, ifname: record.ifname },
      }),
    );
    this.d.state.writeMarker(record.vf.pci, record.netns);
  }

  /** After any release of a vfnet attachment: its mirror goes too. */
  forget(record: AttachmentRecord): void {
    try {
      const c = this.readOrDamaged(record.containerId, record.ifname);
      // A damaged mirror: vfnet's own record restored the VF; the file is kept aside.
      if (c instanceof DamagedCacheError) {
        this.damaged.setAside(c);
        this.dropMarker(record.vf.pci, record.netns);
      } else if (c && c.cache.pci === record.vf.pci) this.forgetCache(c, record.netns);
      else this.dropMarker(record.vf.pci, record.netns);
    } catch (e) {
      this.d.log.error(
        `cannot remove sriov-cni's cache or marker of ${record.containerId}/${record.ifname}: ${(e as Error).message}`,
      );
    }
  }

  private forgetCache(c: NamedCache, netns: string): void {
    this.d.state.removeCache(c.name);
    this.dropMarker(c.cache.pci, netns);
  }

  /** The marker goes when it names this attachment's netns, or a netns that no longer exists. */
  private dropMarker(pci: string, netns: string): void {
    const marker = this.d.state.readMarker(pci);
    if (marker === null) return;
    if (marker === netns || marker === '' || !this.d.links.netnsExists(marker)) this.d.state.removeMarker(pci);
  }

  /** Another attachment holds the VF now: a vfnet claim, or a sriov-cni marker on a live netns. */
  private ownedElsewhere(pci: string, containerId: string, ifname: string, netns: string): boolean {
    const claim = this.d.records.readClaim(pci);
    if (claim && !ownsClaim(claim, containerId, ifname) && claim.netns && this.d.links.netnsExists(claim.netns)) {
      const holder = this.d.records.readAttachmentSafe(claim.containerId, claim.ifname);
      if (!holder || !this.deletedByPeer(holder)) return true;
      this.dropDeleted(holder);
    }
    const marker = this.d.state.readMarker(pci);
    return marker !== null && marker !== '' && marker !== netns && this.d.links.netnsExists(marker);
  }

  /** One attachment's cache; null when absent or unreadable (logged: it is never deleted). */
  private read(containerId: string, ifname: string): NamedCache | null {
    const c = this.readOrDamaged(containerId, ifname);
    if (!(c instanceof DamagedCacheError)) return c;
    this.d.log.warning(`${c.message}; leaving it in place`);
    return null;
  }

  /** One attachment's cache, null when absent, or why it cannot be read. */
  private readOrDamaged(containerId: string, ifname: string): NamedCache | DamagedCacheError | null {
    try {
      const cache = this.d.state.readCache(containerId, ifname);
      return cache ? { name: `${containerId}-${ifname}`, cache } : null;
    } catch (e) {
      if (e instanceof DamagedCacheError) return e;
      throw e;
    }
  }
}
