// A cross-process lock for one lab's state. Node has no flock(2), so the lock is a file created
// exclusively (O_EXCL) that holds its owner's pid; a lock whose owner has died is reclaimed.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { HostError } from '../host/ports.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LabLock {
  private held = false;

  constructor(
    private readonly path: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Runs fn with the lock held. */
  with<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  acquire(): void {
    const deadline = Date.now() + this.timeoutMs;
    let wait = 1;
    for (;;) {
      if (this.tryCreate()) return;
      this.reclaimIfOrphaned();
      if (Date.now() > deadline) {
        throw new HostError(`lab lock ${this.path}: still held by pid ${this.owner() ?? '?'} after ${this.timeoutMs} ms`, 'ETIMEDOUT');
      }
      sleepMs(wait);
      wait = Math.min(wait * 2, 20);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.path);
    } catch {
      // Already reclaimed by someone who thought we were dead: nothing left to release.
    }
  }

  private tryCreate(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'wx', 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      throw new HostError(`lab lock ${this.path}: ${(e as Error).message}`, code ?? null);
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    this.held = true;
    return true;
  }

  private owner(): number | null {
    try {
      const pid = Number.parseInt(readFileSync(this.path, 'utf8'), 10);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  private reclaimIfOrphaned(): void {
    const pid = this.owner();
    // An empty file is a lock being written right now; give its creator time.
    if (pid === null || alive(pid)) return;
    // Rename first so two reclaimers cannot both delete a lock a third process just took.
    const stale = `${this.path}.stale.${process.pid}`;
    try {
      renameSync(this.path, stale);
    } catch {
      return;
    }
    const pidNow = (() => {
      try {
        return Number.parseInt(readFileSync(stale, 'utf8'), 10);
      } catch {
        return NaN;
      }
    })();
    if (pidNow === pid) {
      unlinkSync(stale);
    } else {
      // We moved a fresh lock aside: put it back if the name is still free.
      try {
        renameSync(stale, this.path);
      } catch {
        unlinkSync(stale);
      }
    }
  }
}
