import { writeFileSync } from 'node:fs';
import type { Netns, ProcessRunner } from '../ports.js';
import { CHILD_ENV, Coprocess, type FifoPool } from './coprocess.js';

/**
 * Best-effort sysctl writes in any network namespace. /proc/sys/net answers for the namespace of
 * the process that opens it, so a write into another namespace needs a process there: one `sh`
 * per namespace (under nsenter), kept for the next writes, so three sysctls cost one process start
 * rather than three. Failures are swallowed: a missing sysctl (IPv6 disabled) must not fail the plugin.
 */
export class SysctlWriter {
  private readonly shells = new Map<string, Coprocess>();
  private marks = 0;
  private readonly procSys: string;
  private readonly nsenter: string;

  constructor(
    private readonly processes: ProcessRunner,
    private readonly fifos: FifoPool,
    options: { procSys?: string | undefined; nsenterPath?: string | undefined } = {},
  ) {
    this.procSys = options.procSys ?? '/proc/sys';
    this.nsenter = options.nsenterPath ?? 'nsenter';
  }

  write(ns: Netns, key: string, value: string): void {
    // Keys are paths under /proc/sys; nothing may climb out of it or reach the shell unquoted.
    if (!/^[A-Za-z0-9_.\-/]+$/.test(key) || key.split('/').includes('..')) return;
    try {
      if (ns === null) {
        writeFileSync(`${this.procSys}/${key}`, value);
        return;
      }
      const shell = this.shellIn(ns);
      if (!shell) {
        this.processes.run(
          this.nsenter,
          [`--net=${ns}`, '--', 'sh', '-c', 'printf %s "$1" > "/proc/sys/$0"', key, value],
          CHILD_ENV,
          '',
        );
        return;
      }
      const mark = `__vfnet_${++this.marks}__`;
      shell.write(`{ printf %s ${shQuote(value)} > /proc/sys/${key}; } 2>/dev/null; echo ${mark}\n`);
      for (let line = shell.readLine(); line !== mark; line = shell.readLine()) {
        if (line === null) {
          this.close(ns);
          return;
        }
      }
    } catch {
      // Best effort by contract.
    }
  }

  /** Ends the shell of one namespace (before deleting it), or all of them. */
  close(ns?: string): void {
    for (const [key, shell] of this.shells) {
      if (ns === undefined || key === ns) {
        shell.close();
        this.shells.delete(key);
      }
    }
  }

  private shellIn(ns: string): Coprocess | null {
    const existing = this.shells.get(ns);
    if (existing?.alive) return existing;
    try {
      const shell = new Coprocess(this.nsenter, [`--net=${ns}`, '--', 'sh', '-s'], this.fifos.take(), CHILD_ENV);
      this.shells.set(ns, shell);
      return shell;
    } catch {
      return null;
    }
  }
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
