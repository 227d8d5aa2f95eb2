// IPAM DEL, the last step of a teardown. Runtimes retry a failing DEL forever, so a failure is
// reported only when a retry has something to do: with a record, the VF is already back and a
// 'released' record is left so the retry runs IPAM alone; with none, it is logged and DEL succeeds.
import { CniCode, CniError, type CniRequest, type HandlerCommand, type PendingIpam } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import { SriovCode } from './errors.js';
import type { AttachmentRecord, Records } from './records.js';

export class AddressRelease {
  constructor(
    private readonly startIpam: (op: HandlerCommand, req: CniRequest) => PendingIpam,
    private readonly records: Records,
    private readonly log: Logger,
  ) {}

  /**
   * Starts IPAM DEL ahead of release(), to run while the VF is given back. A plugin that cannot
   * be started does not stop the teardown: its error waits in the answer, for release() to report.
   */
  begin(req: CniRequest, ipamType: string | null): PendingIpam | null {
    if (!ipamType) return null;
    try {
      return this.startIpam('DEL', req);
    } catch (error) {
      return {
        result: () => {
          throw error;
        },
      };
    }
  }

  /** Waits for a begun IPAM DEL whose outcome no longer matters (the DEL fails anyway and is retried). */
  settleQuietly(pending: PendingIpam | null): void {
    try {
      pending?.result();
    } catch {
      // The retried DEL runs IPAM DEL again.
    }
  }

  /**
   * After the VF of `record` was given back (`errors`: what could not be restored), with the IPAM
   * DEL begun before it, or run here.
   */
  release(
    req: CniRequest,
    record: AttachmentRecord,
    ipamType: string | null,
    errors: string[],
    pending: PendingIpam | null = null,
  ): void {
    if (ipamType) {
      try {
        (pending ?? this.startIpam('DEL', req)).result();
      } catch (e) {
        try {
          this.records.writeAttachment({ ...record, phase: 'released' });
        } catch (w) {
          this.log.error(`cannot keep the reminder to release ${ipamType}'s addresses: ${(w as Error).message}`);
        }
        const err = e instanceof CniError ? e : new CniError(CniCode.Internal, (e as Error).message);
        throw new CniError(
          err.code,
          `VF ${record.vf.pci} was given back, but ${ipamType} could not release its addresses: ${err.msg}`,
          [err.details, 'a retried DEL runs only the IPAM part', ...errors].filter(Boolean).join('; '),
        );
      }
    }
    if (errors.length) {
      throw new CniError(
        SriovCode.NetdevFailed,
        `VF ${record.vf.pci} was released, but not everything could be restored`,
        errors.join('; '),
      );
    }
  }

  /** IPAM DEL when nothing of the attachment is left to retry: a failure is logged, never reported. */
  releaseTolerantly(req: CniRequest, ipamType: string | null, why: string): void {
    if (!ipamType) return;
    try {
      this.startIpam('DEL', req).result();
    } catch (e) {
      this.log.warning(
        `DEL (${why}): ${ipamType} could not release addresses, which DEL does not retry: ${(e as Error).message}`,
      );
    }
  }
}
