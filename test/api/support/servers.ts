// Starting and stopping the two Placement servers the API suites talk to: vfnet (the built dev
// entry) and the peer, OpenStack Placement 8.0.0 from Debian (test/api/gabbi/start-placement.sh).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLogPath } from '../../support/secret-audit.js';
import { freePort, keyValues, run, stopPid } from './processes.js';

export interface RunningServer {
  url: string;
  pid: number;
  /** the server's own output, for failure messages */
  log(): string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

export interface VfnetOptions {
  serverJs: string;
  /** a SQLite path or a postgres:// URL (--db); leave out with dbFile or env.VFNET_DB_URL */
  db?: string;
  /** --db-file: a file holding the database URL (a password stays out of the process list) */
  dbFile?: string;
  /** more environment for the server (VFNET_DB_URL, ...) */
  env?: Record<string, string>;
  port?: number;
  corsOrigin?: string;
  /** More `vfnet serve` options (--auth, --token-file, --policy-defaults, limits, ...). */
  extraArgs?: readonly string[];
  /** a lower limit on the server's open files (ulimit -n), as on a machine with the common 1 024 */
  maxOpenFiles?: number;
}

/** Starts `node dev-serve.js` and waits until GET / answers. */
export async function startVfnet(opts: VfnetOptions): Promise<RunningServer> {
  if (!existsSync(opts.serverJs)) {
    throw new Error(`vfnet server entry ${opts.serverJs} is missing (npm run build; src/bin/placement-dev.ts)`);
  }
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-api-'));
  // In the secret audit's directory when a run audits (scripts/test.mjs), so it outlives stop().
  const logFile = auditLogPath('serve') ?? join(dir, 'server.log');
  const fd = openSync(logFile, 'w');
  const args = [opts.serverJs, '--listen', `127.0.0.1:${port}`];
  if (opts.db !== undefined) args.push('--db', opts.db);
  if (opts.dbFile !== undefined) args.push('--db-file', opts.dbFile);
  const env = { ...process.env, ...opts.env };
  if (opts.corsOrigin) args.push('--cors-allowed-origin', opts.corsOrigin);
  args.push(...(opts.extraArgs ?? []));
  const child = opts.maxOpenFiles
    ? spawn('bash', ['-c', `ulimit -n ${opts.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...args], {
        stdio: ['ignore', fd, fd],
        env,
      })
    : spawn(process.execPath, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const url = `http://127.0.0.1:${port}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const deadline = Date.now() + 30_000;
  while (!(await answers(url))) {
    if (exited !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      const why = exited !== undefined ? `exited with ${exited}` : 'did not answer within 30 s';
      const text = log();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`vfnet server ${why}: ${text.slice(-2000)}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: child.pid!,
    log,
    async stop() {
      await stopPid(child.pid!);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PeerOptions {
  /** test/api/gabbi (apiPaths().gabbiDir), where start-placement.sh is */
  gabbiDir: string;
  port?: number;
  /** extra environment for start-placement.sh, e.g. PROCESSES, THREADS, GABBI_FIXTURE */
  env?: Record<string, string>;
}

/** Starts real Placement 8.0.0 (uwsgi, fresh SQLite) on a free port. */
export async function startPeer(opts: PeerOptions): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const tmp = mkdtempSync(join(tmpdir(), 'vfnet-peer-'));
  const r = await run('bash', [join(opts.gabbiDir, 'start-placement.sh'), String(port)], {
    env: { ...process.env, TMPDIR: tmp, ...opts.env },
    timeoutMs: 120_000,
  });
  const kv = keyValues(r.stdout);
  if (r.status !== 0 || !kv.URL || !kv.PID) {
    if (kv.PID) await stopPid(Number(kv.PID));
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`start-placement.sh failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  }
  const pid = Number(kv.PID);
  const workdir = kv.WORKDIR ?? tmp;
  return {
    url: kv.URL,
    pid,
    log: () => {
      const f = join(workdir, 'placement.log');
      return existsSync(f) ? readFileSync(f, 'utf8') : '';
    },
    async stop() {
      await stopPid(pid);
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
