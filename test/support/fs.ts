import { rmdirSync } from 'node:fs';

/**
 * Removes a directory only when it is empty. For host directories a runtime creates on first use
 * (/var/lib/cni/results, /run/runc): the harness leaves the host as it found it, and never takes
 * entries a concurrent user put there.
 */
export function rmdirIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
}
