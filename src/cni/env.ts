// The CNI_* environment: which variables each command needs, and their syntax.
import { CniCode, CniError } from './errors.js';
import { type CniCommand, COMMANDS } from './versions.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CniEnv {
  command: CniCommand;
  /** '' when the command does not take one (STATUS, GC, VERSION). */
  containerId: string;
  /** '' for STATUS/GC/VERSION, and for a DEL whose runtime no longer has a netns (ctr sends it empty). */
  netns: string;
  ifname: string;
  /** CNI_ARGS as an unordered map (runtimes vary the order from call to call). */
  args: ReadonlyMap<string, string>;
  /** CNI_ARGS said `IgnoreUnknown=1` (or `true`): keys the plugin does not know are not an error. */
  ignoreUnknownArgs: boolean;
  /** CNI_PATH split into directories, empty entries dropped. */
  paths: string[];
  /** CNI_NETNS_OVERRIDE was set: the caller knowingly passes the plugin's own netns. */
  netnsOverride: boolean;
}

type Var = 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH';

/** Required variables per command, in the order skel lists them when missing. */
const REQUIRED: Record<CniCommand, readonly Var[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  // DEL must succeed when the netns is already gone, so runtimes may send it empty.
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  STATUS: ['CNI_PATH'],
  GC: ['CNI_PATH'],
  VERSION: [],
};

const USES_ATTACHMENT: Record<CniCommand, boolean> = {
  ADD: true,
  DEL: true,
  CHECK: true,
  STATUS: false,
  GC: false,
  VERSION: false,
};

/** Reads CNI_COMMAND alone: VERSION must work with whatever else the runtime sends (libcni sends dummies). */
export function parseCommand(env: Env): CniCommand {
  const raw = env.CNI_COMMAND ?? '';
  if (raw === '') throw missing(['CNI_COMMAND']);
  const command = raw.toUpperCase() as CniCommand;
  if (!COMMANDS.includes(command)) {
    throw new CniError(
      CniCode.InvalidEnvironment,
      `unknown CNI_COMMAND: ${raw}`,
      `expected one of ${COMMANDS.join(', ')}`,
    );
  }
  return command;
}

/** Parses and validates the CNI_* variables the command needs; throws CniError code 4 naming what is wrong. */
export function parseEnv(env: Env): CniEnv {
  const command = parseCommand(env);
  const absent = REQUIRED[command].filter((name) => !env[name]);
  if (absent.length > 0) throw missing(absent);

  const attachment = USES_ATTACHMENT[command];
  const containerId = attachment ? (env.CNI_CONTAINERID ?? '') : '';
  const ifname = attachment ? (env.CNI_IFNAME ?? '') : '';
  if (attachment) {
    validateContainerId(containerId);
    validateIfname(ifname);
  }
  const { args, ignoreUnknown } = attachment
    ? parseCniArgs(env.CNI_ARGS ?? '')
    : { args: new Map<string, string>(), ignoreUnknown: false };
  return {
    command,
    containerId,
    netns: attachment ? (env.CNI_NETNS ?? '') : '',
    ifname,
    args,
    ignoreUnknownArgs: ignoreUnknown,
    paths: command === 'VERSION' ? [] : splitPath(env.CNI_PATH ?? ''),
    netnsOverride: (env.CNI_NETNS_OVERRIDE ?? '') !== '',
  };
}

function missing(names: readonly string[]): CniError {
  return new CniError(CniCode.InvalidEnvironment, `required env variables [${names.join(',')}] missing`);
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function validateContainerId(id: string): void {
  if (!CONTAINER_ID.test(id)) {
    throw new CniError(
      CniCode.InvalidEnvironment,
      'invalid characters in containerID',
      `CNI_CONTAINERID ${JSON.stringify(id)}: expected a letter or digit, then letters, digits, '_', '.' or '-'`,
    );
  }
}

/** Linux accepts names of up to IFNAMSIZ-1 = 15 bytes without '/', ':' or whitespace, other than '.' and '..'. */
export function validateIfname(name: string): void {
  const bad = (why: string): CniError =>
    new CniError(CniCode.InvalidEnvironment, 'invalid interface name', `CNI_IFNAME ${JSON.stringify(name)}: ${why}`);
  if (name === '') throw bad('must not be empty');
  if (Buffer.byteLength(name) > 15) throw bad('longer than 15 bytes');
  if (name === '.' || name === '..') throw bad("must not be '.' or '..'");
  if (/[/:\s]/.test(name)) throw bad("must not contain '/', ':' or whitespace");
}

/**
 * CNI_ARGS: `K=V;K=V`. The value is everything after the first '=' (a superset of what Go plugins
 * accept); empty segments (a trailing ';') are skipped. A segment without '=' or with an empty key is
 * an error naming that segment.
 */
export function parseCniArgs(raw: string): { args: Map<string, string>; ignoreUnknown: boolean } {
  const args = new Map<string, string>();
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new CniError(
        CniCode.InvalidEnvironment,
        'invalid CNI_ARGS',
        `pair ${JSON.stringify(pair)}: expected KEY=VALUE, pairs separated by ';'`,
      );
    }
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const flag = args.get('IgnoreUnknown');
  let ignoreUnknown = false;
  if (flag !== undefined) {
    const lower = flag.toLowerCase();
    if (lower === '1' || lower === 'true') ignoreUnknown = true;
    else if (lower !== '0' && lower !== 'false') {
      throw new CniError(
        CniCode.InvalidEnvironment,
        'invalid CNI_ARGS',
        `IgnoreUnknown=${flag}: expected 1, 0, true or false`,
      );
    }
  }
  return { args, ignoreUnknown };
}

/**
 * For plugins that accept a fixed set of CNI_ARGS keys: throws code 4 naming the first unknown key,
 * unless the runtime said IgnoreUnknown. `IgnoreUnknown` itself is always known.
 */
export function checkArgsKnown(
  args: ReadonlyMap<string, string>,
  ignoreUnknown: boolean,
  known: Iterable<string>,
): void {
  if (ignoreUnknown) return;
  const allowed = new Set(known);
  allowed.add('IgnoreUnknown');
  for (const key of args.keys()) {
    if (!allowed.has(key)) {
      throw new CniError(
        CniCode.InvalidEnvironment,
        'unknown CNI_ARGS key',
        `${key}: expected one of ${[...allowed].join(', ')} (or IgnoreUnknown=1)`,
      );
    }
  }
}

function splitPath(raw: string): string[] {
  return raw.split(':').filter((dir) => dir !== '');
}
