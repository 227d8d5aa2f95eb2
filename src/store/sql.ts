// The small SQL surface the store needs, so one store implementation serves SQLite and PostgreSQL.
// Statements are written with `?` placeholders; the PostgreSQL driver numbers them.

export interface RunResult {
  changes: number;
}

export interface SqlTx {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<RunResult>;
}

export type Dialect = 'sqlite' | 'pg';

export interface SqlDb {
  readonly dialect: Dialect;
  /** A consistent read-only view. */
  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * A write transaction that holds the database's write lock (SQLite BEGIN IMMEDIATE) or row locks
   * (PostgreSQL) until commit; it may run `fn` again when PostgreSQL reports a serialization
   * failure or deadlock, so `fn` must not have effects outside the transaction.
   */
  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Turns `?` placeholders into `$1, $2, ...` (no statement here has `?` inside a literal). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** `IN (?, ?, ?)` for a list of n values. */
export function inList(n: number): string {
  return `(${new Array(Math.max(n, 1)).fill('?').join(', ')})`;
}
