// Choosing the VF on this host, under locks: the one a deviceID names, the one `master` + `vf`
// names, or the first free one of a `master` PF. The choice ends with the VF's lock held and its
// claim in the ledger, so no other call can take it.
import { CniError, type CniRequest } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { HostPorts, Lock } from '../host/ports.js';
import type { SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import { type AttachmentRecord, ownsClaim, type Records, type VfClaim } from './records.js';
import { isUsable, listPfVfs, notUsable, resolveDevice, type VfRef } from './resolve.js';
import type { VfLocks } from './vf-locks.js';
import type { VfRestorer } from './vf-restorer.js';

/** What sriov-cni holds: consulted under the VF's lock before a VF is taken (SriovCniTakeover). */
export interface PeerGuard {
  /** Throws VfInUse when sriov-cni gives the VF to a live pod; true when it restored a VF left by a dead one. */
  guardAdd(vf: VfRef, req: CniRequest): boolean;
  /** The attachment was undone by sriov-cni's DEL (after a swap back), though vfnet's record remains. */
  deletedByPeer(record: AttachmentRecord): boolean;
  dropDeleted(record: AttachmentRecord): void;
}

/** The selectors that name a VF on this host; `physnet` needs the resource model to name a PF first. */
export type LocalSelector = Exclude<SriovConfig['selector'], { kind: 'physnet' }>;

export interface PickedVf {
  vf: VfRef;
  /** The VF's lock, for the caller to release when its command is done with the VF. */
  lock: Lock;
}

/** What the choice reads of the host: the VFs, whether an owner's namespace and process live, the time. */
export type VfPickerHost = Pick<HostPorts, 'sysfs' | 'links' | 'processTable' | 'clock'>;

export interface VfPickerOptions {
  userspaceDrivers: readonly string[];
  /** This process: its own ADD in progress never holds a VF against it. */
  pid: number;
}

export class VfPicker {
  constructor(
    private readonly host: VfPickerHost,
    private readonly records: Records,
    private readonly locks: VfLocks,
    private readonly restorer: VfRestorer,
    private readonly log: Logger,
    private readonly options: VfPickerOptions,
    private readonly peer: PeerGuard | null = null,
  ) {}

  /**
   * Chooses the VF and takes its lock and its claim for the attachment `req` names, of network
   * `network`. Records of dead owners whose VFs were given back on the way are appended to
   * `reclaimed`: their model claims are the caller's to release, once its own work is done.
   */
  pick(selector: LocalSelector, network: string, req: CniRequest, reclaimed: AttachmentRecord[]): PickedVf {
    if (selector.kind === 'master' && selector.vf === null) return this.pickFree(selector.pf, network, req, reclaimed);
    const { userspaceDrivers } = this.options;
    let vf: VfRef;
    if (selector.kind === 'deviceID') {
      vf = resolveDevice(this.host.sysfs, selector.pci, userspaceDrivers);
    } else {
      const all = listPfVfs(this.host.sysfs, 'master', selector.pf, userspaceDrivers);
      const found = all.find((v) => v.index === selector.vf);
      if (!found)
        throw new CniError(
          SriovCode.DeviceUnusable,
          `"vf": ${selector.vf} does not exist on ${selector.pf}, which has ${all.length} VFs`,
        );
      vf = found;
    }
    const lock = this.locks.vf(vf.pci);
    try {
      const holder = this.records.readClaim(vf.pci);
      if (this.heldByAnother(holder, req)) {
        throw new CniError(
          SriovCode.VfInUse,
          `VF ${vf.pci} (${vf.pf} VF ${vf.index}) is already in use`,
          `held by container ${holder.containerId} as ${holder.ifname} in ${holder.netns}`,
        );
      }
      this.reclaimIfStale(holder, req, reclaimed);
      const peerRestored = this.peer?.guardAdd(vf, req) ?? false;
      // Re-resolve under the lock: the previous holder's DEL may have just given the netdev back.
      const fresh =
        selector.kind === 'deviceID' || peerRestored ? resolveDevice(this.host.sysfs, vf.pci, userspaceDrivers) : vf;
      if (!isUsable(fresh)) throw notUsable(fresh);
      this.writeClaim(network, req, fresh);
      return { vf: fresh, lock };
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Why an ADD with this selector could not get a VF now (for STATUS), or null when it could. */
  whyUnavailable(selector: LocalSelector, req: CniRequest): string | null {
    const { userspaceDrivers } = this.options;
    try {
      if (selector.kind === 'deviceID') {
        const vf = resolveDevice(this.host.sysfs, selector.pci, userspaceDrivers);
        return !isUsable(vf) && !this.heldByAnother(this.records.readClaim(vf.pci), req) ? notUsable(vf).message : null;
      }
      const vfs = listPfVfs(this.host.sysfs, 'master', selector.pf, userspaceDrivers).filter(
        (v) => selector.vf === null || v.index === selector.vf,
      );
      const free = vfs.filter((v) => isUsable(v) && !this.heldByAnother(this.records.readClaim(v.pci), req));
      return free.length === 0 ? `no free VF on ${selector.pf}` : null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** A claim protects its VF while its owner's namespace lives (or the owner is still adding). */
  heldByAnother(claim: VfClaim | null, req: CniRequest): claim is VfClaim {
    if (!claim || ownsClaim(claim, req.containerId, req.ifname)) return false;
    const owner = this.records.readAttachmentSafe(claim.containerId, claim.ifname);
    if (owner && this.peer?.deletedByPeer(owner)) return false;
    if (claim.netns && this.host.links.netnsExists(claim.netns)) return true;
    // The owner's namespace is gone; so is the owner, unless its attachment record says otherwise.
    return (
      owner !== null &&
      owner.phase === 'adding' &&
      owner.pid !== this.options.pid &&
      this.host.processTable.alive(owner.pid)
    );
  }

  /** The first free VF of the PF, chosen under the PF's lock so that two ADDs never pick the same one. */
  private pickFree(pf: string, network: string, req: CniRequest, reclaimed: AttachmentRecord[]): PickedVf {
    const { userspaceDrivers } = this.options;
    const pfLock = this.locks.pf(pf);
    try {
      const vfs = listPfVfs(this.host.sysfs, 'master', pf, userspaceDrivers);
      let inUse = 0;
      for (const vf of vfs) {
        const holder = this.records.readClaim(vf.pci);
        if (this.heldByAnother(holder, req)) {
          inUse++;
          continue;
        }
        const lock = this.locks.tryVf(vf.pci);
        if (!lock) {
          inUse++;
          continue;
        }
        try {
          this.reclaimIfStale(holder, req, reclaimed);
          let peerRestored: boolean;
          try {
            peerRestored = this.peer?.guardAdd(vf, req) ?? false;
          } catch (e) {
            if (!(e instanceof CniError) || e.code !== SriovCode.VfInUse) throw e;
            lock.release();
            inUse++;
            continue;
          }
          const fresh =
            holder || peerRestored
              ? (listPfVfs(this.host.sysfs, 'master', pf, userspaceDrivers).find((v) => v.pci === vf.pci) ?? vf)
              : vf;
          if (!isUsable(fresh)) {
            lock.release();
            inUse++;
            continue;
          }
          this.writeClaim(network, req, fresh);
          return { vf: fresh, lock };
        } catch (e) {
          lock.release();
          throw e;
        }
      }
      throw new CniError(
        SriovCode.NoFreeVf,
        `no free VF on ${pf}: all ${vfs.length} VFs are in use (${inUse} held)`,
        'release one (delete a container using it) or create more VFs (sriov_numvfs)',
      );
    } finally {
      pfLock.release();
    }
  }

  /**
   * A claim whose owner is gone (its namespace died and no DEL came) still has the VF configured
   * for that owner: give it back first, from the owner's record, so the next owner starts from
   * the VF's original state and the late DEL, finding no record, leaves the VF alone.
   */
  private reclaimIfStale(holder: VfClaim | null, req: CniRequest, reclaimed: AttachmentRecord[]): void {
    if (!holder || ownsClaim(holder, req.containerId, req.ifname)) return;
    const record = this.records.readAttachmentSafe(holder.containerId, holder.ifname);
    if (record && this.peer?.deletedByPeer(record)) {
      this.peer.dropDeleted(record);
      if (record.model) reclaimed.push(record);
    } else if (record) {
      this.log.warning(
        `VF ${holder.pci} was left by ${holder.containerId}/${holder.ifname} (namespace gone, no DEL); restoring it first`,
      );
      this.restorer.release(record, '');
      if (record.model) reclaimed.push(record);
    } else {
      this.records.removeClaim(holder.pci);
    }
  }

  private writeClaim(network: string, req: CniRequest, vf: VfRef): void {
    this.records.writeClaim({
      pci: vf.pci,
      network,
      containerId: req.containerId,
      ifname: req.ifname,
      netns: req.netns,
      at: new Date(this.host.clock.now()).toISOString(),
    });
  }
}
