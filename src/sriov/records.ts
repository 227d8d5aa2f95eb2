// What the plugin remembers between calls, in the state directory:
//  - one attachment record per (containerID, ifname): the VF, what was configured, and the VF's
//    original state, written before the first change so any crash point can be undone;
//  - one claim per VF (the node-local ledger): who holds it, so a VF is never handed out twice
//    and an old DEL never resets a VF that a newer ADD owns.
import { CniCode, CniError, type CniResult } from '../cni/index.js';
import { HostError, type StateFiles, type VfConfig } from '../host/ports.js';
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
}

export interface VfClaim {
  pci: string;
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  at: string;
}

const recordName = (containerId: string, ifname: string) => `att-${containerId}-${ifname}.json`;
const claimName = (pci: string) => `vf-${pci}.json`;

function ioError(what: string, e: unknown): CniError {
  const errno = e instanceof HostError ? e.errno : null;
  return new CniError(CniCode.IoFailure, `cannot ${what}: ${(e as Error).message}${errno ? ` (${errno})` : ''}`);
}

export class Records {
  constructor(private readonly files: StateFiles) {}

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
      return this.files.readJson<VfClaim>(claimName(pci));
    } catch {
      // A torn claim protects nothing; treat it as absent (the VF lock still serialises).
      return null;
    }
  }

  writeClaim(c: VfClaim): void {
    try {
      this.files.writeJson(claimName(c.pci), c);
    } catch (e) {
      throw ioError(`record the claim on VF ${c.pci} in ${this.files.dir}`, e);
    }
  }

  removeClaim(pci: string): void {
    this.files.remove(claimName(pci));
  }

  allClaims(): VfClaim[] {
    return this.files.list('vf-').flatMap((name) => {
      try {
        const c = this.files.readJson<VfClaim>(name);
        return c ? [c] : [];
      } catch {
        return [];
      }
    });
  }
}

export function ownsClaim(c: VfClaim, containerId: string, ifname: string): boolean {
  return c.containerId === containerId && c.ifname === ifname;
}
