// What the plugin remembers between calls:
//  - one attachment record per (containerID, ifname), in the state directory: the VF, what was
//    configured, and the VF's original state, written before the first change so any crash point
//    can be undone;
//  - one claim per VF, in the node's ledger (the embedded store): who holds it, so a VF is never
//    handed out twice and an old DEL never resets a VF that a newer ADD owns. The claim carries a
//    second copy of the record, written with it, so losing either the file or the ledger loses
//    nothing; a file that cannot be read is kept aside under a name that says so, never deleted.
import { CniCode, CniError, type CniResult } from '../cni/index.js';
import { HostError, type StateFiles, type VfConfig } from '../host/ports.js';
import type { VfClaim, VfLedger } from '../store/vf-ledger.js';
import type { configuredSettings } from './config.js';
import { SriovCode } from './errors.js';
import { parseRecord } from './record-check.js';
import type { VfRef } from './resolve.js';

export const RECORD_SCHEMA = 1;

export interface OriginalState {
  /** PF-level settings before ADD. */
  pf: VfConfig;
  /** The VF netdev before ADD (null in DPDK mode). */
  netdev: { name: string; mac: string; mtu: number; up: boolean } | null;
}

export interface AttachmentRecord {
  schema: number;
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  vf: VfRef;
  configured: ReturnType<typeof configuredSettings>;
  original: OriginalState;
  ipamType: string | null;
  /**
   * 'adding' until ADD has fully succeeded; a record left in 'adding' is a crashed ADD.
   * 'released': DEL gave the VF back but the IPAM plugin failed; a retried DEL runs only IPAM.
   */
  phase: 'adding' | 'added' | 'released';
  result: CniResult | null;
  pid: number;
  createdAt: string;
  /** Set when the VF was claimed in the resource model (`physnet`): where, and as whom. */
  model?: { url: string; consumer: string } | null;
  /** /proc/sys/kernel/random/boot_id at ADD: a record of another boot is settled by the sweeper. */
  bootId?: string | null;
  /** The network config and CNI_PATH of the ADD, so the sweeper can run IPAM DEL with them. */
  delegate?: { config: Record<string, unknown>; paths: string[] } | null;
  /** sriov-cni's cache and marker were written for it: when that cache is gone, sriov-cni's DEL ran. */
  sriovCniMirror?: boolean;
}

export type { VfClaim };

export const recordName = (containerId: string, ifname: string) => `att-${containerId}-${ifname}.json`;

/** Attachment records are `att-*.json`; `att-*.json.damaged-*` are records kept aside. */
const isRecordName = (name: string) => name.startsWith('att-') && name.endsWith('.json');
export const DAMAGED_MARK = '.damaged-';

function ioError(what: string, e: unknown): CniError {
  const errno = e instanceof HostError ? e.errno : null;
  return new CniError(CniCode.IoFailure, `cannot ${what}: ${(e as Error).message}${errno ? ` (${errno})` : ''}`);
}

/** A record file that is not a record (truncated, not JSON, the wrong shape): named, with why. */
export class DamagedRecordError extends CniError {
  constructor(
    /** The file's name in the state directory. */
    readonly file: string,
    readonly path: string,
    readonly why: string,
  ) {
    super(SriovCode.RecordDamaged, `attachment record ${path} is damaged: ${why}`);
  }
}

/** A damaged record file, kept aside: what it said (as far as it can be read) and where it is now. */
export interface DamagedAside {
  error: DamagedRecordError;
  /** Its new name; null when another call moved it first. */
  aside: string | null;
  /** Its bytes, read before the move. */
  text: string | null;
}

/**
 * An attachment's record: from its file, or from the ledger's copy when the file is gone or
 * damaged (then `damaged` says so); `record` is null when the file was damaged and no copy exists.
 */
export interface FoundRecord {
  record: AttachmentRecord | null;
  /** 'foreign': another plugin's record (sriov-cni's cache), through PluginOptions.foreignRecords. */
  source: 'file' | 'ledger' | 'foreign' | 'none';
  damaged: DamagedAside | null;
}

export interface RecordsOptions {
  /** The time, for the names damaged records are kept under. */
  now?: () => number;
  /** Told each time a damaged record is kept aside: `aside` is its new name. */
  onDamaged?: (e: DamagedRecordError, aside: string | null) => void;
}

export class Records {
  constructor(
    private readonly files: StateFiles,
    private readonly ledger: VfLedger,
    private readonly options: RecordsOptions = {},
  ) {}

  get dir(): string {
    return this.files.dir;
  }

  /** The record file, checked; null when there is none. Throws DamagedRecordError for a file that is not a record. */
  readAttachment(containerId: string, ifname: string): AttachmentRecord | null {
    return this.readByName(recordName(containerId, ifname));
  }

  /** A record file by its name in the state directory; as readAttachment. */
  readByName(name: string): AttachmentRecord | null {
    let text: string | null;
    try {
      text = this.files.readText(name);
    } catch (e) {
      throw ioError(`read the attachment record ${name} in ${this.files.dir}`, e);
    }
    if (text === null) return null;
    const parsed = parseRecord<AttachmentRecord>(text);
    if ('why' in parsed) throw new DamagedRecordError(name, `${this.files.dir}/${name}`, parsed.why);
    return parsed.record;
  }

  /** The damaged file's bytes, for what can still be read out of them. */
  rawText(name: string): string | null {
    try {
      return this.files.readText(name);
    } catch {
      return null;
    }
  }

  /**
   * The attachment's record: its file, else the ledger's copy. A damaged file is kept aside
   * first (onDamaged says where), so nothing after this can delete it by removing the record.
   */
  find(containerId: string, ifname: string): FoundRecord | null {
    let damaged: DamagedAside | null = null;
    try {
      const record = this.readAttachment(containerId, ifname);
      if (record) return { record, source: 'file', damaged: null };
    } catch (e) {
      if (!(e instanceof DamagedRecordError)) throw e;
      const text = this.rawText(e.file);
      damaged = { error: e, text, aside: this.setAside(e) };
    }
    const copy = this.ledgerCopy(containerId, ifname);
    if (copy) return { record: copy, source: 'ledger', damaged };
    return damaged ? { record: null, source: 'none', damaged } : null;
  }

  /** As find, for decisions that can go on without it: an unreadable ledger counts as no copy. */
  readAttachmentSafe(containerId: string, ifname: string): AttachmentRecord | null {
    try {
      return this.find(containerId, ifname)?.record ?? null;
    } catch {
      return null;
    }
  }

  /** Renames a damaged record to `<name>.damaged-<time>`; returns the new name (null when it was gone). */
  setAside(e: DamagedRecordError): string | null {
    const stamp = new Date((this.options.now ?? Date.now)()).toISOString().replace(/[-:]/g, '');
    const aside = `${e.file}${DAMAGED_MARK}${stamp}`;
    let moved: boolean;
    try {
      moved = this.files.rename(e.file, aside);
    } catch (err) {
      throw ioError(`keep the damaged record ${e.path} aside`, err);
    }
    this.options.onDamaged?.(e, moved ? aside : null);
    return moved ? aside : null;
  }

  /** The copy of the attachment's record the ledger keeps with its claim; null when none is readable. */
  ledgerCopy(containerId: string, ifname: string): AttachmentRecord | null {
    for (const c of this.allClaims()) {
      if (!ownsClaim(c, containerId, ifname)) continue;
      const copy = claimRecord(c);
      if (copy && copy.vf.pci === c.pci) return copy;
    }
    return null;
  }

  /**
   * The file first, then the ledger's copy with the claim: each write is atomic on its own, and
   * whichever survives a crash or a damaged disk has everything DEL restores. A record whose VF
   * is already given back ('released') holds no claim and needs no copy.
   */
  writeAttachment(r: AttachmentRecord): void {
    try {
      this.files.writeJson(recordName(r.containerId, r.ifname), r);
    } catch (e) {
      throw ioError(`write the attachment record in ${this.files.dir}`, e);
    }
    if (r.phase !== 'released') this.writeCopy(r);
  }

  /** The claim of the record's VF, carrying the record (the ledger's second copy). */
  writeCopy(r: AttachmentRecord, at?: string): void {
    this.writeClaim({
      pci: r.vf.pci,
      network: r.network,
      containerId: r.containerId,
      ifname: r.ifname,
      netns: r.netns,
      at: at ?? r.createdAt,
      record: JSON.stringify(r),
    });
  }

  removeAttachment(containerId: string, ifname: string): void {
    this.files.remove(recordName(containerId, ifname));
  }

  /** Names of every record file (damaged ones included, those kept aside not). */
  attachmentNames(): string[] {
    return this.files.list('att-').filter(isRecordName);
  }

  /** Every attachment record file; damaged ones are reported through `onCorrupt` and skipped. */
  allAttachments(onCorrupt: (name: string, e: unknown) => void): AttachmentRecord[] {
    const out: AttachmentRecord[] = [];
    for (const name of this.attachmentNames()) {
      try {
        const r = this.readByName(name);
        if (r) out.push(r);
      } catch (e) {
        onCorrupt(name, e);
      }
    }
    return out;
  }

  /** Records kept aside because they were damaged. */
  damagedNames(): string[] {
    return this.files.list('att-').filter((n) => n.includes(DAMAGED_MARK));
  }

  readClaim(pci: string): VfClaim | null {
    try {
      return this.ledger.read(pci);
    } catch (e) {
      throw ioError(`read the claim on VF ${pci} from ${this.ledger.location}`, e);
    }
  }

  writeClaim(c: VfClaim): void {
    try {
      this.ledger.write(c);
    } catch (e) {
      throw ioError(`record the claim on VF ${c.pci} in ${this.ledger.location}`, e);
    }
  }

  removeClaim(pci: string): void {
    try {
      this.ledger.remove(pci);
    } catch (e) {
      throw ioError(`remove the claim on VF ${pci} from ${this.ledger.location}`, e);
    }
  }

  allClaims(): VfClaim[] {
    try {
      return this.ledger.all();
    } catch (e) {
      throw ioError(`read the claims from ${this.ledger.location}`, e);
    }
  }

  get ledgerLocation(): string {
    return this.ledger.location;
  }
}

/** The record a claim carries, checked; null when it carries none or a damaged one. */
export function claimRecord(c: VfClaim): AttachmentRecord | null {
  if (!c.record) return null;
  const parsed = parseRecord<AttachmentRecord>(c.record);
  return 'record' in parsed && ownsClaim(c, parsed.record.containerId, parsed.record.ifname) ? parsed.record : null;
}

export function ownsClaim(c: VfClaim, containerId: string, ifname: string): boolean {
  return c.containerId === containerId && c.ifname === ifname;
}
