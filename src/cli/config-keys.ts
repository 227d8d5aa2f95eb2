// The keys a configuration file section may hold, derived from the command's own options, and a
// file value turned into what the option would hold had the flag been given: a new flag has
// its key without anyone remembering to add one, and a value is checked by the flag's own
// parser (its choices, its number rules), so the file cannot accept what the flag refuses.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { at, isComment, isObject, type RawEntry, type Reader } from './config-file.js';

/**
 * flag: no argument (true/false; `--no-x` is key "x"). value: a string or number, passed to the
 * flag's parser. path: a file or directory, relative to the configuration file. secret-file: a
 * path to a file holding a secret, which must be there (a secret pasted in its place is
 * refused). list: a repeatable flag, as a JSON list. physnets: --physnet, as {"pf": "net"}.
 * path-or-flag: an optional-argument flag taking a path (the agent's --db [path]): true or a path.
 */
export type KeyKind = 'flag' | 'value' | 'path' | 'secret-file' | 'list' | 'physnets' | 'path-or-flag';

export interface ConfigKey {
  key: string;
  kind: KeyKind;
  option: Option;
}

/** Options that are about finding the file, not settings in it. */
const NOT_KEYS = new Set(['config']);
/** Files holding a credential: a token list or token, a key, a database URL with its password. */
const SECRET_FILES = new Set(['token-file', 'db-file', 'keystone-credentials-file', 'tls-key']);
/** Repeatable flags: their parser folds values into a list, so the kind cannot be read off the option. */
const REPEATABLE: Record<string, KeyKind> = { physnet: 'physnets', 'allowed-host': 'list' };
/** Keys that would put a secret inline, and the key that names a file for it instead. */
const INLINE_SECRETS: Record<string, string> = { token: 'token-file', password: 'keystone-credentials-file' };

const PATH_ARG = /[<[](path|dir|file)(\|url)?[>\]]/;

function kindOf(option: Option, key: string): KeyKind {
  if (REPEATABLE[key]) return REPEATABLE[key];
  if (!option.required && !option.optional) return 'flag';
  if (SECRET_FILES.has(key)) return 'secret-file';
  if (PATH_ARG.test(option.flags)) return option.optional ? 'path-or-flag' : 'path';
  if (option.optional) throw new Error(`--${key}: an optional argument that is not a path has no config kind`);
  return 'value';
}

/** Every key of a command: one per option but --config. */
export function configKeys(command: Command): Map<string, ConfigKey> {
  const keys = new Map<string, ConfigKey>();
  for (const option of command.options) {
    const long = option.long?.slice(2);
    if (!long) continue;
    const key = option.negate ? long.slice('no-'.length) : long;
    if (NOT_KEYS.has(key)) continue;
    keys.set(key, { key, kind: kindOf(option, key), option });
  }
  return keys;
}

/** What the file's entry says, as the option's value; `base` is the file's directory. */
export function convertEntry(
  spec: ConfigKey,
  entry: RawEntry,
  where: { path: string; section: string; read: Reader },
): unknown {
  const { value } = entry;
  const fail = (what: string): never => {
    throw at(where.path, entry.line, `${where.section}.${entry.key}: ${what}`);
  };
  const expected = (what: string): never => fail(`expected ${what}, got ${JSON.stringify(value)}`);
  const parse = (text: string, previous?: unknown): unknown => {
    if (!spec.option.parseArg) return text;
    try {
      return spec.option.parseArg(text, previous);
    } catch (e) {
      const choices = spec.option.argChoices;
      return choices ? expected(`one of ${choices.join(', ')}`) : fail((e as Error).message);
    }
  };
  const base = dirname(resolve(where.path));
  const asPath = (v: unknown): string => {
    if (typeof v !== 'string' || v === '') return expected('a path');
    if (inlinePassword(v))
      return fail(
        'the URL holds a password: put the URL in a file of its own (mode 0600) named by "db-file", or in VFNET_DB_URL',
      );
    // A URL (postgres://) or SQLite's :memory: is not a file path.
    return isAbsolute(v) || /^[a-z][a-z0-9+.-]*:/.test(v) ? v : resolve(base, v);
  };
  switch (spec.kind) {
    case 'flag':
      return typeof value === 'boolean' ? value : expected('true or false');
    case 'value':
      if (inlinePassword(value)) return asPath(value);
      if (!(typeof value === 'string' && value !== '') && !(typeof value === 'number' && Number.isFinite(value)))
        return expected('a string or a number');
      return parse(String(value));
    case 'path':
      return parse(asPath(value));
    case 'path-or-flag':
      return value === true ? true : parse(asPath(value));
    case 'secret-file': {
      const file = asPath(value);
      try {
        where.read(file);
      } catch (e) {
        // A value without a "/" may be the secret itself: the error, which goes to logs, does not repeat it.
        const named = typeof value === 'string' && value.includes('/') ? file : 'the file it names';
        return fail(
          `cannot read ${named} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): this key takes the path of a file that holds the secret, not the secret itself`,
        );
      }
      return parse(file);
    }
    case 'list':
    case 'physnets': {
      // {"ens1f0": "public"} reads better than the flag's ["ens1f0=public"]; both are accepted.
      const items =
        spec.kind === 'physnets' && isObject(value)
          ? Object.entries(value)
              .filter(([k]) => !isComment(k))
              .map(([pf, net]) => (typeof net === 'string' && net !== '' && pf !== '' ? `${pf}=${net}` : null))
          : Array.isArray(value)
            ? value.map((v) => (typeof v === 'string' && v !== '' ? v : null))
            : null;
      if (!items || items.includes(null))
        return expected(
          spec.kind === 'physnets'
            ? 'an object of PF → physical network, e.g. {"ens1f0": "public"}'
            : 'a list of strings, e.g. ["a", "b"]',
        );
      return (items as string[]).reduce<unknown>((acc, item) => parse(item, acc), []);
    }
  }
}

/** The error for a key the section does not have, pointing at the file key when it would have been a secret inline. */
export function unknownKey(keys: Map<string, ConfigKey>, entry: RawEntry, path: string, section: string) {
  const instead = INLINE_SECRETS[entry.key];
  if (instead && keys.has(instead))
    return at(
      path,
      entry.line,
      `${section}.${entry.key}: a secret does not go in this file: write it to a file of its own (mode 0600) and give that file's path as "${instead}"`,
    );
  return at(
    path,
    entry.line,
    `${section}: unknown key "${entry.key}" (the keys are the long flags of vfnet ${section}: ${[...keys.keys()].join(', ')})`,
  );
}

/** A database URL with a password in it: a secret inline, where --db-file names a file for it. */
export function inlinePassword(value: unknown): boolean {
  return typeof value === 'string' && /^postgres(ql)?:\/\/[^@/]*:[^@]*@/.test(value);
}
