// The plugin's locks. A VF's lock is held from the moment the VF is chosen to the end of the
// command, so ADD, DEL and GC of one VF never interleave; a PF's lock is held while a free VF is
// chosen on it, so two ADDs never pick the same one. A VF's lock is also sriov-cni's flock on
// `pci/vf_lock/<pci>.lock` (when `peer` is given), taken first, so the Go plugin and vfnet
// exclude each other on a node where both run during a swap.
import { CniCode, CniError } from '../cni/index.js';
import { HostError, type Lock, type Locks } from '../host/ports.js';

const vfLockName = (pci: string) => `vf-${pci}`;
const pfLockName = (pf: string) => `pf-${pf}`;

export class VfLocks {
  constructor(
    private readonly locks: Locks,
    /** How long to wait for a lock another call holds (sriov-cni: 60 s). */
    private readonly timeoutMs: number,
    /** sriov-cni's per-VF flocks, named by PCI address. */
    private readonly peer: Locks | null = null,
  ) {}

  vf(pci: string): Lock {
    const theirs = this.peer ? this.acquireFrom(this.peer, pci, `VF ${pci} (sriov-cni's lock)`) : null;
    try {
      return both(theirs, this.acquire(vfLockName(pci), `VF ${pci}`));
    } catch (e) {
      theirs?.release();
      throw e;
    }
  }

  pf(name: string): Lock {
    return this.acquire(pfLockName(name), `PF ${name}`);
  }

  /** Null when another call holds it: when any free VF will do, a busy one is skipped, not waited for. */
  tryVf(pci: string): Lock | null {
    const theirs = this.peer ? this.peer.tryAcquire(pci) : null;
    if (this.peer && !theirs) return null;
    const ours = this.locks.tryAcquire(vfLockName(pci));
    if (!ours) {
      theirs?.release();
      return null;
    }
    return both(theirs, ours);
  }

  private acquire(name: string, what: string): Lock {
    return this.acquireFrom(this.locks, name, what);
  }

  private acquireFrom(locks: Locks, name: string, what: string): Lock {
    try {
      return locks.acquire(name, this.timeoutMs);
    } catch (e) {
      if (e instanceof HostError && e.errno === 'ETIMEDOUT') {
        throw new CniError(
          CniCode.TryAgainLater,
          `timed out after ${this.timeoutMs / 1000} s waiting for ${what}`,
          'another ADD or DEL holds it; try again later',
        );
      }
      throw new CniError(CniCode.IoFailure, `cannot lock ${what}`, (e as Error).message);
    }
  }
}

/** Ours released before theirs: the reverse of taking them. */
function both(theirs: Lock | null, ours: Lock): Lock {
  if (!theirs) return ours;
  return {
    release() {
      ours.release();
      theirs.release();
    },
  };
}
