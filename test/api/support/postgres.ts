// A throw-away PostgreSQL cluster (scripts/postgres.sh) for one test file.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { keyValues, run } from './processes.js';

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres: the maintenance database of the cluster */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(root: string): Promise<PostgresCluster> {
  const script = join(root, 'scripts', 'postgres.sh');
  // Directly under /tmp: the cluster runs as the postgres user, who cannot enter a root-only
  // parent directory.
  const dir = mkdtempSync('/tmp/vfnet-pg-');
  const r = await run('bash', [script, 'start', dir], { timeoutMs: 120_000 });
  const kv = keyValues(r.stdout);
  if (r.status !== 0 || !kv.URL) {
    await run('bash', [script, 'stop', dir]);
    throw new Error(`postgres.sh start failed (exit ${r.status}): ${r.stderr}`);
  }
  const url = kv.URL;
  return {
    url,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const c = await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url, '-c', `CREATE DATABASE ${name}`]);
      if (c.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${c.stderr}`);
      return url.replace(/\/[^/]*$/, `/${name}`);
    },
    async stop(): Promise<void> {
      await run('bash', [script, 'stop', dir], { timeoutMs: 60_000 });
    },
  };
}
