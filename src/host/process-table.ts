// The real ProcessTable: looks processes up by pid, through signal 0 and /proc (who owns a lock
// file, an ADD in progress, a temporary file).
import { readFileSync } from '../os/fs.js';
import { join } from '../os/path.js';
import type { ProcessTable } from './ports.js';

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
