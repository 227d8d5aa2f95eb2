// The plugin's locks. A VF's lock is held from the moment the VF is chosen to the end of the
// command, so ADD, DEL and GC of one VF never interleave; a PF's lock is held while a free VF is
// chosen on it, so two ADDs never pick the same one.
import { CniCode, CniError } from '../cni/index.js';
import { HostError, type Lock, type Locks } from '../host/ports.js';

const vfLockName = (pci: string) => `vf-${pci}`;
const pfLockName = (pf: string) => `pf-${pf}`;

export class VfLocks {
  constructor(
    private readonly locks: Locks,
    /** How long to wait for a lock another call holds (sriov-cni: 60 s). */
    private readonly timeoutMs: number,
  ) {}

  vf(pci: string): Lock {
    return this.acquire(vfLockName(pci), `VF ${pci}`);
  }

  pf(name: string): Lock {
    return this.acquire(pfLockName(name), `PF ${name}`);
  }

  /** Null when another call holds it: when any free VF will do, a busy one is skipped, not waited for. */
  tryVf(pci: string): Lock | null {
    return this.locks.tryAcquire(vfLockName(pci));
  }

  private acquire(name: string, what: string): Lock {
    try {
      return this.locks.acquire(name, this.timeoutMs);
    } catch (e) {
      if (e instanceof HostError && e.errno === 'ETIMEDOUT') {
        throw new CniError(CniCode.TryAgainLater, `timed out after ${this.timeoutMs / 1000} s waiting for ${what}`,
          'another ADD or DEL holds it; try again later');
      }
      throw new CniError(CniCode.IoFailure, `cannot lock ${what}`, (e as Error).message);
    }
  }
}
