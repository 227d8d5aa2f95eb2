// lab.json: read without a lock (it is replaced atomically, so a reader sees one whole version),
// written under the lab's lock by whoever changes it.

import { FileLocks } from '../host/locks.js';
import { HostError } from '../host/ports.js';
import { existsSync, readFileSync, renameSync, writeFileSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { LAB_MARKER, type LabState } from './layout.js';

export function markerPath(dir: string): string {
  return join(dir, LAB_MARKER);
}

export function hasLab(dir: string): boolean {
  return existsSync(markerPath(dir));
}

export function readLabState(dir: string): LabState {
  let text: string;
  try {
    text = readFileSync(markerPath(dir), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? null;
    throw new HostError(
      `no lab at ${dir}: ${markerPath(dir)} cannot be read (${code})`,
      code === 'ENOENT' ? 'ENODEV' : code,
    );
  }
  try {
    return JSON.parse(text) as LabState;
  } catch {
    throw new HostError(`${markerPath(dir)} is not valid JSON`, 'EBADMSG');
  }
}

export function writeLabState(dir: string, state: LabState): void {
  const tmp = `${markerPath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, markerPath(dir));
}

/** The lab's one lock, a FileLocks lock (dead owners reclaimed) in the lab directory. */
export function labLock(dir: string): { with<T>(fn: () => T): T } {
  const locks = new FileLocks(dir);
  return {
    with<T>(fn: () => T): T {
      const lock = locks.acquire('lab', 10_000);
      try {
        return fn();
      } finally {
        lock.release();
      }
    },
  };
}

/** Read-modify-write of the lab state under its lock. fn returns the new state, or null for "unchanged". */
export function updateLabState<T>(dir: string, fn: (state: LabState) => { state: LabState | null; result: T }): T {
  return labLock(dir).with(() => {
    const { state, result } = fn(readLabState(dir));
    if (state) writeLabState(dir, state);
    return result;
  });
}
