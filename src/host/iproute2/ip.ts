import type { Netns, ProcessRunner } from '../ports.js';
import { SpawnProcessRunner } from '../process.js';

/** What one `ip` command answered. */
export interface IpResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs iproute2 commands; the transport is swappable so the cost of starting `ip` can be optimised in one place. */
export interface IpTransport {
  /** One command, e.g. `['link', 'set', 'dev', 'eth0', 'up']`, inside `ns` (null: this process's namespace). */
  run(ns: Netns, args: string[], options?: { json?: boolean; details?: boolean }): IpResult;
  /** Releases what the transport keeps open for `ns` (all namespaces when omitted); later calls start afresh. */
  close(ns?: Netns): void;
}

const NETNS_RUN_DIRS = ['/var/run/netns/', '/run/netns/'];

/**
 * `ip -n` takes a name under /var/run/netns, not a path (iproute2 6.1: `-n /proc/1/ns/net` fails).
 * A name is joined to /var/run/netns/ without checks, so `../` components reach any path:
 * `-n ../../../../../../../../proc/123/ns/net`. Names under /var/run/netns are passed as they are,
 * which keeps error messages readable.
 */
export function netnsOption(ns: string): string {
  for (const dir of NETNS_RUN_DIRS) {
    if (ns.startsWith(dir) && !ns.slice(dir.length).includes('/')) return ns.slice(dir.length);
  }
  return `../../../../../../../..${ns.startsWith('/') ? '' : '/'}${ns}`;
}

/** The netns name for `ip netns add/del` when `ns` lives in ip's run directory; null otherwise. */
export function netnsName(ns: string): string | null {
  for (const dir of NETNS_RUN_DIRS) {
    if (ns.startsWith(dir) && ns.length > dir.length && !ns.slice(dir.length).includes('/'))
      return ns.slice(dir.length);
  }
  return null;
}

export function ipArgs(ns: Netns, args: string[], options: { json?: boolean; details?: boolean } = {}): string[] {
  const out: string[] = [];
  if (ns !== null) out.push('-n', netnsOption(ns));
  if (options.json) out.push('-j');
  if (options.details) out.push('-d');
  return [...out, ...args];
}

/** One `ip` process per command, through the ProcessRunner. Simple and stateless. */
export class SpawnIp implements IpTransport {
  private readonly env: Record<string, string | undefined>;

  constructor(
    private readonly processes: ProcessRunner = new SpawnProcessRunner(),
    private readonly ipPath = 'ip',
  ) {
    // ip needs no environment; PATH finds it, LC_ALL=C keeps its messages in English for ipErrno.
    this.env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
  }

  run(ns: Netns, args: string[], options: { json?: boolean; details?: boolean } = {}): IpResult {
    const r = this.processes.run(this.ipPath, ipArgs(ns, args, options), this.env, '');
    return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
  }

  close(): void {}
}
