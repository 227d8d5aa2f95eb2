// `vfnet serve`: the Placement-compatible service over a SQLite file or PostgreSQL.
import type { Command } from 'commander';
import pino from 'pino';
import { createPlacementApp } from '../api/app.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS, STRATEGY_FLAG, limitsFromFlags, type RequestLimits } from '../api/limits.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../placement/standard-names.js';
import { openStore } from '../store/open.js';

export interface ServeOptions {
  /** host:port, e.g. 127.0.0.1:8778 */
  listen?: string;
  /** SQLite path or postgres:// URL */
  db?: string;
  corsAllowedOrigin?: string | null;
  logLevel?: string;
  /** Install SIGTERM/SIGINT handlers that close the server (default true). */
  handleSignals?: boolean;
  /** Bounds on requests and connections (api/limits.ts); defaults for what is not given. */
  limits?: Partial<RequestLimits>;
}

export interface ServeHandle {
  /** The URL the server listens on. */
  url: string;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  if (i < 0) return { host: '127.0.0.1', port: Number(listen) };
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(listen.slice(i + 1)) };
}

export async function serve(opts: ServeOptions = {}): Promise<ServeHandle> {
  const logger = pino({ level: opts.logLevel ?? 'info' }, pino.destination(2));
  const store = await openStore(opts.db ?? './data/vfnet.db');
  await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
  const app = createPlacementApp({
    store, logger, corsAllowedOrigin: opts.corsAllowedOrigin ?? null,
    limits: opts.limits ?? {},
  });
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:8778');
  const url = await app.listen({ host, port });
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await store.close();
      logger.flush?.();
    })();
    return closing;
  };
  if (opts.handleSignals !== false) {
    const onSignal = (sig: NodeJS.Signals) => {
      logger.info({ signal: sig }, 'shutting down');
      close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  logger.info({ url, db: /^postgres/.test(opts.db ?? '') ? 'postgresql' : opts.db ?? './data/vfnet.db' }, 'vfnet placement service listening');
  return { url, close };
}

/** `vfnet serve`: the Placement-compatible API on the embedded SQLite store or PostgreSQL. */
export function registerServe(program: Command): void {
  const cmd = program.command('serve')
    .description('serve the OpenStack Placement API (microversions 1.0-1.39, plus can_split) for SR-IOV resource providers')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8778')
    .option('--db <path|url>', 'SQLite file, or a postgres:// URL shared by several servers', './data/vfnet.db')
    .option('--cors-allowed-origin <origin>', "enable CORS for this origin (Placement's [cors] allowed_origin)")
    .option('--log-level <level>', 'pino log level for request logs on stderr', 'info');
  // Request and connection limits (api/limits.ts; docs/user-guide.md, "Limits"), checked at start.
  for (const f of LIMIT_FLAGS) cmd.option(`--${f.flag} <n>`, f.help, String(DEFAULT_LIMITS[f.key]));
  cmd.option(`--${STRATEGY_FLAG} <order>`, 'depth-first or breadth-first: how trees are visited when a cap or limit cuts the answer', DEFAULT_LIMITS.generationStrategy);
  cmd.action(async (o) => {
      const limits = limitsFromFlags(o);
      const handle = await serve({ listen: o.listen, db: o.db, corsAllowedOrigin: o.corsAllowedOrigin ?? null, logLevel: o.logLevel, limits });
      console.error(`vfnet serve: listening on ${handle.url} (store: ${o.db})`);
    });
}
