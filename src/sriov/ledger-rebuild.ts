// The ledger checked against the record files before anything is handed out. A ledger that was
// deleted, emptied or recreated while attachments exist would otherwise let ADD give their VFs
// to another container (a DPDK VF shows nothing in sysfs that says it is held): each record
// without its claim gets the claim back, carrying the record as the ledger's copy. The check is
// one directory listing and one query when nothing is missing, so it runs on every ADD and GC.
import type { Logger } from '../host/log.js';
import { DamagedRecordError, ownsClaim, type Records, recordName } from './records.js';
import type { VfLocks } from './vf-locks.js';

export class LedgerRebuild {
  constructor(
    private readonly records: Records,
    private readonly locks: VfLocks,
    private readonly log: Logger,
  ) {}

  /** Restores the claims (and copies) the ledger lacks; returns how many it wrote. */
  run(): number {
    const claims = this.records.allClaims();
    const withCopy = new Set(claims.filter((c) => c.record).map((c) => recordName(c.containerId, c.ifname)));
    const missing = this.records.attachmentNames().filter((n) => !withCopy.has(n));
    let rebuilt = 0;
    for (const name of missing) {
      const record = this.readQuietly(name);
      if (!record || record.phase === 'released') continue;
      // Under the VF's lock, so a DEL that is removing this record cannot see its claim come back.
      const lock = this.locks.vf(record.vf.pci);
      try {
        const now = this.readQuietly(name);
        if (!now || now.createdAt !== record.createdAt) continue;
        const claim = this.records.readClaim(now.vf.pci);
        if (claim && !ownsClaim(claim, now.containerId, now.ifname)) {
          // A newer ADD holds the VF (this record's netns died and its VF was reclaimed): the
          // ledger is right, and the stale record goes when its DEL or GC comes.
          this.log.warning(
            `ledger check: ${this.records.dir}/${name} names VF ${now.vf.pci}, which ${claim.containerId}/${claim.ifname} holds; left to its DEL or GC`,
          );
          continue;
        }
        this.records.writeCopy(now, claim?.at);
        rebuilt++;
        this.log.warning(
          claim
            ? `ledger check: the claim on VF ${now.vf.pci} had no copy of ${this.records.dir}/${name}; copied it to ${this.records.ledgerLocation}`
            : `ledger check: ${this.records.ledgerLocation} had no claim on VF ${now.vf.pci}, which ${this.records.dir}/${name} holds; rebuilt it from the record`,
        );
      } finally {
        lock.release();
      }
    }
    return rebuilt;
  }

  /** The record, or null when it is damaged: DEL, CHECK and GC report and settle those. */
  private readQuietly(name: string): ReturnType<Records['readByName']> {
    try {
      const r = this.records.readByName(name);
      // A record under another attachment's name is no proof of this one.
      return r && recordName(r.containerId, r.ifname) === name ? r : null;
    } catch (e) {
      if (e instanceof DamagedRecordError) return null;
      throw e;
    }
  }
}
