import type { Netns } from '../ports.js';
import { CHILD_ENV, Coprocess, FifoPool, type FifoTriple } from './coprocess.js';
import { type IpResult, type IpTransport, ipArgs, SpawnIp } from './ip.js';

const FAILED = /^Command failed -:\d+\n?/gm;

/**
 * One long-lived `ip -force -json -details -batch -` in one namespace, fed one command at a time.
 *
 * Starting `ip` costs milliseconds (a process, its libraries, a netlink socket; more under Node's
 * spawnSync); a command to a running one costs a netlink round trip (~0.1-0.2 ms measured). Each
 * command is followed by a marker command with known output (`link show dev lo`, one JSON line), so
 * the end of a command's output is found without a timeout. ip -batch reports a failed command as
 * "Command failed -:N" on stderr, which is complete by the time the marker's line arrives because
 * ip wrote it before running the marker.
 */
export class IpSession {
  private readonly co: Coprocess;

  constructor(ns: Netns, fifos: FifoTriple, ipPath = 'ip') {
    this.co = new Coprocess(
      ipPath,
      ipArgs(ns, ['-force', '-batch', '-'], { json: true, details: true }),
      fifos,
      CHILD_ENV,
    );
  }

  get usable(): boolean {
    return this.co.alive;
  }

  run(args: string[]): IpResult {
    if (!this.co.alive) return { ok: false, stdout: '', stderr: 'ip session is closed' };
    this.co.write(`${args.map(quote).join(' ')}\nlink show dev lo\n`);
    const first = this.co.readLine();
    if (first === null) return this.died('');
    let stderr = this.co.readErrors();
    const failed = FAILED.test(stderr);
    FAILED.lastIndex = 0;
    let stdout = '';
    // A show prints one JSON line before the marker's; other commands print nothing.
    if (!failed && printsOutput(args)) {
      stdout = first;
      if (this.co.readLine() === null) return this.died(stdout);
      stderr += this.co.readErrors();
    }
    return { ok: !failed, stdout, stderr: stderr.replace(FAILED, '') };
  }

  close(): void {
    this.co.close();
  }

  /** ip exited (an argument it cannot parse ends the whole batch): report what it said. */
  private died(stdout: string): IpResult {
    const stderr = this.co.readErrors().replace(FAILED, '');
    this.co.close();
    return { ok: false, stdout, stderr: stderr || 'ip exited' };
  }
}

function printsOutput(args: string[]): boolean {
  return args[1] === 'show' || args[1] === 'list' || args[1] === 'ls';
}

/** ip -batch splits lines on blanks and honours double quotes. */
function quote(arg: string): string {
  return /^[A-Za-z0-9_.:/@+=,-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * IpTransport over one IpSession per namespace, each started on first use. Where a session cannot
 * be set up (no mkfifo, no writable temporary directory), it falls back to one process per command.
 */
export class SessionIp implements IpTransport {
  private readonly sessions = new Map<string, IpSession>();
  private fallback: SpawnIp | null = null;

  constructor(
    private readonly fifos: FifoPool = new FifoPool(),
    private readonly ipPath = 'ip',
  ) {}

  run(ns: Netns, args: string[]): IpResult {
    if (this.fallback) return this.fallback.run(ns, args, { json: true, details: true });
    const key = ns ?? '';
    let session = this.sessions.get(key);
    if (!session?.usable) {
      try {
        session = new IpSession(ns, this.fifos.take(), this.ipPath);
      } catch {
        this.fallback = new SpawnIp(undefined, this.ipPath);
        return this.fallback.run(ns, args, { json: true, details: true });
      }
      this.sessions.set(key, session);
    }
    return session.run(args);
  }

  /** Ends the session of one namespace (before deleting it: the session's ip sits inside), or all. */
  close(ns?: Netns): void {
    for (const [key, session] of this.sessions) {
      if (ns === undefined || key === (ns ?? '')) {
        session.close();
        this.sessions.delete(key);
      }
    }
    if (ns === undefined) this.fifos.dispose();
  }
}
