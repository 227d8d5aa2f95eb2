import { CniError, type CniRequest, validAttachments } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import type { SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import type { LedgerRebuild } from './ledger-rebuild.js';
import type { ModelClaims } from './model-claims.js';
import { attachmentKey, type RecordRecovery } from './record-recovery.js';
import { type AttachmentRecord, claimRecord, DamagedRecordError, type Records, recordName } from './records.js';
import type { SriovCniTakeover } from './sriov-cni/takeover.js';
import type { VfLocks } from './vf-locks.js';
import type { VfRestorer } from './vf-restorer.js';

export interface GarbageCollectorParts {
  host: HostPorts;
  records: Records;
  recovery: RecordRecovery;
  rebuild: LedgerRebuild;
  locks: VfLocks;
  restorer: VfRestorer;
  takeover: SriovCniTakeover | null;
  modelClaims: ModelClaims;
  /** Hands GC on to the IPAM plugin, when it speaks 1.1.0. */
  forwardIpam: (req: CniRequest) => void;
  log: Logger;
}

export class GarbageCollector {
  private readonly host: HostPorts;
  private readonly records: Records;
  private readonly recovery: RecordRecovery;
  private readonly rebuild: LedgerRebuild;
  private readonly locks: VfLocks;
  private readonly restorer: VfRestorer;
  private readonly takeover: SriovCniTakeover | null;
  private readonly modelClaims: ModelClaims;
  private readonly forwardIpam: (req: CniRequest) => void;
  private readonly log: Logger;

  constructor(parts: GarbageCollectorParts) {
    this.host = parts.host;
    this.records = parts.records;
    this.recovery = parts.recovery;
    this.rebuild = parts.rebuild;
    this.locks = parts.locks;
    this.restorer = parts.restorer;
    this.takeover = parts.takeover;
    this.modelClaims = parts.modelClaims;
    this.forwardIpam = parts.forwardIpam;
    this.log = parts.log;
  }

  gc(req: CniRequest, config: SriovConfig): void | Promise<void> {
    const listed = validAttachments(req.config);
    const valid = listed ? new Set(listed.map((a) => attachmentKey(a.containerID, a.ifname))) : null;
    const errors: string[] = [];
    const modelReleases: AttachmentRecord[] = [];
    if (valid) {
      this.rebuild.run();
      const damaged: DamagedRecordError[] = [];
      const records = this.records.allAttachments((name, e) => {
        if (e instanceof DamagedRecordError) damaged.push(e);
        else this.log.warning(`GC: cannot read ${name}: ${(e as Error).message}`);
      });
      // Attachments whose file is gone but whose record the ledger still carries.
      const onFile = new Set([
        ...records.map((r) => recordName(r.containerId, r.ifname)),
        ...damaged.map((d) => d.file),
      ]);
      for (const c of this.records.allClaims()) {
        const copy = claimRecord(c);
        if (copy && !onFile.has(recordName(copy.containerId, copy.ifname))) records.push(copy);
      }
      for (const d of damaged) {
        const settled = this.recovery.settleForGc(d, config.name, valid);
        errors.push(...settled.errors);
        modelReleases.push(...settled.released);
      }
      for (const r of records) {
        if (r.network !== config.name || valid.has(attachmentKey(r.containerId, r.ifname))) continue;
        const lock = this.locks.vf(r.vf.pci);
        try {
          this.log.info(`GC: releasing VF ${r.vf.pci} of stale attachment ${r.containerId}/${r.ifname}`);
          errors.push(...this.restorer.release(r, r.netns));
          if (r.model && r.phase !== 'released') modelReleases.push(r);
        } finally {
          lock.release();
        }
      }
      if (this.takeover) errors.push(...this.takeover.gc(config.name, (c, i) => valid.has(attachmentKey(c, i))));
    }
    const swept = this.host.state.sweepAbandoned((pid) => this.host.processTable.alive(pid));
    if (swept) this.log.info(`GC: removed ${swept} temporary file(s) of killed writes`);
    // Claims without a record were left by an ADD that died before it wrote anything: nothing
    // was changed, so only the claim goes, once its attachment is not valid (or, without a
    // list, once its namespace is gone).
    for (const c of this.records.allClaims()) {
      if (c.network !== config.name) continue;
      if (this.records.readAttachmentSafe(c.containerId, c.ifname)) continue;
      const stillValid = valid
        ? valid.has(attachmentKey(c.containerId, c.ifname))
        : Boolean(c.netns && this.host.links.netnsExists(c.netns));
      if (stillValid) continue;
      this.records.removeClaim(c.pci);
    }
    if (config.ipamType) this.forwardIpam(req);
    if (errors.length)
      throw new CniError(
        SriovCode.NetdevFailed,
        'GC released stale attachments, but not everything could be restored',
        errors.join('; '),
      );
    const model = listed ? this.modelClaims.modelFor(config) : null;
    if (!modelReleases.length && !model) return;
    return (async () => {
      for (const r of modelReleases) await this.modelClaims.release(r);
      if (model && listed) await this.modelClaims.collect(config, model, listed);
    })();
  }
}
