// One synchronous SQLite connection, whichever runtime runs us: better-sqlite3 under Node (the
// service, the CLI, the tests) and Bun's built-in `bun:sqlite` inside the compiled plugin, where
// better-sqlite3's native addon does not load. Both drivers are loaded on demand, so neither is
// part of the other runtime's import graph.

export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  /** undefined when there is no row. */
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
  /** True when the statement returns rows (a SELECT, or a pragma that answers). */
  readonly returnsRows: boolean;
}

export interface SqliteConnection {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
  close(): void;
}

/** The error code SQLite reports when another connection holds the lock (both drivers set `code`). */
export function isBusy(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'SQLITE_BUSY';
}

/**
 * Runs `fn` until it does not fail SQLITE_BUSY, backing off (1 ms doubling to 50, jittered) for
 * at most `waitMs`: for the refusals SQLite gives without waiting out its busy timeout (BEGIN
 * IMMEDIATE against another writer, a journal-mode change that could deadlock).
 */
export async function retryWhileBusy<T>(fn: () => T, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}

const runningUnderBun = (): boolean => typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';

/** Booleans become 0/1 (neither driver binds them the same way); everything else as is. */
const bindable = (params: unknown[]) => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

export async function openSqlite(path: string): Promise<SqliteConnection> {
  return runningUnderBun() ? openWithBun(path) : openWithBetterSqlite(path);
}

/** What both drivers' statements offer. */
interface DriverStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}

interface DriverDatabase<S extends DriverStatement> {
  exec(sql: string): unknown;
  prepare(sql: string): S;
  readonly inTransaction: boolean;
  close(): unknown;
}

/** One connection over either driver; they differ in how a statement says it returns rows, and in null vs undefined for no row. */
function connection<S extends DriverStatement>(
  db: DriverDatabase<S>,
  returnsRows: (s: S) => boolean,
): SqliteConnection {
  return {
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => {
      const s = db.prepare(sql);
      return {
        all: (...p) => s.all(...bindable(p)),
        get: (...p) => s.get(...bindable(p)) ?? undefined,
        run: (...p) => ({ changes: s.run(...bindable(p)).changes }),
        returnsRows: returnsRows(s),
      };
    },
    get inTransaction() {
      return db.inTransaction;
    },
    close: () => void db.close(),
  };
}

async function openWithBetterSqlite(path: string): Promise<SqliteConnection> {
  const { default: Database } = await import('better-sqlite3');
  return connection(new Database(path), (s) => s.reader);
}

async function openWithBun(path: string): Promise<SqliteConnection> {
  const { Database } = await import('bun:sqlite');
  return connection(new Database(path, { create: true }), (s) => s.columnNames.length > 0);
}
