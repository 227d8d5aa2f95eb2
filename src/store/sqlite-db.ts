// SQLite over one synchronous connection (better-sqlite3 under Node, bun:sqlite in the plugin).
// Transactions are queued so that
// an async transaction body never interleaves with another request's statements on the same
// connection. Cross-process exclusion comes from SQLite itself (BEGIN IMMEDIATE). A busy
// database is waited for asynchronously, never with SQLite's blocking busy_timeout, so the
// event loop keeps running (another connection in this process may hold the lock).
//
// Durability: an acknowledged write survives a power cut. Two ways, chosen by the opener:
// - the default, synchronous=FULL: COMMIT itself syncs the WAL. The plugin (Bun, one short
//   process per CNI call, a handful of commits) keeps it;
// - `group` (the service, under Node): COMMIT with synchronous=NORMAL, then the caller is answered
//   only once a GroupSync fdatasync of the -wal file has covered the commit, off the event loop,
//   one sync for every commit queued meanwhile (group-sync.ts), and checkpoints run on a worker
//   thread (wal-checkpointer.ts). A read waits for the commits it may have seen to be durable,
//   so no client sees a write that a power cut could still take back.
// A worker thread owning the whole connection would also free the event loop, but every
// statement of a transaction would then cross threads (the store runs many small statements
// per request); here only the syncs do.
import type { GroupSync } from './group-sync.js';
import type { RunResult, SqlDb, SqlTx } from './sql.js';
import { retryWhileBusy, type SqliteConnection, type SqliteStatement } from './sqlite-driver.js';

const BUSY_WAIT_MS = 30_000;

export interface CheckpointHooks {
  /** Runs fn with this connection's queue held: no statement of ours runs meanwhile. */
  hold<T>(fn: () => Promise<T>): Promise<T>;
  /** Gives checkpoints back to SQLite (its automatic checkpoint, in COMMIT). */
  fallback(): void;
}

export interface Checkpointer {
  start(hooks: CheckpointHooks): void;
  noteCommit(): void;
  close(): Promise<void>;
}

export interface SqliteDurability {
  /** Commit with NORMAL and acknowledge after this sync; without it, synchronous=FULL. */
  group?: GroupSync;
  /** Checkpoints off this connection (then wal_autocheckpoint=0 here). */
  checkpointer?: Checkpointer;
}

export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, SqliteStatement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tx: SqlTx;

  private readonly group: GroupSync | undefined;
  private readonly checkpointer: Checkpointer | undefined;

  constructor(
    private readonly db: SqliteConnection,
    durability: SqliteDurability = {},
  ) {
    this.group = durability.group;
    this.checkpointer = durability.checkpointer;
    this.db.exec('PRAGMA journal_mode = WAL');
    // FULL: in WAL mode each commit is synced, so an acknowledged write survives a power cut (NORMAL
    // only survives a crash); with a group sync, NORMAL and the sync happens after COMMIT, off the loop.
    this.db.exec(`PRAGMA synchronous = ${this.group ? 'NORMAL' : 'FULL'}`);
    if (this.checkpointer) {
      this.db.exec('PRAGMA wal_autocheckpoint = 0');
      this.checkpointer.start({
        hold: (fn) => this.enqueue(fn),
        fallback: () => void this.enqueue(async () => this.db.exec('PRAGMA wal_autocheckpoint = 1000')),
      });
    }
    this.db.exec('PRAGMA foreign_keys = ON');
    this.db.exec('PRAGMA busy_timeout = 0');
    const stmt = (sql: string) => {
      let s = this.statements.get(sql);
      if (!s) {
        s = this.db.prepare(sql);
        this.statements.set(sql, s);
      }
      return s;
    };
    this.tx = {
      all: async <T>(sql: string, params: unknown[] = []) => stmt(sql).all(...params) as T[],
      get: async <T>(sql: string, params: unknown[] = []) => stmt(sql).get(...params) as T | undefined,
      run: async (sql: string, params: unknown[] = []): Promise<RunResult> => {
        const s = stmt(sql);
        if (!s.returnsRows) return s.run(...params);
        s.all(...params);
        return { changes: 0 };
      },
    };
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction(
      async () => {
        this.db.exec('BEGIN DEFERRED');
      },
      fn,
      false,
    );
  }

  /**
   * Runs fn between `begin` and COMMIT, in this connection's queue; rolls back on any error. With
   * a group sync the queue moves on right after COMMIT, and the answer waits for the sync.
   */
  private async transaction<T>(begin: () => Promise<void>, fn: (tx: SqlTx) => Promise<T>, writes: boolean): Promise<T> {
    const group = this.group;
    const { out, seq } = await this.enqueue(async () => {
      group?.check();
      // What a read can see: every commit of this connection so far (they are queued in order).
      const seen = group?.latest() ?? 0;
      await begin();
      try {
        const out = await fn(this.tx);
        this.db.exec('COMMIT');
        if (!writes || !group) return { out, seq: seen };
        this.checkpointer?.noteCommit();
        return { out, seq: group.committed() };
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
    if (group) await group.durable(seq);
    return out;
  }

  private beginImmediate(): Promise<void> {
    return retryWhileBusy(() => this.db.exec('BEGIN IMMEDIATE'), BUSY_WAIT_MS);
  }

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction(() => this.beginImmediate(), fn, true);
  }

  async close(): Promise<void> {
    await this.checkpointer?.close();
    await this.queue;
    await this.group?.close();
    // The last connection's close checkpoints (synced: NORMAL) and removes the WAL.
    this.db.close();
  }
}
