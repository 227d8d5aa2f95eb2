import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { HostError, type StateFiles } from './ports.js';

/** A name is one path component; anything else could escape the directory. */
export function checkStateName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new HostError(`invalid state file name ${JSON.stringify(name)}: expected one path component`, 'EINVAL');
  }
}

function hostError(what: string, err: unknown): HostError {
  const e = err as NodeJS.ErrnoException;
  return new HostError(`${what}: ${e.message}`, e.code ?? null);
}

/** Temporary files start with a dot so that list() never shows a half-written entry. */
const TEMP_PREFIX = '.tmp-';

/**
 * JSON files in one directory. Writes go to a temporary file that is renamed over the target, so a
 * reader sees the old content or the new, never a mix. There is no fsync: a power cut may lose the
 * last write or leave an empty file, which readers already treat as corrupt (EBADMSG) and recover from.
 */
export class DirStateFiles implements StateFiles {
  private dirReady = false;

  constructor(readonly dir: string) {}

  readJson<T>(name: string): T | null {
    checkStateName(name);
    const path = join(this.dir, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw hostError(`cannot read state file ${path}`, err);
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new HostError(`state file ${path} is not valid JSON: ${(err as Error).message}`, 'EBADMSG');
    }
  }

  writeJson(name: string, value: unknown): void {
    checkStateName(name);
    const text = JSON.stringify(value);
    if (text === undefined) throw new HostError(`state file ${name}: value is not JSON-serialisable`, 'EINVAL');
    this.ensureDir();
    const path = join(this.dir, name);
    const temp = join(this.dir, `${TEMP_PREFIX}${name}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    try {
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
      renameSync(temp, path);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // The temporary file was never created, or is already gone.
      }
      throw hostError(`cannot write state file ${path}`, err);
    }
  }

  readText(name: string): string | null {
    checkStateName(name);
    const path = join(this.dir, name);
    try {
      return readFileSync(path, 'latin1');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw hostError(`cannot read state file ${path}`, err);
    }
  }

  rename(name: string, newName: string): boolean {
    checkStateName(name);
    checkStateName(newName);
    const from = join(this.dir, name),
      to = join(this.dir, newName);
    try {
      renameSync(from, to);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw hostError(`cannot rename state file ${from} to ${newName}`, err);
    }
  }

  remove(name: string): void {
    checkStateName(name);
    const path = join(this.dir, name);
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw hostError(`cannot remove state file ${path}`, err);
    }
  }

  list(prefix = ''): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw hostError(`cannot list state directory ${this.dir}`, err);
    }
    return names.filter((n) => !n.startsWith(TEMP_PREFIX) && n.startsWith(prefix)).sort();
  }

  sweepAbandoned(alive: (pid: number) => boolean): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    let swept = 0;
    for (const n of names) {
      if (!n.startsWith(TEMP_PREFIX)) continue;
      // .tmp-<name>-<pid>-<random>: the pid is the second-last part.
      const pid = Number(n.split('-').at(-2));
      if (!Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
      try {
        unlinkSync(join(this.dir, n));
        swept++;
      } catch {
        // Gone already: another GC swept it.
      }
    }
    return swept;
  }

  /** Writes and removes a probe file: permissions alone do not tell (root ignores them, a read-only mount does not). */
  writable(): boolean {
    try {
      this.ensureDir();
      const probe = join(this.dir, `${TEMP_PREFIX}probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
      writeFileSync(probe, '', { mode: 0o600, flag: 'wx' });
      unlinkSync(probe);
      return true;
    } catch {
      return false;
    }
  }

  private ensureDir(): void {
    if (this.dirReady) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw hostError(`cannot create state directory ${this.dir}`, err);
    }
    this.dirReady = true;
  }
}
