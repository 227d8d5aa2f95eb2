// `vfnet serve`: the Placement-compatible service over a SQLite file or PostgreSQL, with
// Placement's authentication modes and policy (serve-access.ts), optional TLS, and a Host check.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { createPlacementApp } from '../api/app.js';
import {
  DEFAULT_LIMITS,
  LIMIT_FLAGS,
  limitsFromFlags,
  parseLimitValue,
  type RequestLimits,
  STRATEGY_FLAG,
} from '../api/limits.js';
import { safeLoggerOptions } from '../api/log-safety.js';
import { isLoopback } from '../auth/hosts.js';
import { dashboardExtension } from '../dashboard/routes.js';
import { STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS } from '../placement/standard-names.js';
import { openStore } from '../store/open.js';
import { type AccessConfig, type AuthMode, buildAccess, ServeConfigError } from './serve-access.js';

export interface ServeOptions extends AccessConfig {
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
  tlsCert?: string;
  tlsKey?: string;
}

export interface ServeHandle {
  /** The URL the server listens on. */
  url: string;
  auth: AuthMode;
  close(): Promise<void>;
}

export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  if (i < 0) return { host: '127.0.0.1', port: Number(listen) };
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(listen.slice(i + 1)) };
}

/** A database URL as it may be shown: the password replaced. */
export function redactDbUrl(db: string): string {
  return db.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

/**
 * Where the database is: --db-file (a file holding the URL, so the password is in neither the
 * process list nor the shell history), else --db given on the command line, else $VFNET_DB_URL,
 * else --db from the configuration file or its default. Flags win over the environment, as
 * everywhere else in the CLI.
 */
export function resolveDb(
  o: { db?: string; dbFile?: string; dbOnCommandLine?: boolean },
  env: NodeJS.ProcessEnv,
): string {
  if (o.dbFile) {
    try {
      return readFileSync(o.dbFile, 'utf8').trim();
    } catch (e) {
      throw new ServeConfigError(`cannot read --db-file ${o.dbFile}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
    }
  }
  if (o.dbOnCommandLine && o.db) return o.db;
  return env.VFNET_DB_URL || o.db || './data/vfnet.db';
}

function readTls(o: ServeOptions): { cert: Buffer; key: Buffer } | null {
  if (!o.tlsCert && !o.tlsKey) return null;
  if (!o.tlsCert || !o.tlsKey) throw new ServeConfigError('TLS needs both --tls-cert and --tls-key');
  try {
    return { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) };
  } catch (e) {
    throw new ServeConfigError(
      `cannot read the TLS certificate or key: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export async function serve(opts: ServeOptions = {}): Promise<ServeHandle> {
  // Request URLs with their credential-like query values replaced, no header (api/log-safety.ts).
  const logger = pino(safeLoggerOptions(opts.logLevel ?? 'info'), pino.destination(2));
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:8778');
  const built = buildAccess(opts, host, (msg) => logger.warn(msg));
  const tls = readTls(opts);
  for (const w of built.warnings) {
    logger.warn(w);
    console.error(`vfnet serve: ${w}`);
  }
  const db = opts.db ?? './data/vfnet.db';
  const store = await openStore(db);
  let app: ReturnType<typeof createPlacementApp>;
  try {
    await store.seedStandardNames(STANDARD_RESOURCE_CLASSES, STANDARD_TRAITS);
    app = createPlacementApp({
      store,
      logger,
      corsAllowedOrigin: opts.corsAllowedOrigin ?? null,
      limits: opts.limits ?? {},
      access: built.access,
      tls,
      // noauth2: a token only names the caller, so the page may name the admin by itself.
      extensions: [dashboardExtension({ noauthToken: (opts.auth ?? 'noauth2') === 'noauth2' ? 'admin' : null })],
    });
  } catch (e) {
    await store.close();
    throw e;
  }
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
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  logger.info({ url, db: redactDbUrl(db), access: built.notices.join('; ') }, 'vfnet placement service listening');
  return { url, auth: opts.auth ?? 'noauth2', close };
}

/** Commands that work against this server in its auth mode, for the start banner. */
export function tryCommands(url: string, o: ServeOptions): string[] {
  const curl = (token: string) =>
    `curl -s -H "x-auth-token: ${token}" -H 'openstack-api-version: placement 1.39' ${url}/resource_providers`;
  switch (o.auth ?? 'noauth2') {
    case 'noauth2':
      return [
        curl('admin'),
        `openstack --os-auth-type admin_token --os-token admin --os-endpoint ${url} resource provider list`,
      ];
    case 'token':
      return [`${curl('$(cat MY_TOKEN_FILE)')}   # a token listed in ${o.tokenFile}`];
    case 'keystone':
      return [
        'openstack resource provider list   # with OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME of a user with the admin or service role',
      ];
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A checker's error as commander's, so a bad flag is a usage error naming the flag. */
function checked<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ServeConfigError(`not a whole number: ${v}`);
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The access, TLS and database options `vfnet serve` and the development entry share. */
export function addServeOptions(cmd: Command): Command {
  cmd
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8778')
    .option(
      '--db <path|url>',
      'SQLite file, or a postgres:// URL shared by several servers (a URL with a password: use --db-file or VFNET_DB_URL)',
      './data/vfnet.db',
    )
    .option('--db-file <path>', 'read the database URL from this file (keeps a password out of the process list)')
    .addOption(
      new Option('--auth <mode>', 'noauth2 (loopback only: trusts the caller) | token (--token-file) | keystone')
        .choices(['noauth2', 'token', 'keystone'])
        .default('noauth2'),
    )
    .option('--insecure-noauth', 'allow --auth noauth2 on a non-loopback address (warns at every start)')
    .option(
      '--token-file <path>',
      'static tokens with their users, projects and roles (YAML/JSON, see docs/user-guide.md)',
    )
    .option('--keystone-credentials-file <path>', 'auth_url and the service user that validates tokens (YAML/JSON)')
    .option('--keystone-cache-seconds <n>', 'reuse a validated token this long (keystonemiddleware: 300)', int)
    .option(
      '--keystone-revocation-check-seconds <n>',
      'read Keystone revocation events at most this often; 0: on every cached use',
      int,
    )
    .addOption(
      new Option(
        '--policy-defaults <secure|legacy>',
        "Placement's secure RBAC defaults (current Placement) or the legacy ones",
      )
        .choices(['secure', 'legacy'])
        .default('secure'),
    )
    .option('--policy-file <path>', "rule overrides in oslo.policy's language (YAML or JSON)")
    .option('--allowed-host <name>', 'answer requests with this Host name too (repeatable)', collect)
    .option('--tls-cert <path>', 'serve HTTPS: certificate chain (PEM)')
    .option('--tls-key <path>', 'serve HTTPS: private key (PEM)')
    .option('--cors-allowed-origin <origin>', "enable CORS for this origin (Placement's [cors] allowed_origin)")
    .addOption(
      new Option('--log-level <level>', 'pino log level for request logs on stderr')
        .choices(LOG_LEVELS)
        .default('info'),
    );
  // Request and connection limits (api/limits.ts; docs/user-guide.md, "Limits"), checked as they
  // are parsed, so a bad one in the configuration file is reported with its line.
  for (const f of LIMIT_FLAGS)
    cmd.option(`--${f.flag} <n>`, f.help, (v: string) => checked(() => parseLimitValue(f, v)), DEFAULT_LIMITS[f.key]);
  return cmd.addOption(
    new Option(
      `--${STRATEGY_FLAG} <order>`,
      'depth-first or breadth-first: how trees are visited when a cap or limit cuts the answer',
    )
      .choices(['depth-first', 'breadth-first'])
      .default(DEFAULT_LIMITS.generationStrategy),
  );
}

/** Commander's parsed options → ServeOptions; `cmd` tells which options came from the command line. */
export function serveOptionsFrom(o: Record<string, unknown>, env: NodeJS.ProcessEnv, cmd?: Command): ServeOptions {
  const dbOnCommandLine = cmd?.getOptionValueSource('db') === 'cli';
  const out: ServeOptions = {
    listen: o.listen as string,
    db: resolveDb({ db: o.db as string, dbFile: o.dbFile as string | undefined, dbOnCommandLine }, env),
    corsAllowedOrigin: (o.corsAllowedOrigin as string | undefined) ?? null,
    logLevel: o.logLevel as string,
    limits: limitsFromFlags(o),
    auth: o.auth as AuthMode,
    insecureNoauth: !!o.insecureNoauth,
    policyDefaults: o.policyDefaults as 'secure' | 'legacy',
    allowedHosts: (o.allowedHost as string[] | undefined) ?? [],
  };
  for (const [k, v] of [
    ['tokenFile', o.tokenFile],
    ['keystoneCredentialsFile', o.keystoneCredentialsFile],
    ['policyFile', o.policyFile],
    ['tlsCert', o.tlsCert],
    ['tlsKey', o.tlsKey],
    ['keystoneCacheSeconds', o.keystoneCacheSeconds],
    ['keystoneRevocationCheckSeconds', o.keystoneRevocationCheckSeconds],
  ] as const) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** `vfnet serve`: the Placement-compatible API on the embedded SQLite store or PostgreSQL. */
export function registerServe(program: Command): void {
  addServeOptions(
    program
      .command('serve')
      .description(
        'serve the OpenStack Placement API (microversions 1.0-1.39, plus can_split) for SR-IOV resource providers',
      ),
  ).action(async (o, cmd: Command) => {
    const opts = serveOptionsFrom(o, process.env, cmd);
    if (/^postgres(ql)?:\/\/[^@/]*:[^@]*@/.test((o.db as string) ?? '')) {
      console.error(
        'vfnet serve: warning: the --db URL holds a password, visible in the process list; use --db-file or VFNET_DB_URL',
      );
    }
    let handle: ServeHandle;
    try {
      handle = await serve(opts);
    } catch (e) {
      if (e instanceof ServeConfigError || (e as Error).name.endsWith('FileError')) {
        console.error(`vfnet serve: ${(e as Error).message}`);
        process.exit(2);
      }
      throw e;
    }
    const where = isLoopback(parseListen(opts.listen ?? '').host) ? '' : ' (reachable from other machines)';
    console.error(
      `vfnet serve: listening on ${handle.url}${where} (store: ${redactDbUrl(opts.db!)}, auth: ${handle.auth}); try:`,
    );
    for (const c of tryCommands(handle.url, opts)) console.error(`  ${c}`);
  });
}
