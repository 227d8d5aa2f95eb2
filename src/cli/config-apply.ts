// The configuration file meets the commands: `--config FILE` on serve, agent, sweep and doctor,
// and a preAction hook that reads the file, checks all of it against the commands' flags, and
// sets the options the command line and the environment left at their defaults. It runs
// before any action, so a mistake in the file stops the command before anything starts.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  at,
  type ConfigSection,
  DEFAULT_CONFIG_PATH as defaultPath,
  loadConfigText,
  type RawConfig,
  type Reader,
  SECTIONS,
} from './config-file.js';
import { configKeys, convertEntry, unknownKey } from './config-keys.js';

/** Which section each command reads. */
export const SECTION_OF: Record<string, ConfigSection> = {
  serve: 'serve',
  agent: 'agent',
  sweep: 'agent',
  doctor: 'agent',
};

/** What sweep and doctor take from the agent's section: they look at the node the agent keeps. */
export const SHARED_WITH_AGENT = ['sysfs-root', 'state-dir', 'sriov-cni-dir', 'db', 'hostname', 'cni-path'];

/** Keys that name one choice between them: the file may give one, and a flag for one sets aside the file's other. */
const ALTERNATIVES: Record<ConfigSection, string[][]> = { serve: [['db', 'db-file']], agent: [['placement', 'db']] };

/**
 * Environment variables that stand for a flag (the option's default is read from them, or the
 * command reads them in its place): when set, they win over the file, as the flag would.
 */
const NODE_ENV: Record<string, string[]> = {
  'sysfs-root': ['VFNET_SYSFS_ROOT'],
  'state-dir': ['VFNET_STATE_DIR'],
  'sriov-cni-dir': ['VFNET_SRIOV_CNI_DIR'],
  'cni-path': ['CNI_PATH'],
};
export const ENV_OVER_FILE: Record<string, Record<string, string[]>> = {
  serve: { 'db-file': ['VFNET_DB_URL'] },
  agent: { ...NODE_ENV, 'token-file': ['VFNET_TOKEN', 'VFNET_TOKEN_FILE'] },
  sweep: { ...NODE_ENV, hostname: ['VFNET_HOSTNAME'], db: ['VFNET_DB'] },
  doctor: { ...NODE_ENV, hostname: ['VFNET_HOSTNAME'], db: ['VFNET_DB'] },
};

export interface CheckedValue {
  value: unknown;
  line: number;
}
export type CheckedConfig = Partial<Record<ConfigSection, Map<string, CheckedValue>>>;

/** Every section checked against its command's flags (all of the file, whichever command reads it). */
export function checkConfig(program: Command, raw: RawConfig, read: Reader): CheckedConfig {
  const out: CheckedConfig = {};
  const path = raw.path ?? defaultPath;
  for (const section of SECTIONS) {
    const entries = raw.sections[section];
    if (!entries) continue;
    const command = program.commands.find((c) => c.name() === section);
    if (!command) throw new Error(`vfnet has no ${section} command`);
    const keys = configKeys(command);
    const values = new Map<string, CheckedValue>();
    for (const entry of entries) {
      const spec = keys.get(entry.key);
      if (!spec) throw unknownKey(keys, entry, path, section);
      values.set(entry.key, { value: convertEntry(spec, entry, { path, section, read }), line: entry.line });
    }
    for (const group of ALTERNATIVES[section]) {
      const given = group.filter((k) => values.has(k));
      if (given.length > 1)
        throw at(
          path,
          values.get(given[1]!)!.line,
          `${section}: give one of ${given.map((k) => `"${k}"`).join(', ')}, not several`,
        );
    }
    out[section] = values;
  }
  return out;
}

/**
 * Sets the command's options from the file, except those given on the command line or by the
 * environment: flags win, then the environment, then the file, then the defaults. Returns the
 * keys it set.
 */
export function applyConfig(command: Command, config: CheckedConfig, env: NodeJS.ProcessEnv): string[] {
  const name = command.name();
  const section = SECTION_OF[name];
  const values = section ? config[section] : undefined;
  if (!values) return [];
  const keys = configKeys(command);
  const given = (key: string) => {
    const option = keys.get(key)?.option;
    const source = option ? command.getOptionValueSource(option.attributeName()) : undefined;
    return source === 'cli' || source === 'env';
  };
  const groups = section === name ? ALTERNATIVES[section] : [];
  const applied: string[] = [];
  for (const [key, { value }] of values) {
    // sweep and doctor: the node's keys only, and only what their own flags take (a path, not --db's bare "true").
    if (section !== name && (!SHARED_WITH_AGENT.includes(key) || typeof value !== 'string')) continue;
    const spec = keys.get(key);
    if (!spec || given(key) || groups.some((g) => g.includes(key) && g.some(given))) continue;
    if ((ENV_OVER_FILE[name]?.[key] ?? []).some((v) => env[v])) continue;
    command.setOptionValueWithSource(spec.option.attributeName(), value, 'config');
    applied.push(key);
  }
  return applied;
}

/** Adds --config to the commands that read the file, and the hook that applies it before their action. */
export function withConfigFile(program: Command, opts: { env?: NodeJS.ProcessEnv; read?: Reader } = {}): Command {
  const env = opts.env ?? process.env;
  const read = opts.read ?? ((p: string) => readFileSync(p, 'utf8'));
  for (const command of program.commands) {
    if (!SECTION_OF[command.name()]) continue;
    command.option(
      '--config <file>',
      `the configuration file (default: VFNET_CONFIG, else ${defaultPath} if it exists; flags win over it)`,
    );
  }
  return program.hook('preAction', (_program, action) => {
    if (!SECTION_OF[action.name()]) return;
    const raw = loadConfigText({ path: action.opts().config as string | undefined, env, read });
    if (!raw.path) return;
    applyConfig(action, checkConfig(program, raw, read), env);
  });
}
