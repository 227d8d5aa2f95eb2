// vfnet's configuration file: one JSON file for `vfnet serve` and `vfnet agent`, one section per
// command, each key the long name of one of that command's flags (config-keys.ts derives the
// keys from the flags themselves), so the file says nothing the flags cannot and a flag on the
// command line always wins over it. JSON because Node and Bun parse it with nothing added; keys
// starting with "//" are comments, since JSON has none.
//
//   { "serve": { "listen": "127.0.0.1:8778", "db": "/var/lib/vfnet-placement/placement.db" },
//     "agent": { "placement": "http://controller:8778", "physnet": { "ens1f0": "public" },
//                "token-file": "/etc/vfnet/placement-token" } }
//
// Where it is read from: --config PATH, else $VFNET_CONFIG, else /etc/vfnet/vfnet.json when that
// exists. This module finds and reads the file and says on which line each key is; what a key
// may hold is config-keys.ts's business.
import { readFileSync } from 'node:fs';
import { keyLines, lineAt } from './json-lines.js';

export const DEFAULT_CONFIG_PATH = '/etc/vfnet/vfnet.json';
export const CONFIG_ENV = 'VFNET_CONFIG';
export const SECTIONS = ['serve', 'agent'] as const;
export type ConfigSection = (typeof SECTIONS)[number];

/** A mistake in the configuration file: the message names the file, and the line and key when there is one. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/** One key of a section as the file gives it, not yet checked against the command's flags. */
export interface RawEntry {
  key: string;
  value: unknown;
  line: number;
}

export interface RawConfig {
  /** The file read; null when there was none (no --config, no VFNET_CONFIG, no default file). */
  path: string | null;
  sections: Partial<Record<ConfigSection, RawEntry[]>>;
}

export type Reader = (path: string) => string;
const readText: Reader = (p) => readFileSync(p, 'utf8');

export const isComment = (key: string) => key.startsWith('//');
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** "FILE:LINE: what": the form compilers use, so editors can jump to it. */
export function at(path: string, line: number | undefined, what: string): ConfigFileError {
  return new ConfigFileError(`${path}${line ? `:${line}` : ''}: ${what}`);
}

/** Node's JSON.parse says "at position N" (Bun's says nothing of where): the line, when it is said. */
function syntaxError(path: string, text: string, e: Error): ConfigFileError {
  const position = e.message.match(/position (\d+)/)?.[1];
  return at(path, position ? lineAt(text, Number(position)) : undefined, `not JSON: ${e.message}`);
}

/** Parses a configuration file's text into its sections' keys with their lines; `path` names it in errors. */
export function parseConfigText(text: string, path: string): RawConfig['sections'] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw syntaxError(path, text, e as Error);
  }
  if (!isObject(doc)) throw at(path, 1, `expected an object with ${SECTIONS.map((s) => `"${s}"`).join(' and/or ')}`);
  const lines = keyLines(text);
  const lineOf = (name: string) => lines.get(name)?.[0];
  // JSON.parse keeps the last of a key given twice; a file that says two things must not mean one silently.
  for (const [name, found] of lines) {
    if (found.length > 1 && !isComment(name.split('\0').pop()!))
      throw at(path, found[1], `${name.replace('\0', '.')} is given twice (lines ${found.join(', ')})`);
  }
  const sections: RawConfig['sections'] = {};
  for (const [name, body] of Object.entries(doc)) {
    if (isComment(name)) continue;
    if (!(SECTIONS as readonly string[]).includes(name))
      throw at(path, lineOf(name), `unknown section "${name}" (expected ${SECTIONS.join(', ')})`);
    if (!isObject(body)) throw at(path, lineOf(name), `"${name}" must be an object of flag names and values`);
    sections[name as ConfigSection] = Object.entries(body)
      .filter(([key]) => !isComment(key))
      .map(([key, value]) => ({ key, value, line: lineOf(`${name}\0${key}`) ?? 0 }));
  }
  return sections;
}

/** Finds and reads the configuration: a file asked for (--config, VFNET_CONFIG) must exist, the default may be absent. */
export function loadConfigText(
  opts: { path?: string | undefined; env?: NodeJS.ProcessEnv; read?: Reader } = {},
): RawConfig {
  const read = opts.read ?? readText;
  const explicit = opts.path || (opts.env ?? process.env)[CONFIG_ENV] || undefined;
  const path = explicit ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return { path: null, sections: {} };
    throw new ConfigFileError(
      `cannot read the configuration file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return { path, sections: parseConfigText(text, path) };
}
