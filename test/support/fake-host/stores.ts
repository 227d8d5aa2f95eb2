import {
  type Clock,
  HostError,
  type Lock,
  type Locks,
  type ProcessResult,
  type ProcessRunner,
  type ProcessTable,
  type StartedProcess,
  type StateFiles,
} from '../../../src/host/ports.js';
import { checkStateName } from '../../../src/host/state-files.js';
import type { CallRecorder } from './recorder.js';

/** A clock that only moves when someone sleeps or a test advances it, so timeouts cost no real time. */
export class FakeClock implements Clock {
  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number): void {
    if (ms > 0) this.current += ms;
  }

  advance(ms: number): void {
    this.sleep(ms);
  }
}

/** Processes by pid: none runs until a test starts one, so an owner a test invents is dead. */
export class FakeProcessTable implements ProcessTable {
  private readonly running = new Map<number, string>();

  /** A process with this pid runs from now on, started at `startTime`. */
  start(pid: number, startTime = `start-of-${pid}`): void {
    this.running.set(pid, startTime);
  }

  stop(pid: number): void {
    this.running.delete(pid);
  }

  alive(pid: number): boolean {
    return this.running.has(pid);
  }

  startTime(pid: number): string | null {
    return this.running.get(pid) ?? null;
  }
}

/** State files as JSON text in memory, so a test sees exactly what would be on disk. */
export class FakeStateFiles implements StateFiles {
  readonly dir = '/fake/state';
  readonly files = new Map<string, string>();
  /** When false, writes fail with `writeErrno`, as on a read-only or full filesystem. */
  canWrite = true;
  writeErrno = 'EROFS';

  constructor(private readonly recorder: CallRecorder) {}

  readJson<T>(name: string): T | null {
    checkStateName(name);
    return this.recorder.call('StateRead', `StateRead ${name}`, 'silent', () => {
      const text = this.files.get(name);
      if (text === undefined) return null;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new HostError(`state file ${this.dir}/${name} is not valid JSON: ${(err as Error).message}`, 'EBADMSG');
      }
    });
  }

  writeJson(name: string, value: unknown): void {
    checkStateName(name);
    this.recorder.call('StateWrite', `StateWrite ${name}`, 'event', () => {
      if (!this.canWrite)
        throw new HostError(`cannot write state file ${this.dir}/${name}: ${this.writeErrno}`, this.writeErrno);
      const text = JSON.stringify(value);
      if (text === undefined) throw new HostError(`state file ${name}: value is not JSON-serialisable`, 'EINVAL');
      this.files.set(name, text);
    });
  }

  readText(name: string): string | null {
    checkStateName(name);
    return this.files.get(name) ?? null;
  }

  rename(name: string, newName: string): boolean {
    checkStateName(name);
    checkStateName(newName);
    return this.recorder.call('StateWrite', `StateRename ${name} ${newName}`, 'event', () => {
      if (!this.canWrite)
        throw new HostError(`cannot rename state file ${this.dir}/${name}: ${this.writeErrno}`, this.writeErrno);
      const text = this.files.get(name);
      if (text === undefined) return false;
      this.files.delete(name);
      this.files.set(newName, text);
      return true;
    });
  }

  remove(name: string): void {
    checkStateName(name);
    this.recorder.call('StateRemove', `StateRemove ${name}`, 'event', () => {
      if (!this.canWrite && this.files.has(name))
        throw new HostError(`cannot remove state file ${this.dir}/${name}: ${this.writeErrno}`, this.writeErrno);
      this.files.delete(name);
    });
  }

  list(prefix = ''): string[] {
    return [...this.files.keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  /** Writes are atomic in memory: nothing is ever abandoned. */
  sweepAbandoned(): number {
    return 0;
  }

  writable(): boolean {
    return this.canWrite;
  }

  /** Puts raw bytes in place, e.g. a truncated cache file. */
  putRaw(name: string, text: string): void {
    this.files.set(name, text);
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.files].sort(([a], [b]) => a.localeCompare(b)));
  }
}

interface Holder {
  token: string;
  /** Clock time at which an external holder lets go; Infinity holds forever. */
  releaseAt: number;
}

/**
 * In-memory locks on the fake clock. `holdExternally` plays another process holding a lock: an
 * acquire waits (on the fake clock) until that holder lets go or the timeout passes.
 */
export class FakeLocks implements Locks {
  private readonly held = new Map<string, Holder>();
  private counter = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly recorder: CallRecorder,
  ) {}

  acquire(name: string, timeoutMs: number): Lock {
    return this.recorder.call('LockAcquire', `LockAcquire ${name}`, 'event', () => {
      this.expire();
      const holder = this.held.get(name);
      if (holder) {
        if (holder.releaseAt - this.clock.now() > timeoutMs) {
          this.clock.sleep(timeoutMs);
          throw new HostError(`timed out after ${timeoutMs} ms waiting for lock ${name}`, 'ETIMEDOUT');
        }
        this.clock.sleep(holder.releaseAt - this.clock.now());
        this.held.delete(name);
      }
      return this.take(name);
    });
  }

  tryAcquire(name: string): Lock | null {
    return this.recorder.call('LockAcquire', `LockTryAcquire ${name}`, 'event', () => {
      this.expire();
      return this.held.has(name) ? null : this.take(name);
    });
  }

  /** Another process takes the lock; it lets go after `releaseAfterMs` of fake time, or when the returned function is called. */
  holdExternally(name: string, releaseAfterMs = Infinity): () => void {
    const token = `external-${++this.counter}`;
    this.held.set(name, { token, releaseAt: this.clock.now() + releaseAfterMs });
    return () => {
      if (this.held.get(name)?.token === token) this.held.delete(name);
    };
  }

  isHeld(name: string): boolean {
    this.expire();
    return this.held.has(name);
  }

  heldNames(): string[] {
    this.expire();
    return [...this.held.keys()].sort();
  }

  private take(name: string): Lock {
    const token = `own-${++this.counter}`;
    this.held.set(name, { token, releaseAt: Infinity });
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (this.held.get(name)?.token !== token) return;
        this.recorder.call('LockRelease', `LockRelease ${name}`, 'event', () => this.held.delete(name));
      },
    };
  }

  private expire(): void {
    for (const [name, h] of this.held) if (h.releaseAt <= this.clock.now()) this.held.delete(name);
  }
}

export interface ExecCall {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
  stdin: string;
}

export type ExecHandler = (call: ExecCall) => ProcessResult;

/**
 * Runs nothing: answers like a CNI IPAM plugin. ADD prints `ipamResult` (by default one IPv4 address
 * in the request's cniVersion), DEL and CHECK succeed; `failIpam` makes every call print a CNI error.
 * A test can replace the whole behaviour with `handler`.
 */
export class FakeProcessRunner implements ProcessRunner {
  readonly calls: ExecCall[] = [];
  ipamResult: ((cniVersion: string) => unknown) | null = null;
  ipamError: { code: number; msg: string; commands: string[] } | null = null;
  handler: ExecHandler | null = null;

  constructor(private readonly recorder: CallRecorder) {}

  run(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): ProcessResult {
    const call: ExecCall = { file, args: [...args], env: { ...env }, stdin: stdin.toString() };
    const plugin = file.slice(file.lastIndexOf('/') + 1);
    return this.recorder.call('Exec', `Exec ${plugin} ${env.CNI_COMMAND ?? ''}`.trimEnd(), 'event', () => {
      this.calls.push(call);
      return (this.handler ?? ((c) => this.answerAsIpam(c)))(call);
    });
  }

  /** Runs it at once (a fake child ends before anything else happens); the Exec event is its start. */
  start(file: string, args: string[], env: Record<string, string | undefined>, stdin: string | Buffer): StartedProcess {
    const result = this.run(file, args, env, stdin);
    return { wait: () => result };
  }

  /** Every call fails with this CNI error (for the given commands; default all). */
  failIpam(code: number, msg: string, commands: string[] = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC']): void {
    this.ipamError = { code, msg, commands };
  }

  /** The calls made with this CNI_COMMAND. */
  callsFor(command: string): ExecCall[] {
    return this.calls.filter((c) => c.env.CNI_COMMAND === command);
  }

  private answerAsIpam(call: ExecCall): ProcessResult {
    const command = call.env.CNI_COMMAND ?? '';
    const cniVersion = requestVersion(call.stdin);
    if (this.ipamError?.commands.includes(command)) {
      return {
        status: 1,
        stdout: JSON.stringify({ cniVersion, code: this.ipamError.code, msg: this.ipamError.msg }),
        stderr: '',
      };
    }
    if (command !== 'ADD') return { status: 0, stdout: '', stderr: '' };
    const result = this.ipamResult ? this.ipamResult(cniVersion) : defaultIpamResult(cniVersion);
    return { status: 0, stdout: JSON.stringify(result), stderr: '' };
  }
}

function requestVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' ? v : '0.1.0';
  } catch {
    return '0.1.0';
  }
}

/** What host-local prints for one IPv4 address in each result format. */
export function defaultIpamResult(cniVersion: string): unknown {
  if (cniVersion === '0.1.0' || cniVersion === '0.2.0') {
    return { cniVersion, ip4: { ip: '10.56.217.2/24', gateway: '10.56.217.1' }, dns: {} };
  }
  if (cniVersion.startsWith('0.')) {
    return { cniVersion, ips: [{ version: '4', address: '10.56.217.2/24', gateway: '10.56.217.1' }], dns: {} };
  }
  return { cniVersion, ips: [{ address: '10.56.217.2/24', gateway: '10.56.217.1' }], dns: {} };
}
