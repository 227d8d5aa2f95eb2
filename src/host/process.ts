// The real ProcessRunner under Node (the vfnet CLI): runs a program to completion (IPAM plugins
// are short-lived), feeding it stdin and capturing stdout and stderr. The Bun-compiled plugin
// uses bun-process.ts instead: node:child_process pulls node:net and Node's streams into the
// process, several milliseconds of module evaluation per exec. ProcessTable is process-table.ts.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { HostError, type ProcessResult, type ProcessRunner, type StartedProcess } from './ports.js';

/** Delegates print a few KB; this only guards against a runaway child. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export class SpawnProcessRunner implements ProcessRunner {
  /** Runs it to its end: the vfnet CLI has nothing to overlap with its IPAM calls. */
  start(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): StartedProcess {
    const result = this.run(file, args, env, stdin);
    return { wait: () => result };
  }

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
