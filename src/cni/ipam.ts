// IPAM delegation (spec section 4): exec the plugin named by `ipam.type`, found in CNI_PATH, with
// our environment (CNI_COMMAND set to the operation) and our stdin bytes unchanged.

import type { ProcessResult, ProcessRunner, StartedProcess } from '../host/ports.js';
import { accessSync, constants, statSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { CniCode, CniError, parseCniErrorJson } from './errors.js';
import type { CniRequest, HandlerCommand } from './request.js';
import { type CniResult, parseResult } from './result.js';

/** Finds an executable named `name` in `dirs`, first match wins; null when there is none. */
export type ExecutableFinder = (name: string, dirs: readonly string[]) => string | null;

export const findExecutable: ExecutableFinder = (name, dirs) => {
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) {
        accessSync(path, constants.X_OK);
        return path;
      }
    } catch {
      // missing or not executable: keep looking, as a PATH search does
    }
  }
  return null;
};

export interface DelegateOptions {
  find?: ExecutableFinder;
}

/** The config's `ipam.type`, or null when the config has no IPAM section (or an empty one). */
export function ipamType(config: Record<string, unknown>): string | null {
  const ipam = config.ipam;
  if (typeof ipam !== 'object' || ipam === null) return null;
  const type = (ipam as Record<string, unknown>).type;
  return typeof type === 'string' && type !== '' ? type : null;
}

/** An IPAM call under way (startIpam): result() waits for the plugin once and answers as delegateIpam does. */
export interface PendingIpam {
  /** The ADD result (null for other operations), or the delegate's error, thrown on every call. */
  result(): CniResult | null;
}

/**
 * Runs the IPAM plugin for `op`. ADD returns its result (parsed, in the internal form, with the
 * config's version as the fallback); other operations return null. The delegate's stderr goes to
 * `request.stderr`. A delegate's error JSON becomes a CniError with the delegate's code and its
 * name in front of the message.
 */
export function delegateIpam(
  op: HandlerCommand,
  request: CniRequest,
  runner: ProcessRunner,
  options: DelegateOptions = {},
): CniResult | null {
  return startIpam(op, request, runner, options).result();
}

/**
 * Starts the IPAM plugin for `op` and returns while it runs (where the runner can leave a child
 * running), so the caller can do its own work meanwhile; result() then answers as delegateIpam.
 * A plugin that cannot be found or started throws here, before anything runs.
 */
export function startIpam(
  op: HandlerCommand,
  request: CniRequest,
  runner: ProcessRunner,
  options: DelegateOptions = {},
): PendingIpam {
  const { type, file } = locateIpam(request, options);
  let started: StartedProcess;
  try {
    started = runner.start(file, [], { ...request.env, CNI_COMMAND: op }, request.stdin);
  } catch (e) {
    throw cannotRun(type, e);
  }
  let answer: { ok: CniResult | null } | { error: unknown } | null = null;
  return {
    result: () => {
      answer ??= settle(() => finishIpam(op, request, type, started));
      if ('error' in answer) throw answer.error;
      return answer.ok;
    },
  };
}

function cannotRun(type: string, e: unknown): CniError {
  return new CniError(CniCode.IoFailure, `failed to run IPAM plugin ${type}`, (e as Error).message);
}

function settle(fn: () => CniResult | null): { ok: CniResult | null } | { error: unknown } {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
}

function finishIpam(op: HandlerCommand, request: CniRequest, type: string, started: StartedProcess): CniResult | null {
  let out: ProcessResult;
  try {
    out = started.wait();
  } catch (e) {
    throw cannotRun(type, e);
  }
  if (out.stderr) request.stderr(out.stderr);

  if (out.status !== 0) {
    const err = parseCniErrorJson(out.stdout);
    if (err) throw new CniError(err.code, named(type, err.msg), err.details);
    // No error JSON: libcni would show the delegate's stderr, so do the same.
    const text = (out.stderr || out.stdout).trim() || `exit status ${out.status}`;
    throw new CniError(CniCode.Internal, named(type, text));
  }
  if (op !== 'ADD') return null;
  try {
    return parseResult(out.stdout, request.cniVersion);
  } catch (e) {
    if (e instanceof CniError) throw new CniError(e.code, named(type, e.msg), e.details);
    throw e;
  }
}

/**
 * Does the IPAM plugin speak `version`? Asked with VERSION, as libcni asks: STATUS and GC go only
 * to delegates that support 1.1.0 (Debian's host-local 1.1.1 answers them with codes 3 and 4).
 */
export function delegateSupports(
  version: string,
  request: CniRequest,
  runner: ProcessRunner,
  options: DelegateOptions = {},
): boolean {
  const { file } = locateIpam(request, options);
  try {
    const out = runner.run(
      file,
      [],
      { ...request.env, CNI_COMMAND: 'VERSION' },
      JSON.stringify({ cniVersion: version }),
    );
    if (out.status !== 0) return false;
    const info = JSON.parse(out.stdout) as { supportedVersions?: unknown };
    return Array.isArray(info.supportedVersions) && info.supportedVersions.includes(version);
  } catch {
    return false;
  }
}

function locateIpam(request: CniRequest, options: DelegateOptions): { type: string; file: string } {
  const type = ipamType(request.config);
  if (type === null) {
    throw new CniError(
      CniCode.InvalidConfig,
      'invalid network config',
      'ipam.type: missing, expected the name of an IPAM plugin',
    );
  }
  if (type.includes('/') || type === '.' || type === '..') {
    throw new CniError(
      CniCode.InvalidConfig,
      'invalid network config',
      `ipam.type ${JSON.stringify(type)}: expected a plugin name found in CNI_PATH, not a path`,
    );
  }
  const file = (options.find ?? findExecutable)(type, request.paths);
  if (file === null) {
    throw new CniError(
      CniCode.InvalidConfig,
      `failed to find IPAM plugin ${JSON.stringify(type)}`,
      `no executable ${type} in CNI_PATH [${request.paths.join(':')}]`,
    );
  }
  return { type, file };
}

/** Prefixes the delegate's name, unless the delegate already did (host-local does on CHECK). */
function named(type: string, msg: string): string {
  return msg.startsWith(`${type}: `) ? msg : `${type}: ${msg}`;
}
