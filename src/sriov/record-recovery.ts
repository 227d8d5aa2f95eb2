// Settling attachments whose record file is damaged. The file is kept aside (never deleted) and
// the VF is given back from the ledger's copy; with no copy, the VF named by the ledger's claim
// or by what is left of the file is reset to safe defaults. GC repairs the file of an attachment
// it was told is valid from the copy, and otherwise leaves it alone.
import { CniError } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { Sysfs } from '../host/ports.js';
import { SriovCode } from './errors.js';
import type { ForeignRecords } from './foreign-records.js';
import { type RecordHints, recordHints } from './record-check.js';
import {
  type AttachmentRecord,
  claimRecord,
  type DamagedAside,
  DamagedRecordError,
  ownsClaim,
  type Records,
  recordName,
} from './records.js';
import { resolveDevice, type VfRef } from './resolve.js';
import type { SafeDefaults } from './safe-defaults.js';
import type { VfLocks } from './vf-locks.js';
import type { VfRestorer } from './vf-restorer.js';

/** What GC was asked to keep: `containerID\0ifname` of each valid attachment. */
export type ValidSet = ReadonlySet<string>;
export const attachmentKey = (containerId: string, ifname: string) => `${containerId}\u0000${ifname}`;

export class RecordRecovery {
  constructor(
    private readonly records: Records,
    private readonly restorer: VfRestorer,
    private readonly safe: SafeDefaults,
    private readonly locks: VfLocks,
    private readonly sysfs: Sysfs,
    private readonly log: Logger,
    private readonly userspaceDrivers: readonly string[],
  ) {}

  /**
   * The attachment's record was damaged and no copy survives: reset its VF (the one the ledger's
   * claim names, else the one the file's remains name) to safe defaults. Returns what failed.
   */
  resetUnrecorded(damaged: DamagedAside, containerId: string, ifname: string, netns: string): string[] {
    const hints: RecordHints = { ...recordHints(damaged.text ?? '') };
    hints.ifname ??= ifname;
    hints.netns ??= netns || null;
    const claim = this.records.allClaims().find((c) => ownsClaim(c, containerId, ifname));
    const pci = claim?.pci ?? hints.pci;
    const file = damaged.aside ?? damaged.error.file;
    if (!pci) {
      this.log.error(
        `${this.records.dir}/${file}: neither it nor the ledger says which VF ${containerId}/${ifname} had; nothing reset`,
      );
      return [];
    }
    let vf: VfRef;
    try {
      vf = resolveDevice(this.sysfs, pci, this.userspaceDrivers);
    } catch (e) {
      this.log.error(`${this.records.dir}/${file} names VF ${pci}: ${(e as Error).message}; nothing reset`);
      return [];
    }
    const lock = this.locks.vf(pci);
    try {
      const holder = this.records.readClaim(pci);
      if (holder && !ownsClaim(holder, containerId, ifname)) {
        this.log.warning(
          `VF ${pci} of damaged ${file} now belongs to ${holder.containerId}/${holder.ifname}; left alone`,
        );
        return [];
      }
      this.log.warning(
        `${this.records.dir}/${file}: no other copy of the record of ${containerId}/${ifname}; resetting VF ${pci} to safe defaults`,
      );
      const errors = this.safe.reset(vf, hints);
      if (holder) this.records.removeClaim(pci);
      return errors;
    } finally {
      lock.release();
    }
  }

  /**
   * GC's share: a damaged record of this network is kept aside and its VF given back, unless
   * its attachment is valid, whose file is rewritten from the ledger's copy (or left as it is).
   * A record whose network cannot be told is another network's GC or its DEL's. Returns what
   * failed, and the records whose model claims are the caller's to release.
   */
  settleForGc(
    e: DamagedRecordError,
    network: string,
    valid: ValidSet,
  ): { errors: string[]; released: AttachmentRecord[] } {
    const none = { errors: [], released: [] };
    const text = this.records.rawText(e.file);
    const hints = recordHints(text ?? '');
    const copy =
      this.records
        .allClaims()
        .map(claimRecord)
        .find((r) => r !== null && recordName(r.containerId, r.ifname) === e.file) ?? null;
    const ids = copy ?? hints;
    const path = `${this.records.dir}/${e.file}`;
    if (!ids.network || !ids.containerId || !ids.ifname) {
      this.log.warning(`GC: ${e.message}; it does not say whose it is, so it is left for its DEL`);
      return none;
    }
    if (ids.network !== network) return none;
    if (valid.has(attachmentKey(ids.containerId, ids.ifname))) {
      if (!copy) {
        this.log.warning(
          `GC: ${e.message}; its attachment is valid and the ledger has no copy, so it is left as it is`,
        );
        return none;
      }
      const aside = this.records.setAside(e);
      this.records.writeAttachment(copy);
      this.log.warning(`GC: rewrote ${path} from the ledger's copy (the damaged file is kept as ${aside ?? 'gone'})`);
      return none;
    }
    const aside = this.records.setAside(e);
    if (!copy) {
      return {
        errors: this.resetUnrecorded({ error: e, aside, text }, ids.containerId, ids.ifname, ids.netns ?? ''),
        released: [],
      };
    }
    const lock = this.locks.vf(copy.vf.pci);
    try {
      this.log.info(
        `GC: releasing VF ${copy.vf.pci} of stale attachment ${copy.containerId}/${copy.ifname} from the ledger's copy of ${path}`,
      );
      return { errors: this.restorer.release(copy, copy.netns), released: copy.model ? [copy] : [] };
    } finally {
      lock.release();
    }
  }

  /** CHECK reads without repairing: a damaged file is error 106 naming it and saying whether a copy exists. */
  forCheck(containerId: string, ifname: string, foreign: ForeignRecords | undefined): AttachmentRecord | null {
    try {
      const own = this.records.readAttachment(containerId, ifname);
      if (own) return own;
    } catch (e) {
      if (!(e instanceof DamagedRecordError)) throw e;
      const copy = this.records.ledgerCopy(containerId, ifname);
      throw new CniError(
        SriovCode.RecordDamaged,
        `CHECK of ${containerId}/${ifname}: ${e.message}`,
        copy
          ? `the ledger ${this.records.ledgerLocation} has a good copy: CNI GC with this attachment valid rewrites the file from it`
          : 'no other copy exists: DEL resets the VF to safe defaults; ADD the container again',
      );
    }
    return this.records.ledgerCopy(containerId, ifname) ?? foreign?.find(containerId, ifname) ?? null;
  }
}
