// flock(2) locks, as sriov-cni takes them on `pci/vf_lock/<pci>.lock`: an exclusive lock on an
// open file description, released when the description is closed or its process dies, so a lock
// can never outlive its holder and never needs reclaiming.
//
// Node has no flock(2). Two backends, chosen when the first lock is taken:
//  - under Bun (the compiled plugin): libc's flock through bun:ffi, loaded lazily so that
//    commands that take no lock (VERSION) never open libc;
//  - under Node (`vfnet sweep`, `vfnet agent`): util-linux's flock(1) run on a descriptor this
//    process opened and passes to it as fd 3. flock(1) locks that shared open file description
//    and exits; the lock stays with the description, which only this process still holds, until
//    it closes the descriptor. Synchronous, and no helper process lives on while the lock is held.

import { createRequire } from 'node:module';
import { closeSync, constants, mkdirSync, openSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { SystemClock } from './clock.js';
import { type Clock, HostError, type Lock, type Locks } from './ports.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;
const EINTR = 4;
/** flock(1)'s exit status for "someone else holds it", chosen with -E so it cannot be mistaken for an error. */
const FLOCK1_CONFLICT = 75;

/** Locks one open descriptor; true when held, false when another description holds it. */
type TryFlock = (fd: number) => boolean;

interface BunFfi {
  dlopen(
    lib: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): {
    symbols: { flock(fd: number, op: number): number; __errno_location(): number };
  };
  read: { i32(ptr: number, offset: number): number };
}

/** libc's flock(2) with LOCK_NB, through bun:ffi. */
function bunFlock(): TryFlock {
  const ffi = createRequire(import.meta.url)('bun:ffi') as BunFfi;
  const libc = ffi.dlopen('libc.so.6', {
    flock: { args: ['i32', 'i32'], returns: 'i32' },
    __errno_location: { args: [], returns: 'ptr' },
  });
  return (fd) => {
    for (;;) {
      if (libc.symbols.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
      const errno = ffi.read.i32(libc.symbols.__errno_location(), 0);
      if (errno === EWOULDBLOCK) return false;
      if (errno !== EINTR) throw new HostError(`flock(2) failed with errno ${errno}`, `errno ${errno}`);
    }
  };
}

/** util-linux flock(1) on this process's descriptor, passed to it as fd 3. */
function utilFlock(binary: string): TryFlock {
  // Loaded here, not with the module: the Bun-compiled plugin uses bunFlock, and node:child_process
  // costs it milliseconds per exec (node:net, Node's streams; see bun-process.ts).
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return (fd) => {
    const r = spawnSync(binary, ['-n', '-x', '-E', String(FLOCK1_CONFLICT), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    if (r.error)
      throw new HostError(
        `cannot run ${binary} (util-linux) to take a flock: ${r.error.message}`,
        (r.error as NodeJS.ErrnoException).code ?? null,
      );
    if (r.status === 0) return true;
    if (r.status === FLOCK1_CONFLICT) return false;
    throw new HostError(`${binary} -x 3 failed (exit ${r.status}): ${r.stderr.toString().trim()}`, 'EIO');
  };
}

export interface FlockLocksOptions {
  /** Directory of the lock files `<name>.lock`, created (0700) on first use; files are never removed, as sriov-cni's. */
  dir: string;
  clock?: Clock;
  /** The flock(1) executable for the Node backend. */
  flockBinary?: string;
  /** Forces a backend (tests); by default Bun's FFI when running under Bun, flock(1) otherwise. */
  backend?: 'bun' | 'util-linux';
}

const MAX_BACKOFF_MS = 50;

/** Locks as flock(2) on `<dir>/<name>.lock`, interoperable with any other flock user of those files. */
export class FlockLocks implements Locks {
  readonly dir: string;
  private readonly clock: Clock;
  private tryFlock: TryFlock | null = null;
  private dirReady = false;

  constructor(private readonly options: FlockLocksOptions) {
    this.dir = options.dir;
    this.clock = options.clock ?? new SystemClock();
  }

  acquire(name: string, timeoutMs: number): Lock {
    const deadline = this.clock.now() + Math.max(0, timeoutMs);
    let backoff = 1;
    const fd = this.open(name);
    try {
      for (;;) {
        if (this.backend()(fd)) return new FlockLock(fd);
        const left = deadline - this.clock.now();
        if (left <= 0)
          throw new HostError(`timed out after ${timeoutMs} ms waiting for flock on ${this.path(name)}`, 'ETIMEDOUT');
        this.clock.sleep(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  tryAcquire(name: string): Lock | null {
    const fd = this.open(name);
    try {
      if (this.backend()(fd)) return new FlockLock(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    closeSync(fd);
    return null;
  }

  private backend(): TryFlock {
    if (!this.tryFlock) {
      const kind = this.options.backend ?? (process.versions.bun ? 'bun' : 'util-linux');
      this.tryFlock = kind === 'bun' ? bunFlock() : utilFlock(this.options.flockBinary ?? 'flock');
    }
    return this.tryFlock;
  }

  private path(name: string): string {
    return join(this.dir, `${name}.lock`);
  }

  /** O_CREAT|O_RDONLY, as sriov-cni opens its lock files (a lock needs no write access). */
  private open(name: string): number {
    if (name === '' || name.includes('/') || name.includes('\0') || name.startsWith('.')) {
      throw new HostError(`invalid lock name ${JSON.stringify(name)}`, 'EINVAL');
    }
    try {
      if (!this.dirReady) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      return openSync(this.path(name), constants.O_RDONLY | constants.O_CREAT, 0o600);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new HostError(`cannot open lock file ${this.path(name)}: ${err.message}`, err.code ?? null);
    }
  }
}

class FlockLock implements Lock {
  private held = true;

  constructor(private readonly fd: number) {}

  /** Closing the only descriptor of the open file description drops the flock. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}
