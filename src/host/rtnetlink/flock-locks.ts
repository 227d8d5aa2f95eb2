// Locks with flock(2): an exclusive lock on an open file, which the kernel drops when its holder
// closes it or dies, so there is no owner record and nothing to reclaim. Files are created on
// first use and never removed (removing a flock'd file lets a second holder lock a new inode).
//
// sriov-cni locks a VF with flock(LOCK_EX) on <state dir>/pci/vf_lock/<pci>.lock, opened
// O_CREAT|O_RDONLY (reference/sriov-cni.md §4); with `pathOf: sriovCniLockPaths(...)` a VF lock
// here is that very file, so the two plugins exclude each other. (The plugin takes sriov-cni's
// lock through HostPorts.sriovCni instead, beside its own; see compose-rtnetlink.ts.)
import { mkdirSync } from '../../os/fs.js';
import { dirname, join } from '../../os/path.js';
import { SystemClock } from '../clock.js';
import { type Clock, HostError, type Lock, type Locks } from '../ports.js';
import { hostError } from './errors.js';
import { EWOULDBLOCK, type Libc, LibcError, LOCK_EX, LOCK_NB, LOCK_UN, O_CLOEXEC, O_CREAT, O_RDONLY } from './libc.js';

export interface FlockLocksOptions {
  /** Directory of `<name>.flock` files for names `pathOf` does not place (created 0700). */
  dir: string;
  /** Where a lock's file is; null falls back to `<dir>/<name>.flock`. */
  pathOf?: (name: string) => string | null;
  clock?: Clock;
}

const MAX_BACKOFF_MS = 50;

/**
 * sriov-cni's lock file for vfnet's VF lock names (`vf-<pci>`), null for any other name.
 * `stateDir` is sriov-cni's (default /var/lib/cni/sriov, the same as vfnet's).
 */
export function sriovCniLockPaths(stateDir: string): (name: string) => string | null {
  return (name) => {
    const pci = /^vf-([0-9a-fA-F]{4,}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])$/.exec(name)?.[1];
    return pci ? join(stateDir, 'pci', 'vf_lock', `${pci}.lock`) : null;
  };
}

export class FlockLocks implements Locks {
  private readonly clock: Clock;
  private readonly madeDirs = new Set<string>();

  constructor(
    private readonly libc: Libc,
    private readonly options: FlockLocksOptions,
  ) {
    this.clock = options.clock ?? new SystemClock();
  }

  acquire(name: string, timeoutMs: number): Lock {
    const deadline = this.clock.now() + Math.max(0, timeoutMs);
    let backoff = 1;
    // One open file for all attempts: flock is tried again on the same descriptor.
    const file = this.openFile(name);
    try {
      for (;;) {
        if (this.tryLock(file)) return new FlockLock(this.libc, file.fd);
        const left = deadline - this.clock.now();
        if (left <= 0)
          throw new HostError(`timed out after ${timeoutMs} ms waiting for lock ${name} (${file.path})`, 'ETIMEDOUT');
        this.clock.sleep(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    } catch (e) {
      this.libc.close(file.fd);
      throw e;
    }
  }

  tryAcquire(name: string): Lock | null {
    const file = this.openFile(name);
    try {
      if (this.tryLock(file)) return new FlockLock(this.libc, file.fd);
    } catch (e) {
      this.libc.close(file.fd);
      throw e;
    }
    this.libc.close(file.fd);
    return null;
  }

  /** Where the lock of this name lives. */
  pathOf(name: string): string {
    if (name === '' || name.includes('/') || name.includes('\0') || name.startsWith('.')) {
      throw new HostError(`invalid lock name ${JSON.stringify(name)}`, 'EINVAL');
    }
    return this.options.pathOf?.(name) ?? join(this.options.dir, `${name}.flock`);
  }

  private openFile(name: string): { fd: number; path: string } {
    const path = this.pathOf(name);
    const dir = dirname(path);
    if (!this.madeDirs.has(dir)) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (e) {
        throw hostError(`cannot create lock directory ${dir}`, e);
      }
      this.madeDirs.add(dir);
    }
    try {
      // As sriov-cni opens it: read-only is enough for flock, and a reader's umask does not matter.
      return { fd: this.libc.open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0o600), path };
    } catch (e) {
      throw hostError(`cannot open lock file ${path}`, e);
    }
  }

  private tryLock(file: { fd: number; path: string }): boolean {
    try {
      this.libc.flock(file.fd, LOCK_EX | LOCK_NB);
      return true;
    } catch (e) {
      if (e instanceof LibcError && e.errno === EWOULDBLOCK) return false;
      throw hostError(`cannot lock ${file.path}`, e);
    }
  }
}

class FlockLock implements Lock {
  private held = true;

  constructor(
    private readonly libc: Libc,
    private readonly fd: number,
  ) {}

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      this.libc.flock(this.fd, LOCK_UN);
    } finally {
      // Closing alone would release it too; unlocking first keeps that explicit.
      this.libc.close(this.fd);
    }
  }
}
