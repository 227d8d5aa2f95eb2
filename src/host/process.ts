// The real process ports: ProcessRunner runs a program to completion (IPAM plugins are
// short-lived), feeding it stdin and capturing stdout and stderr; ProcessTable looks processes up
// by pid, through signal 0 and /proc.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { HostError, type ProcessResult, type ProcessRunner, type ProcessTable } from './ports.js';

/** Delegates print a few KB; this only guards against a runaway child. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export class SpawnProcessRunner implements ProcessRunner {
  run(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): ProcessResult {
    const cleanEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(env)) if (value !== undefined) cleanEnv[key] = value;
    const r = spawnSync(file, args, {
      env: cleanEnv,
      input: stdin,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: MAX_OUTPUT_BYTES,
      windowsHide: true,
    });
    if (r.error) {
      const errno = (r.error as NodeJS.ErrnoException).code ?? null;
      throw new HostError(`cannot run ${file}: ${r.error.message}`, errno);
    }
    return {
      status: r.status ?? signalStatus(r.signal),
      stdout: r.stdout?.toString('utf8') ?? '',
      stderr: r.stderr?.toString('utf8') ?? '',
    };
  }
}

/** A child killed by a signal gets the shell's convention, 128 + the signal number. */
function signalStatus(signal: NodeJS.Signals | null): number {
  const n = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return n ? 128 + n : 1;
}

/**
 * The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null when
 * there is no such process. The command name (field 2) may contain spaces and parentheses, so the
 * fields are counted from the last ')'.
 */
export function processStartTime(pid: number, procRoot = '/proc'): string | null {
  let stat: string;
  try {
    stat = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  return fields[19] ?? null;
}

export class SystemProcessTable implements ProcessTable {
  /** `procRoot`: where to read process start times; tests point it at a fake /proc. */
  constructor(private readonly procRoot = '/proc') {}

  alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it runs, as another user.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  startTime(pid: number): string | null {
    return processStartTime(pid, this.procRoot);
  }
}
