// vfnet's configuration file: one JSON file for `vfnet serve` and `vfnet agent`, one section per
// command, each key the long name of one of that command's flags, so the file says nothing the
// flags cannot and a flag on the command line always wins over it. JSON because Node parses it
// with nothing added, and keys starting with "//" are comments, since JSON has none.
//
//   { "serve": { "listen": "0.0.0.0:8778", "db": "/var/lib/vfnet-placement/placement.db" },
//     "agent": { "placement": "http://controller:8778", "physnet": { "ens1f0": "public" },
//                "token-file": "/etc/vfnet/token" } }
//
// Where it is read from: --config PATH, else $VFNET_CONFIG, else /etc/vfnet/vfnet.json when that
// exists. Relative paths in it are relative to the file. Everything is checked before any command
// runs: an unknown key or a value of the wrong kind fails with the file and key named.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';

export const DEFAULT_CONFIG_PATH = '/etc/vfnet/vfnet.json';
export const CONFIG_ENV = 'VFNET_CONFIG';

export type ConfigSection = 'serve' | 'agent';
/** Flag name (without --) → value, as the command's option would hold it. */
export type SectionValues = Record<string, string | number | boolean | string[]>;
export interface VfnetConfig {
  /** The file read; null when there was none (no flag, no env, no default file). */
  path: string | null;
  sections: Partial<Record<ConfigSection, SectionValues>>;
}

export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

type Kind = 'string' | 'path' | 'url' | 'seconds' | 'boolean' | 'logLevel' | 'physnets' | 'secretFile';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The keys each section may hold: exactly the flags of the command that the file may set. */
const KEYS: Record<ConfigSection, Record<string, Kind>> = {
  serve: { listen: 'string', db: 'path', 'cors-allowed-origin': 'string', 'log-level': 'logLevel' },
  agent: {
    placement: 'url',
    db: 'path',
    interval: 'seconds',
    physnet: 'physnets',
    'sysfs-root': 'path',
    hostname: 'string',
    token: 'string',
    'token-file': 'secretFile',
    json: 'boolean',
  },
};

/** Flags that name one choice between them (the agent's target): a flag given for one sets aside the file's others. */
const ALTERNATIVES: Record<ConfigSection, string[][]> = { serve: [], agent: [['placement', 'db']] };

const isComment = (key: string) => key.startsWith('//');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Reader = (path: string) => string;

/** One value checked and converted to what the flag's parser would have produced. */
function convert(
  where: string,
  kind: Kind,
  value: unknown,
  base: string,
  read: Reader,
): string | number | boolean | string[] {
  const fail = (expected: string): never => {
    throw new ConfigFileError(`${where}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value !== '' ? value : fail('a non-empty string');
    case 'path':
      if (typeof value !== 'string' || value === '') return fail('a path');
      // A URL (postgres://) or SQLite's :memory: is not a file path.
      return isAbsolute(value) || /^[a-z]+:/.test(value) ? value : resolve(base, value);
    case 'url':
      return typeof value === 'string' && /^https?:\/\/\S+$/.test(value) ? value : fail('an http(s) URL');
    case 'seconds':
      return typeof value === 'number' && Number.isFinite(value) && value >= 1
        ? value
        : fail('a number of seconds ≥ 1');
    case 'boolean':
      return typeof value === 'boolean' ? value : fail('true or false');
    case 'logLevel':
      return typeof value === 'string' && LOG_LEVELS.includes(value) ? value : fail(LOG_LEVELS.join(', '));
    case 'physnets': {
      // {"ens1f0": "public"} reads better than the flag's ["ens1f0=public"]; both are accepted.
      const pairs = isObject(value) ? Object.entries(value).filter(([k]) => !isComment(k)) : null;
      if (pairs?.every(([pf, net]) => pf !== '' && typeof net === 'string' && net !== ''))
        return pairs.map(([pf, net]) => `${pf}=${net}`);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string' && /^[^=]+=[^=]+$/.test(v)))
        return value as string[];
      return fail('an object of PF → physical network, e.g. {"ens1f0": "public"}');
    }
    case 'secretFile': {
      if (typeof value !== 'string' || value === '') return fail('a file path');
      const file = resolve(base, value);
      let text: string;
      try {
        text = read(file);
      } catch (e) {
        throw new ConfigFileError(`${where}: cannot read ${file}: ${(e as Error).message}`);
      }
      const secret = text.trim();
      return secret !== '' ? secret : fail(`a file that is not empty (${file})`);
    }
  }
}

/** Parses and checks a configuration file's text; `path` names it in errors and anchors relative paths. */
export function parseConfigFile(
  text: string,
  path: string,
  read: Reader = (p) => readFileSync(p, 'utf8'),
): VfnetConfig['sections'] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(`${path}: not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new ConfigFileError(`${path}: expected an object with "serve" and/or "agent"`);
  const base = dirname(resolve(path));
  const sections: VfnetConfig['sections'] = {};
  for (const [name, body] of Object.entries(doc)) {
    if (isComment(name)) continue;
    if (!(name in KEYS))
      throw new ConfigFileError(`${path}: unknown section "${name}" (expected ${Object.keys(KEYS).join(', ')})`);
    const section = name as ConfigSection;
    if (!isObject(body)) throw new ConfigFileError(`${path}: "${section}" must be an object`);
    const values: SectionValues = {};
    for (const [key, value] of Object.entries(body)) {
      if (isComment(key)) continue;
      const kind = KEYS[section][key];
      if (!kind)
        throw new ConfigFileError(
          `${path}: ${section}: unknown key "${key}" (expected one of ${Object.keys(KEYS[section]).join(', ')})`,
        );
      values[kind === 'secretFile' ? 'token' : key] = convert(`${path}: ${section}.${key}`, kind, value, base, read);
    }
    if ('token' in body && 'token-file' in body)
      throw new ConfigFileError(`${path}: ${section}: give "token" or "token-file", not both`);
    for (const group of ALTERNATIVES[section]) {
      const given = group.filter((k) => k in body);
      if (given.length > 1)
        throw new ConfigFileError(
          `${path}: ${section}: give one of ${given.map((k) => `"${k}"`).join(', ')}, not several`,
        );
    }
    sections[section] = values;
  }
  return sections;
}

/** Finds and reads the configuration: an explicit path must exist, the default may be absent. */
export function loadConfigFile(
  opts: { path?: string | undefined; env?: NodeJS.ProcessEnv; read?: Reader } = {},
): VfnetConfig {
  const read = opts.read ?? ((p: string) => readFileSync(p, 'utf8'));
  const explicit = opts.path || (opts.env ?? process.env)[CONFIG_ENV] || undefined;
  const path = explicit ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return { path: null, sections: {} };
    throw new ConfigFileError(`cannot read the configuration file ${path}: ${(e as Error).message}`);
  }
  return { path, sections: parseConfigFile(text, path, read) };
}

/**
 * Sets the command's options from its section, except those given on the command line or from
 * the environment (their source is 'cli' or 'env'): flags win. Returns the flags it set. Call it
 * after parsing and before the action (commander's preAction hook).
 */
export function applyConfig(command: Command, values: SectionValues | undefined): string[] {
  const attribute = (flag: string) => {
    const option = command.options.find((o) => o.long === `--${flag}`);
    if (!option) throw new ConfigFileError(`vfnet ${command.name()} has no --${flag}`);
    return option.attributeName();
  };
  const given = (flag: string) => {
    const source = command.getOptionValueSource(attribute(flag));
    return source === 'cli' || source === 'env';
  };
  const groups = ALTERNATIVES[command.name() as ConfigSection] ?? [];
  const applied: string[] = [];
  for (const [flag, value] of Object.entries(values ?? {})) {
    const key = attribute(flag);
    if (given(flag) || groups.some((g) => g.includes(flag) && g.some(given))) continue;
    command.setOptionValueWithSource(key, value, 'config');
    applied.push(flag);
  }
  return applied;
}
