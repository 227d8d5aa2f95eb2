// The sweeper: what nobody GCs. Multus never forwards GC to a secondary network, runtimes lose
// DELs, kubelet gives up, nodes reboot. An attachment whose netns is gone, whose VF came home
// without a DEL, or that was made in a previous boot has its VF restored exactly (from its record,
// or from sriov-cni's cache), its claims released (ledger and model) and its addresses given back
// (IPAM DEL with the config the ADD had). A live attachment is never touched: one whose VF lock is
// held (a command is working on it) or whose ADD is still running is left for the next sweep.
import type { CniRequest } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import { ipamRequestFor } from './ipam-request.js';
import type { ModelClaims } from './model-claims.js';
import { type AttachmentRecord, ownsClaim, type Records } from './records.js';
import { cacheHints } from './sriov-cni/damaged-cache.js';
import { cacheOwner, type DamagedCacheError, type NamedCache, ownerOfName } from './sriov-cni/state.js';
import type { SriovCniTakeover } from './sriov-cni/takeover.js';
import type { VfLocks } from './vf-locks.js';
import type { VfRestorer } from './vf-restorer.js';

export interface SweptAttachment {
  /** Whose record it was: vfnet's own, or sriov-cni's cache. */
  source: 'vfnet' | 'sriov-cni';
  containerId: string;
  ifname: string;
  pci: string;
  netns: string;
  why: string;
  /** What could not be restored or released; empty when everything was. */
  errors: string[];
}

export interface SweepReport {
  swept: SweptAttachment[];
  /** Attachments judged live and left alone. */
  live: number;
  /** Stale-looking attachments left for the next sweep (their VF was busy), with why. */
  deferred: Array<{ containerId: string; ifname: string; pci: string; why: string }>;
}

export interface SweeperDeps {
  host: HostPorts;
  records: Records;
  locks: VfLocks;
  restorer: VfRestorer;
  modelClaims: ModelClaims;
  takeover: SriovCniTakeover | null;
  ipam(req: CniRequest): void;
  log: Logger;
  pid: number;
}

const BOOT_ID = 'proc/sys/kernel/random/boot_id';

export class Sweeper {
  constructor(private readonly d: SweeperDeps) {}

  /** `env` and `paths` are the sweeper's own (for IPAM of records that did not keep a CNI_PATH). */
  async sweep(env: CniRequest['env'], paths: string[]): Promise<SweepReport> {
    const report: SweepReport = { swept: [], live: 0, deferred: [] };
    const base = { env, stderr: (t: string) => this.d.log.debug(t.trim()), paths };
    const bootId = this.d.host.sysfs.read(BOOT_ID);
    const records = this.d.records.allAttachments((name, e) =>
      this.d.log.warning(`sweep: cannot read ${name}: ${(e as Error).message}; left in place`),
    );
    for (const r of records) {
      const why = this.whyStale(r, bootId);
      if (!why) {
        report.live++;
        continue;
      }
      const swept = this.settleRecord(r, why, base);
      if ('deferred' in swept)
        report.deferred.push({ containerId: r.containerId, ifname: r.ifname, pci: r.vf.pci, why: swept.deferred });
      else if (swept.done) {
        report.swept.push(swept.done);
        if (r.model)
          await this.d.modelClaims.release(r).catch((e: Error) => swept.done!.errors.push(`model claim: ${e.message}`));
      }
    }
    if (this.d.takeover) this.sweepPeer(this.d.takeover, report, base);
    for (const s of report.swept) {
      const tail = s.errors.length ? `; not restored: ${s.errors.join('; ')}` : '';
      this.d.log.info(
        `sweep: released VF ${s.pci} of ${s.source} attachment ${s.containerId}/${s.ifname} (${s.why})${tail}`,
      );
    }
    return report;
  }

  /** Why a vfnet attachment is one nobody will DEL, or null when it may still be live. */
  private whyStale(r: AttachmentRecord, bootId: string | null): string | null {
    const { links, sysfs, processTable } = this.d.host;
    if (r.bootId && bootId && r.bootId !== bootId) return `made in a previous boot (${r.bootId})`;
    if (r.phase === 'adding') {
      // An ADD in progress is live; one whose process died is not.
      if (r.pid !== this.d.pid && processTable.alive(r.pid)) return null;
      return `its ADD (pid ${r.pid}) died before it finished`;
    }
    if (this.d.takeover?.deletedByPeer(r)) return "sriov-cni's DEL undid it (its cache is gone)";
    if (!r.netns || !links.netnsExists(r.netns)) return `its netns ${r.netns || '(none)'} is gone`;
    if (!r.vf.dpdk) {
      const inHost = sysfs.list(`sys/bus/pci/devices/${r.vf.pci}/net`)?.[0] ?? null;
      if (inHost && !links.get(r.netns, r.ifname)) return `its VF came home as ${inHost} without a DEL`;
    }
    return null;
  }

  private settleRecord(
    r: AttachmentRecord,
    why: string,
    base: Pick<CniRequest, 'env' | 'stderr' | 'paths'>,
  ): { done: SweptAttachment | null } | { deferred: string } {
    const lock = this.d.locks.tryVf(r.vf.pci);
    if (!lock) return { deferred: `${why}; VF ${r.vf.pci} is locked by a running command` };
    try {
      // Judged before the lock: only the very record judged, still stale, is settled.
      const now = this.d.records.readAttachmentSafe(r.containerId, r.ifname);
      if (!now || now.createdAt !== r.createdAt) return { done: null };
      const errors: string[] = [];
      if (r.ipamType && r.delegate) {
        try {
          this.d.ipam(
            ipamRequestFor(base, {
              containerId: r.containerId,
              ifname: r.ifname,
              netns: '',
              config: r.delegate.config,
              paths: r.delegate.paths.length ? r.delegate.paths : base.paths,
            }),
          );
        } catch (e) {
          errors.push(`IPAM DEL (${r.ipamType}): ${(e as Error).message}`);
        }
      } else if (r.ipamType) {
        errors.push(
          `IPAM DEL (${r.ipamType}) not run: the record keeps no network config (written before the sweeper existed)`,
        );
      }
      const claim = this.d.records.readClaim(r.vf.pci);
      if (this.d.takeover?.deletedByPeer(now)) {
        this.d.takeover.dropDeleted(now);
      } else if (claim && !ownsClaim(claim, r.containerId, r.ifname)) {
        // A newer attachment holds the VF: only the stale record goes.
        this.d.records.removeAttachment(r.containerId, r.ifname);
      } else {
        errors.push(...this.d.restorer.release(r, ''));
      }
      return {
        done: {
          source: 'vfnet',
          containerId: r.containerId,
          ifname: r.ifname,
          pci: r.vf.pci,
          netns: r.netns,
          why,
          errors,
        },
      };
    } finally {
      lock.release();
    }
  }

  /** Go-made attachments (after a takeover) whose pod is gone; and mirrors left without a record. */
  private sweepPeer(
    takeover: SriovCniTakeover,
    report: SweepReport,
    base: Pick<CniRequest, 'env' | 'stderr' | 'paths'>,
  ): void {
    const { links, sysfs } = this.d.host;
    const state = takeover.stateView();
    const damaged: DamagedCacheError[] = [];
    const caches = state.allCaches((_, e) => damaged.push(e));
    for (const e of damaged) this.sweepDamaged(takeover, e, report);
    for (const c of caches) {
      const owner = cacheOwner(c);
      if (c.cache.vfnetOwner) {
        if (!this.d.records.readAttachmentSafe(owner.containerId, owner.ifname)) takeover.dropOrphanMirror(c);
        continue;
      }
      const marker = state.readMarker(c.cache.pci);
      const why = this.peerWhyStale(
        c,
        marker,
        links.netnsExists.bind(links),
        sysfs.list(`sys/bus/pci/devices/${c.cache.pci}/net`)?.[0] ?? null,
      );
      if (!why) {
        report.live++;
        continue;
      }
      let ipamError: string | null = null;
      const errors = takeover.settle(c, marker ?? '', {
        tryLock: true,
        before: () => {
          ipamError = takeover.ipamOfCache(c, base);
        },
      });
      if (errors && ipamError) errors.push(ipamError);
      if (!errors) {
        report.deferred.push({ ...owner, pci: c.cache.pci, why: `${why}; its VF is locked or its cache changed` });
        continue;
      }
      report.swept.push({ source: 'sriov-cni', ...owner, pci: c.cache.pci, netns: marker ?? '', why, errors });
    }
  }

  /**
   * A cache that cannot be read, whose pod is gone by the same signs as a readable one's: kept
   * aside, its VF reset to safe defaults. One that does not say enough is left to its DEL.
   */
  private sweepDamaged(takeover: SriovCniTakeover, e: DamagedCacheError, report: SweepReport): void {
    const { links, sysfs } = this.d.host;
    const state = takeover.stateView();
    const owner = ownerOfName(e.file);
    // vfnet's mirror of its own attachment: the record restores the VF exactly, and then the mirror goes aside.
    if (this.d.records.readAttachmentSafe(owner.containerId, owner.ifname)) return;
    const pci = cacheHints(e.text).pci;
    const marker = pci ? state.readMarker(pci) : null;
    const inHost = pci ? (sysfs.list(`sys/bus/pci/devices/${pci}/net`)?.[0] ?? null) : null;
    const why =
      marker && !links.netnsExists(marker)
        ? `its netns ${marker} is gone (sriov-cni's marker)`
        : !marker && inHost && !this.d.records.readClaim(pci!)
          ? `its VF came home as ${inHost} without a DEL (no marker)`
          : null;
    if (!pci || !why) {
      this.d.log.warning(`sweep: ${e.message}; its pod may be alive, left to its DEL`);
      report.live++;
      return;
    }
    const errors = takeover.settleDamaged(e, marker ?? '');
    report.swept.push({
      source: 'sriov-cni',
      ...owner,
      pci,
      netns: marker ?? '',
      why: `${why}; its cache ${state.dir}/${e.file} was damaged: kept aside, the VF reset to safe defaults`,
      errors,
    });
  }

  private peerWhyStale(
    c: NamedCache,
    marker: string | null,
    netnsExists: (p: string) => boolean,
    inHost: string | null,
  ): string | null {
    if (marker && !netnsExists(marker)) return `its netns ${marker} is gone (sriov-cni's marker)`;
    if (marker) return null;
    // sriov-cni before v2.6 writes no marker: a kernel-mode VF back in the host has lost its pod.
    if (c.cache.dpdk !== true && inHost) return `its VF came home as ${inHost} without a DEL (no marker)`;
    return null;
  }
}
