import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { SystemClock } from './clock.js';
import { type Clock, HostError, type Lock, type Locks, type ProcessTable } from './ports.js';
import { SystemProcessTable } from './process-table.js';

/** Who holds a lock: pid plus the process start time, so that a recycled pid is not mistaken for the owner. */
export interface LockOwner {
  pid: number;
  start: string;
  /** Tells two acquisitions by the same process apart, so release never removes someone else's file. */
  token: string;
}

export interface FileLocksOptions {
  /** Directory of the lock files, created (0700) on first use. */
  dir: string;
  clock?: Clock;
  /** Where owners are looked up, to tell a dead one (whose lock is reclaimed) from a live one. */
  processes?: ProcessTable;
  /** This process, as recorded in the lock files it creates; defaults to the running process. */
  self?: { pid: number; start: string };
  /** An unreadable lock file older than this is treated as abandoned. */
  corruptGraceMs?: number;
}

interface Seen {
  ino: number;
  text: string;
  mtimeMs: number;
}

const MAX_BACKOFF_MS = 50;

/**
 * Exclusive locks as files `<dir>/<name>.lock` holding the owner as JSON.
 *
 * A lock file is written under a temporary name and hard-linked into place, so it appears with its
 * content complete: a contender never sees an empty file and never mistakes a lock being created for
 * an abandoned one.
 *
 * A lock whose owner is dead is reclaimed under a guard file `<name>.lock.reclaim` (itself taken by
 * link): holding the guard, the reclaimer re-reads the lock and removes it only if it is still the
 * same dead owner's file. Creators never remove files and only reclaimers do, one at a time, so a live
 * lock can never be removed by mistake. The guard lives for a few system calls; if its holder dies in
 * that window, the next contender removes the orphaned guard.
 */
export class FileLocks implements Locks {
  private readonly clock: Clock;
  private readonly processes: ProcessTable;
  private readonly corruptGraceMs: number;
  private self: { pid: number; start: string } | null;
  private dirReady = false;
  readonly dir: string;

  /** `new FileLocks('/var/lib/cni/sriov/locks')` or `new FileLocks({dir, clock, ...})`. */
  constructor(dirOrOptions: string | FileLocksOptions) {
    const options: FileLocksOptions = typeof dirOrOptions === 'string' ? { dir: dirOrOptions } : dirOrOptions;
    this.dir = options.dir;
    this.clock = options.clock ?? new SystemClock();
    this.processes = options.processes ?? new SystemProcessTable();
    this.corruptGraceMs = options.corruptGraceMs ?? 2000;
    this.self = options.self ?? null;
  }

  acquire(name: string, timeoutMs: number): Lock {
    const deadline = this.clock.now() + Math.max(0, timeoutMs);
    let backoff = 1;
    for (;;) {
      const lock = this.tryAcquire(name);
      if (lock) return lock;
      const left = deadline - this.clock.now();
      if (left <= 0) {
        const holder = this.readOwner(this.path(name));
        const by = holder ? ` held by pid ${holder.pid}` : '';
        throw new HostError(`timed out after ${timeoutMs} ms waiting for lock ${name}${by}`, 'ETIMEDOUT');
      }
      this.clock.sleep(Math.min(backoff, left));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  tryAcquire(name: string): Lock | null {
    checkLockName(name);
    this.ensureDir();
    const path = this.path(name);
    const owner: LockOwner = { ...this.me(), token: randomToken() };
    const text = JSON.stringify(owner);
    // Two attempts: the second follows a successful reclaim of an abandoned lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.createExclusive(path, text)) return new FileLock(path, text);
      if (!this.reclaimIfAbandoned(path)) return null;
    }
    return null;
  }

  private path(name: string): string {
    return join(this.dir, `${name}.lock`);
  }

  private me(): { pid: number; start: string } {
    if (!this.self) {
      const start = this.processes.startTime(process.pid);
      if (start === null) throw new HostError(`cannot read the start time of process ${process.pid}`, 'ENOENT');
      this.self = { pid: process.pid, start };
    }
    return this.self;
  }

  /** Creates `path` holding `text`, atomically and only if it does not exist. */
  private createExclusive(path: string, text: string): boolean {
    const temp = `${path}.new-${process.pid}-${randomToken()}`;
    try {
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      throw ioError(`cannot create lock file in ${this.dir}`, err);
    }
    try {
      linkSync(temp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw ioError(`cannot create lock file ${path}`, err);
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // Nothing to clean.
      }
    }
  }

  /** True when the lock file is gone now (removed by us or by its owner), so creating it again may succeed. */
  private reclaimIfAbandoned(path: string): boolean {
    const seen = this.look(path);
    if (!seen) return true;
    if (!this.isAbandoned(seen)) return false;
    const guard = `${path}.reclaim`;
    const guardText = JSON.stringify({ ...this.me(), token: randomToken() });
    if (!this.createExclusive(guard, guardText)) {
      this.clearOrphanedGuard(guard);
      return false;
    }
    try {
      const now = this.look(path);
      if (!now) return true;
      // Same inode and same text: still the abandoned file we judged (the text holds a unique token).
      if (now.ino !== seen.ino || now.text !== seen.text) return false;
      unlinkSync(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw ioError(`cannot remove abandoned lock file ${path}`, err);
    } finally {
      try {
        unlinkSync(guard);
      } catch {
        // Already gone.
      }
    }
  }

  private clearOrphanedGuard(guard: string): void {
    const seen = this.look(guard);
    if (!seen || !this.isAbandoned(seen)) return;
    try {
      unlinkSync(guard);
    } catch {
      // Someone else cleared it.
    }
  }

  private isAbandoned(seen: Seen): boolean {
    const owner = parseOwner(seen.text);
    if (!owner) return this.clock.now() - seen.mtimeMs > this.corruptGraceMs;
    const me = this.me();
    if (owner.pid === me.pid && owner.start === me.start) return false;
    return this.processes.startTime(owner.pid) !== owner.start;
  }

  private look(path: string): Seen | null {
    try {
      const st = statSync(path);
      return { ino: st.ino, mtimeMs: st.mtimeMs, text: readFileSync(path, 'utf8') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw ioError(`cannot read lock file ${path}`, err);
    }
  }

  private readOwner(path: string): LockOwner | null {
    try {
      return parseOwner(readFileSync(path, 'utf8'));
    } catch {
      return null;
    }
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw ioError(`cannot create lock directory ${this.dir}`, err);
    }
    this.dirReady = true;
  }
}

class FileLock implements Lock {
  private held = true;

  constructor(
    private readonly path: string,
    private readonly text: string,
  ) {}

  /** Removes the file only while it is still ours; a second release does nothing. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    let current: string;
    try {
      current = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    if (current !== this.text) return;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.start === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, start: v.start, token: v.token };
    }
  } catch {
    // Fall through: not an owner record.
  }
  return null;
}

function checkLockName(name: string): void {
  if (name === '' || name.includes('/') || name.includes('\0') || name.startsWith('.')) {
    throw new HostError(`invalid lock name ${JSON.stringify(name)}`, 'EINVAL');
  }
}

function randomToken(): string {
  return Math.random().toString(36).slice(2, 12);
}

function ioError(what: string, err: unknown): HostError {
  const e = err as NodeJS.ErrnoException;
  return new HostError(`${what}: ${e.message}`, e.code ?? null);
}
