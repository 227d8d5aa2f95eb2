// PostgreSQL through node-postgres. Writes run at READ COMMITTED and take row locks
// (SELECT ... FOR UPDATE) before they check generations or capacity; a deadlock or
// serialization failure re-runs the whole transaction a bounded number of times.
// Durability is the server's: nothing here sets synchronous_commit (or any session setting), so a
// COMMIT is acknowledged as the server is configured (on by default: after its WAL is flushed).
import pg from 'pg';
import { numberPlaceholders, type RunResult, type SqlDb, type SqlTx } from './sql.js';

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 10;

// BIGINT (20) and NUMERIC come back as strings by default; every BIGINT here is an id or a
// millisecond timestamp, well inside the safe-integer range.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => (v: string) => unknown)(oid, format);
  },
};

function txOf(client: pg.PoolClient): SqlTx {
  const cache = new Map<string, string>();
  const text = (sql: string) => {
    let t = cache.get(sql);
    if (t === undefined) {
      t = numberPlaceholders(sql);
      cache.set(sql, t);
    }
    return t;
  };
  return {
    all: async <T>(sql: string, params: unknown[] = []) => (await client.query(text(sql), params)).rows as T[],
    get: async <T>(sql: string, params: unknown[] = []) =>
      (await client.query(text(sql), params)).rows[0] as T | undefined,
    run: async (sql: string, params: unknown[] = []): Promise<RunResult> => ({
      changes: (await client.query(text(sql), params)).rowCount ?? 0,
    }),
  };
}

export class PgDb implements SqlDb {
  readonly dialect = 'pg' as const;
  private readonly pool: pg.Pool;

  constructor(url: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, types } as pg.PoolConfig);
  }

  private async run<T>(begin: string, fn: (tx: SqlTx) => Promise<T>, retry: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query(begin);
        const out = await fn(txOf(client));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (e as { code?: string }).code;
        if (!retry || !code || !(RETRYABLE.has(code) || code === '23505') || attempt >= MAX_ATTEMPTS) throw e;
      } finally {
        client.release();
      }
    }
  }

  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn, true);
  }

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.run('BEGIN', fn, true);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
