// Running external programs (ip, cnitool, podman, the plugin) from the real-world suites and the
// plugin benchmark. Every call has a timeout, so a hung runtime fails one test instead of the
// whole run, and every failure carries the full command line and its output, because a bare
// "exit 1" from a CNI runtime says nothing.
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { recordBody, recordLog } from './secret-audit.js';

export interface RunOptions {
  /** Merged over process.env; an `undefined` value removes a variable. */
  env?: Record<string, string | undefined>;
  /** Use exactly `env` (plus nothing from process.env): what a runtime passes to a plugin is then explicit. */
  cleanEnv?: boolean;
  input?: string | Buffer;
  /** Default 60 s. On expiry the whole process group is killed (podman leaves helpers behind otherwise). */
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  command: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Wall time from spawn to exit, in milliseconds (benchmarks only; tests never assert it). */
  ms: number;
}

export class CommandError extends Error {
  constructor(readonly result: RunResult) {
    super(`command failed: ${formatResult(result)}`);
    this.name = 'CommandError';
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args].map(quote).join(' ');
}

/** One line for assertion messages: the command, how it ended, and what it printed. */
export function formatResult(r: RunResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  const out = r.stdout.trim() ? `\n  stdout: ${r.stdout.trim()}` : '';
  const err = r.stderr.trim() ? `\n  stderr: ${r.stderr.trim()}` : '';
  return `${r.command} → ${how}${out}${err}`;
}

function buildEnv(opts: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = opts.cleanEnv ? {} : { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * vfnet's own programs (the plugin, the CLI, the dev server) and the runtimes that relay the
 * plugin's errors: their output goes to the secret audit (secret-audit.ts); `ip` and the like do not.
 */
function auditedName(file: string, args: readonly string[]): string | null {
  const prog = basename(file);
  if (['sriov', 'vfnet', 'cnitool', 'podman'].includes(prog)) return prog;
  const script = basename(args[0] ?? '');
  if (/^node/.test(prog) && ['vfnet', 'placement-dev.js'].includes(script)) return `${script}-${args[1] ?? ''}`;
  return null;
}

function audit(file: string, args: readonly string[], r: RunResult): void {
  const name = auditedName(file, args);
  if (!name) return;
  if (r.stdout || r.stderr) recordLog(name, `${r.stdout}${r.stdout.endsWith('\n') ? '' : '\n'}${r.stderr}`);
  if (r.status !== 0) recordBody(`${name} (exit ${r.status ?? r.signal})`, r.status, `${r.stdout}\n${r.stderr}`);
}

export function run(file: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const command = commandLine(file, args);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(file, args, {
      env: buildEnv(opts),
      cwd: opts.cwd,
      // Own process group, so a timeout can take the whole tree down.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: Error | null = null;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      spawnError = e;
    });
    // A plugin that exits before reading stdin closes the pipe; that is its business, not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (spawnError ? `\n${String(spawnError)}` : '');
      const r: RunResult = {
        command,
        status: spawnError ? null : status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
        timedOut,
        ms: performance.now() - started,
      };
      audit(file, args, r);
      resolve(r);
    });
  });
}

/** `run`, but a non-zero exit, a signal or a timeout throws a CommandError with the full output. */
export async function runOk(file: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.status !== 0) throw new CommandError(r);
  return r;
}

/** Parses a command's stdout as JSON, naming the command when it is not JSON. */
export function parseJson(r: RunResult): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not JSON: ${formatResult(r)}`);
  }
}
