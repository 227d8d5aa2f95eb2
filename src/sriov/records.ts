// What the plugin remembers between calls:
//  - one attachment record per (containerID, ifname), in the state directory: the VF, what was
//    configured, and the VF's original state, written before the first change so any crash point
//    can be undone;
//  - one claim per VF, in the node's ledger (the embedded store): who holds it, so a VF is never
//    handed out twice and an old DEL never resets a VF that a newer ADD owns.
import { CniCode, CniError, type CniResult } from '../cni/index.js';
import { HostError, type StateFiles, type VfConfig } from '../host/ports.js';
import type { VfClaim, VfLedger } from '../store/vf-ledger.js';
import type { configuredSettings } from './config.js';
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
  /** 'adding' until ADD has fully succeeded; a record left in 'adding' is a crashed ADD. */
  phase: 'adding' | 'added';
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

const recordName = (containerId: string, ifname: string) => `att-${containerId}-${ifname}.json`;

function ioError(what: string, e: unknown): CniError {
  const errno = e instanceof HostError ? e.errno : null;
  return new CniError(CniCode.IoFailure, `cannot ${what}: ${(e as Error).message}${errno ? ` (${errno})` : ''}`);
}

export class Records {
  constructor(
    private readonly files: StateFiles,
    private readonly ledger: VfLedger,
  ) {}

  readAttachment(containerId: string, ifname: string): AttachmentRecord | null {
    return this.files.readJson<AttachmentRecord>(recordName(containerId, ifname));
  }

  /** As readAttachment, but an unreadable record counts as absent. */
  readAttachmentSafe(containerId: string, ifname: string): AttachmentRecord | null {
    try {
      return this.readAttachment(containerId, ifname);
    } catch {
      return null;
    }
  }

  writeAttachment(r: AttachmentRecord): void {
    try {
      this.files.writeJson(recordName(r.containerId, r.ifname), r);
    } catch (e) {
      throw ioError(`write the attachment record in ${this.files.dir}`, e);
    }
  }

  removeAttachment(containerId: string, ifname: string): void {
    this.files.remove(recordName(containerId, ifname));
  }

  /** Every attachment record; unreadable ones are reported through `onCorrupt` and skipped. */
  allAttachments(onCorrupt: (name: string, e: unknown) => void): AttachmentRecord[] {
    const out: AttachmentRecord[] = [];
    for (const name of this.files.list('att-')) {
      try {
        const r = this.files.readJson<AttachmentRecord>(name);
        if (r) out.push(r);
      } catch (e) {
        onCorrupt(name, e);
      }
    }
    return out;
  }

  removeByName(name: string): void {
    this.files.remove(name);
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
}

export function ownsClaim(c: VfClaim, containerId: string, ifname: string): boolean {
  return c.containerId === containerId && c.ifname === ifname;
}
