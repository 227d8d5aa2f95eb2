// SQLite over one synchronous connection (better-sqlite3 under Node, bun:sqlite in the plugin).
// Transactions are queued so that
// an async transaction body never interleaves with another request's statements on the same
// connection. Cross-process exclusion comes from SQLite itself (BEGIN IMMEDIATE). A busy
// database is waited for asynchronously, never with SQLite's blocking busy_timeout, so the
// event loop keeps running (another connection in this process may hold the lock).
import type { RunResult, SqlDb, SqlTx } from './sql.js';
import { isBusy, type SqliteConnection, type SqliteStatement } from './sqlite-driver.js';

const BUSY_WAIT_MS = 30_000;

export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, SqliteStatement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tx: SqlTx;

  constructor(private readonly db: SqliteConnection) {
    this.db.exec('PRAGMA journal_mode = WAL');
    // FULL: in WAL mode each commit is synced, so an acknowledged write survives a power cut (NORMAL only survives a crash).
    this.db.exec('PRAGMA synchronous = FULL');
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
    return this.transaction(async () => {
      this.db.exec('BEGIN DEFERRED');
    }, fn);
  }

  /** Runs fn between `begin` and COMMIT, in this connection's queue; rolls back on any error. */
  private transaction<T>(begin: () => Promise<void>, fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await begin();
      try {
        const out = await fn(this.tx);
        this.db.exec('COMMIT');
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        return;
      } catch (e) {
        if (!isBusy(e) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
      }
    }
  }

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.transaction(() => this.beginImmediate(), fn);
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
  }
}
