// Durable SQLite commits without an fsync on the event loop (the service, under Node).
//
// In WAL mode a commit appends its pages to the -wal file; synchronous=FULL then syncs that file
// inside COMMIT, which under better-sqlite3 (synchronous) stalls the whole event loop for the
// length of an fsync. With synchronous=NORMAL the append is the same and the sync is skipped;
// syncing the -wal file afterwards makes every commit appended before the sync durable (SQLite's
// forum, "Switching pragma synchronous to upgrade durability": flushing the journal file makes
// previously committed transactions durable). So a commit runs with NORMAL, and its caller is
// answered only once an fdatasync of the -wal file that STARTED AFTER the commit has finished.
// The sync runs on libuv's thread pool, off the event loop, and one sync serves every commit
// that finished before it was issued (group commit: one in flight, the next covers the queue).
//
// A failed sync poisons this store for good: the kernel may have dropped the dirty pages it
// could not write (a retried fsync can then "succeed" over lost data), so no later write or read
// is acknowledged either, and the service answers 5xx until it is restarted on the file.
import { dirname } from 'node:path';

/** One open -wal file, as the sync needs it. */
export interface WalHandle {
  /** The inode the handle was opened on (fstat of the open fd). */
  readonly ino: number;
  /** fdatasync(2): data and the size, not timestamps. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls the group sync makes: a port, so the logic is tested with a fake. */
export interface WalFiles {
  /** The inode now at `path`, or null when there is no file. */
  inode(path: string): Promise<number | null>;
  open(path: string): Promise<WalHandle>;
  /** fsync of a directory, so a file created in it survives a power cut with its name. */
  syncDir(path: string): Promise<void>;
}

/** The error every acknowledgement gets once a sync failed. */
export class DurabilityError extends Error {
  constructor(cause: unknown) {
    super(`the store's write-ahead log could not be synced to disk; restart the service on it (${String(cause)})`, {
      cause,
    });
    this.name = 'DurabilityError';
  }
}

export class GroupSync {
  /** Commits appended to the -wal file so far (a sequence: commit n is the n-th). */
  private commits = 0;
  /** Every commit up to this one is on disk. */
  private synced = 0;
  private inFlight: Promise<void> | null = null;
  private failure: DurabilityError | null = null;
  private handle: WalHandle | null = null;
  private closed = false;
  /** Syncs issued so far (read by tests and benchmarks). */
  syncs = 0;

  constructor(
    private readonly files: WalFiles,
    private readonly walPath: string,
  ) {}

  /** Called right after COMMIT returned: the commit's frames are in the -wal file (not yet synced). */
  committed(): number {
    return ++this.commits;
  }

  /** The newest commit so far: a read that saw it waits for it to be durable. */
  latest(): number {
    return this.commits;
  }

  /** Throws once a sync has failed, so nothing more is acknowledged. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Resolves once commit `seq` (and every commit before it) is on disk; rejects if its sync failed. */
  async durable(seq: number): Promise<void> {
    while (this.synced < seq) {
      this.check();
      if (!this.inFlight) {
        this.inFlight = this.syncOnce().finally(() => {
          this.inFlight = null;
        });
      }
      // A failure is seen by check() on the next turn, by every waiter alike.
      await this.inFlight.catch(() => undefined);
    }
  }

  private async syncOnce(): Promise<void> {
    // Read before the first await: every commit counted here has already written its frames
    // (better-sqlite3's COMMIT returned), so the fdatasync issued below covers them.
    const target = this.commits;
    this.syncs++;
    try {
      const handle = await this.currentHandle();
      await handle.sync();
      if (target > this.synced) this.synced = target;
    } catch (e) {
      this.failure ??= new DurabilityError(e);
      throw this.failure;
    }
  }

  /**
   * The open -wal file, reopened when the path names another inode. SQLite keeps the same file
   * while a connection is open (a WAL restart rewrites it in place, journal_size_limit truncates
   * it in place), so this is a guard; a new file's directory entry is synced once, on open.
   */
  private async currentHandle(): Promise<WalHandle> {
    if (this.closed) throw new Error('store closed');
    const ino = await this.files.inode(this.walPath);
    if (ino === null) throw new Error(`${this.walPath} does not exist while the database is open in WAL mode`);
    if (this.handle && this.handle.ino === ino) return this.handle;
    const old = this.handle;
    this.handle = null;
    await old?.close().catch(() => undefined);
    const fresh = await this.files.open(this.walPath);
    await this.files.syncDir(dirname(this.walPath));
    this.handle = fresh;
    return fresh;
  }

  async close(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    this.closed = true;
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
  }
}
