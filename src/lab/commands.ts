// The lab's only way to change the kernel: iproute2 (and ebtables, through `ip netns exec`),
// batched so one spawn carries many changes. Injected so tests can record instead of run.
import { createRequire } from 'node:module';
import { HostError } from '../host/ports.js';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(file: string, args: string[], input?: string): CommandResult;
}

// node:child_process is loaded at the first run, not with the module: the Bun-compiled plugin
// includes the lab's PF control for the simulated host, and the module costs it milliseconds per
// exec (node:net, Node's streams) when nothing is ever run (bun-process.ts).
let spawnSync: typeof import('node:child_process').spawnSync | undefined;

export const spawnRunner: CommandRunner = {
  run(file, args, input) {
    spawnSync ??= (createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process'))
      .spawnSync;
    const r = spawnSync(file, args, { input: input ?? '', encoding: 'utf8' });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code ?? null;
      throw new HostError(`cannot run ${file}: ${r.error.message}`, code);
    }
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  },
};

const ERRNO_BY_MESSAGE: [RegExp, string][] = [
  [/File exists/i, 'EEXIST'],
  [/Cannot find device|No such device/i, 'ENODEV'],
  [/No such file or directory/i, 'ENOENT'],
  [/Invalid argument/i, 'EINVAL'],
  [/Operation not supported|not supported/i, 'EOPNOTSUPP'],
  [/Device or resource busy/i, 'EBUSY'],
  [/Operation not permitted/i, 'EPERM'],
  [/Permission denied/i, 'EACCES'],
];

export function errnoOf(stderr: string): string | null {
  for (const [re, errno] of ERRNO_BY_MESSAGE) if (re.test(stderr)) return errno;
  return null;
}

/** Shell-free quoting for one word of an `ip -batch` line (ip splits on blanks, honours double quotes). */
export function batchWord(word: string): string {
  return /^[A-Za-z0-9_.:/@!-]+$/.test(word) ? word : `"${word.replace(/(["\\])/g, '\\$1')}"`;
}

export class Ip {
  constructor(private readonly runner: CommandRunner = spawnRunner) {}

  /** Runs `ip [-n netns] -batch -` over the lines; stops at the first failing line and throws. */
  batch(netns: string | null, lines: string[], what: string): void {
    if (lines.length === 0) return;
    const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
    const r = this.runner.run('ip', args, `${lines.join('\n')}\n`);
    if (r.status !== 0)
      throw new HostError(`${what}: ${oneLine(r.stderr) || `ip exited ${r.status}`}`, errnoOf(r.stderr));
  }

  /** Like batch, but keeps going past failing lines (for tear-down of partial states). */
  batchForce(netns: string | null, lines: string[]): CommandResult | null {
    if (lines.length === 0) return null;
    const args = netns ? ['-n', netns, '-force', '-batch', '-'] : ['-force', '-batch', '-'];
    return this.runner.run('ip', args, `${lines.join('\n')}\n`);
  }

  json<T>(netns: string | null, args: string[], what: string): T {
    const full = netns ? ['-n', netns, '-j', ...args] : ['-j', ...args];
    const r = this.runner.run('ip', full);
    if (r.status !== 0)
      throw new HostError(`${what}: ${oneLine(r.stderr) || `ip exited ${r.status}`}`, errnoOf(r.stderr));
    return JSON.parse(r.stdout || '[]') as T;
  }

  netnsList(): string[] {
    const r = this.runner.run('ip', ['-j', 'netns', 'list']);
    if (r.status !== 0 || r.stdout.trim() === '') return [];
    return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name);
  }

  /** Runs a command whose failure is expected and harmless (replays that may find nothing to undo). */
  runForce(file: string, args: string[], input?: string): CommandResult {
    return this.runner.run(file, args, input);
  }

  /** Runs a command once, throwing a HostError on failure. */
  run(file: string, args: string[], what: string, input?: string): string {
    const r = this.runner.run(file, args, input);
    if (r.status !== 0)
      throw new HostError(`${what}: ${oneLine(r.stderr) || `${file} exited ${r.status}`}`, errnoOf(r.stderr));
    return r.stdout;
  }
}

function oneLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).join('; ');
}
