import { HostError } from '../../../src/host/ports.js';

export type RecordKind = 'netlink' | 'event' | 'silent';

/** Decides whether a fault applies to a call; a string matches when the call line contains it. */
export type CallMatch = string | RegExp | ((line: string) => boolean);

interface Fault {
  op: string;
  errno: string;
  message: string | null;
  match: CallMatch | null;
  once: boolean;
}

function matches(match: CallMatch | null, line: string): boolean {
  if (match === null) return true;
  if (typeof match === 'string') return line.includes(match);
  if (match instanceof RegExp) return match.test(line);
  return match(line);
}

/** Kernel-style texts, so that messages built from a fake error read like real ones. */
const ERRNO_TEXT: Record<string, string> = {
  EOPNOTSUPP: 'Operation not supported',
  EINVAL: 'Invalid argument',
  ENODEV: 'No such device',
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EPERM: 'Operation not permitted',
  EBUSY: 'Device or resource busy',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EPROTONOSUPPORT: 'Protocol not supported',
  ENOSPC: 'No space left on device',
  EACCES: 'Permission denied',
  EROFS: 'Read-only file system',
  EIO: 'Input/output error',
  ETIMEDOUT: 'Connection timed out',
  EBADMSG: 'Bad message',
  EAGAIN: 'Resource temporarily unavailable',
};

export function errnoText(errno: string): string {
  return ERRNO_TEXT[errno] ?? errno;
}

/**
 * Records every mutating call of the fake host and injects failures into them.
 *
 * `calls` holds the netlink-level operations in upstream sriov-cni's recording format
 * (`LinkSetVfVlanQosProto enp175s0f1 0 100 0 33024`), for golden tests; `events` holds everything,
 * including state files, locks, namespaces and processes. A failed call is recorded with ` => ERRNO`.
 */
export class CallRecorder {
  readonly calls: string[] = [];
  readonly events: string[] = [];
  private faults: Fault[] = [];

  /** The next call of `op` (optionally only one whose line matches) fails with errno. */
  failNext(op: string, errno: string, match: CallMatch | null = null, message: string | null = null): void {
    this.faults.push({ op, errno, message, match, once: true });
  }

  /** Every call of `op` (optionally only those whose line matches) fails with errno, until clearFaults. */
  failAlways(op: string, errno: string, match: CallMatch | null = null, message: string | null = null): void {
    this.faults.push({ op, errno, message, match, once: false });
  }

  clearFaults(): void {
    this.faults = [];
  }

  clear(): void {
    this.calls.length = 0;
    this.events.length = 0;
  }

  /**
   * Runs one operation: consults the faults, then `apply`, and records the outcome: `netlink` lines go
   * to `calls` and `events`, `event` lines to `events` only, `silent` ones (reads) nowhere.
   */
  call<T>(op: string, line: string, kind: RecordKind, apply: () => T): T {
    const fault = this.faults.find((f) => f.op === op && matches(f.match, line));
    try {
      if (fault) {
        if (fault.once) this.faults.splice(this.faults.indexOf(fault), 1);
        throw new HostError(fault.message ?? `${op}: ${errnoText(fault.errno)} (injected)`, fault.errno);
      }
      const result = apply();
      this.record(line, kind);
      return result;
    } catch (err) {
      const errno = err instanceof HostError ? (err.errno ?? 'ERROR') : 'ERROR';
      this.record(`${line} => ${errno}`, kind);
      throw err;
    }
  }

  private record(line: string, kind: RecordKind): void {
    if (kind === 'silent') return;
    if (kind === 'netlink') this.calls.push(line);
    this.events.push(line);
  }
}
