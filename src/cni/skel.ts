// The command dispatcher: reads the environment and stdin, applies the spec's checks in skel's order,
// calls the plugin's handler and prints its result or error. It never exits the process; it returns
// the exit code so the caller (and tests) decide.
import { statSync } from '../os/fs.js';
import { type Env, parseCommand, parseEnv } from './env.js';
import { CniCode, CniError } from './errors.js';
import type { CniRequest } from './request.js';
import { type CniResult, formatResult, parseResult, validateResult } from './result.js';
import { peekVersion, versionAnswer } from './version-answer.js';
import {
  type CniCommand,
  commandAllowed,
  firstVersionFor,
  isSupportedVersion,
  LATEST_VERSION,
  SUPPORTED_VERSIONS,
  VERSION_WHEN_MISSING,
} from './versions.js';

type MaybePromise<T> = T | Promise<T>;

export interface PluginHandlers {
  /** Returns the result; the dispatcher prints it in the config's version. */
  add(request: CniRequest): MaybePromise<CniResult>;
  del(request: CniRequest): MaybePromise<void>;
  check(request: CniRequest): MaybePromise<void>;
  /** Throw CniError code 50 or 51 when ADD could not succeed. */
  status(request: CniRequest): MaybePromise<void>;
  gc(request: CniRequest): MaybePromise<void>;
}

export interface PluginIo {
  env: Env;
  stdin: Buffer;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Is `path` the plugin's own network namespace? Defaults to comparing stat dev/ino with /proc/self/ns/net. */
  isOwnNetns?(path: string): boolean;
}

/** Same device and inode: the same namespace, whatever path names it. Unreadable paths are not ours. */
export function isOwnNetnsByStat(path: string): boolean {
  try {
    const theirs = statSync(path);
    const ours = statSync('/proc/self/ns/net');
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false;
  }
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Runs one CNI invocation and returns the exit code: 0 on success, 1 after printing an error. */
export async function runPlugin(handlers: PluginHandlers, io: PluginIo): Promise<number> {
  // The config's version once it is known and supported; errors are reported in it.
  let errorVersion: string | undefined;
  try {
    const command = parseCommand(io.env);
    if (command === 'VERSION') {
      io.stdout(versionAnswer(io.stdin));
      return 0;
    }
    const env = parseEnv(io.env);
    const config = decodeConfig(io.stdin);
    const cniVersion = configVersion(config);
    checkVersion(cniVersion);
    errorVersion = cniVersion;
    checkCommandAllowed(command, cniVersion);
    checkName(config);

    if (
      (command === 'ADD' || command === 'DEL') &&
      env.netns !== '' &&
      !env.netnsOverride &&
      (io.isOwnNetns ?? isOwnNetnsByStat)(env.netns)
    ) {
      throw new CniError(
        CniCode.InvalidNetns,
        "plugin's netns and netns from CNI_NETNS should not be the same",
        `CNI_NETNS ${env.netns} is the plugin's own network namespace`,
      );
    }

    const request: CniRequest = {
      command,
      containerId: env.containerId,
      netns: env.netns,
      ifname: env.ifname,
      args: env.args,
      ignoreUnknownArgs: env.ignoreUnknownArgs,
      paths: env.paths,
      cniVersion,
      config,
      stdin: io.stdin,
      prevResult: readPrevResult(command, config, cniVersion, io),
      env: io.env,
      stderr: io.stderr,
    };

    switch (request.command) {
      case 'ADD': {
        const result = await handlers.add(request);
        // A malformed result would break the runtime later and far away; fail here instead.
        validateResult(result);
        io.stdout(`${JSON.stringify(formatResult(result, cniVersion))}\n`);
        break;
      }
      case 'DEL':
        await handlers.del(request);
        break;
      case 'CHECK':
        await handlers.check(request);
        break;
      case 'STATUS':
        await handlers.status(request);
        break;
      case 'GC':
        await handlers.gc(request);
        break;
    }
    return 0;
  } catch (e) {
    let error: CniError;
    if (e instanceof CniError) {
      error = e;
    } else {
      const message = e instanceof Error ? e.message : String(e);
      // The stack helps whoever reads the runtime's log; stdout stays the spec's error JSON.
      io.stderr(`internal error: ${e instanceof Error && e.stack ? e.stack : message}\n`);
      error = new CniError(CniCode.Internal, message);
    }
    // Before the config is read, use the version the caller asked for when it can be told.
    io.stdout(`${JSON.stringify(error.toJson(errorVersion ?? peekVersion(io.stdin) ?? LATEST_VERSION))}\n`);
    return 1;
  }
}

function decodeConfig(stdin: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(stdin.toString('utf8'));
  } catch (e) {
    throw new CniError(CniCode.DecodingFailure, 'error parsing network config', (e as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CniError(CniCode.DecodingFailure, 'error parsing network config', 'expected a JSON object');
  }
  return value as Record<string, unknown>;
}

function configVersion(config: Record<string, unknown>): string {
  const v = config.cniVersion;
  if (v === undefined || v === null || v === '') return VERSION_WHEN_MISSING;
  if (typeof v !== 'string') {
    throw new CniError(
      CniCode.DecodingFailure,
      'error parsing network config',
      `cniVersion ${JSON.stringify(v)}: expected a string such as "1.0.0"`,
    );
  }
  return v;
}

function checkVersion(v: string): void {
  if (!isSupportedVersion(v)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      'incompatible CNI versions',
      `config is ${JSON.stringify(v)}, plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`,
    );
  }
}

function checkCommandAllowed(command: CniCommand, v: string): void {
  if (!commandAllowed(command, v)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      `config version does not allow ${command}`,
      `config is ${JSON.stringify(v)}; ${command} needs ${firstVersionFor(command)} or later`,
    );
  }
}

function checkName(config: Record<string, unknown>): void {
  const name = config.name;
  if (name === undefined || name === null || name === '') {
    throw new CniError(CniCode.InvalidConfig, 'missing network name', 'name: expected a non-empty string');
  }
  if (typeof name !== 'string' || !NETWORK_NAME.test(name)) {
    throw new CniError(
      CniCode.InvalidConfig,
      'invalid characters found in network name',
      `name ${JSON.stringify(name)}: expected a letter or digit, then letters, digits, '_', '.' or '-'`,
    );
  }
}

/**
 * DEL must succeed whatever state things are in, so there an unparseable prevResult is logged and
 * dropped (the plugin falls back to its own cache); elsewhere it is a decoding error.
 */
function readPrevResult(
  command: CniCommand,
  config: Record<string, unknown>,
  cniVersion: string,
  io: PluginIo,
): CniResult | null {
  const raw = config.prevResult;
  if (raw === undefined || raw === null) return null;
  try {
    return parseResult(raw, cniVersion);
  } catch (e) {
    const err = e instanceof CniError ? e : new CniError(CniCode.DecodingFailure, String(e));
    if (command === 'DEL') {
      io.stderr(`ignoring prevResult on DEL: ${err.message}\n`);
      return null;
    }
    throw new CniError(err.code, `prevResult: ${err.msg}`, err.details);
  }
}
