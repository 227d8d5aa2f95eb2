// Text files at relative paths under another plugin's data directory (sriov-cni's), written
// atomically so the other plugin never reads half a file.
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from '../os/fs.js';
import { dirname, join } from '../os/path.js';
import { HostError, type PeerFiles } from './ports.js';

/** Caches and markers are small: anything larger is not one of them and is not read. */
const MAX_BYTES = 1 << 20;

function checkPath(path: string): void {
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) {
    throw new HostError(`invalid path ${JSON.stringify(path)} in a peer state directory`, 'EINVAL');
  }
}

function hostError(what: string, err: unknown): HostError {
  const e = err as NodeJS.ErrnoException;
  return new HostError(`${what}: ${e.message}`, e.code ?? null);
}

export class DirPeerFiles implements PeerFiles {
  constructor(readonly dir: string) {}

  read(path: string): string | null {
    checkPath(path);
    const full = join(this.dir, path);
    try {
      // lstat: a symlink planted in a root-owned directory is not followed.
      const st = lstatSync(full);
      if (!st.isFile() || st.size > MAX_BYTES) return null;
      return readFileSync(full, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw hostError(`cannot read ${full}`, err);
    }
  }

  readStrict(path: string): string | null {
    checkPath(path);
    const full = join(this.dir, path);
    try {
      const st = lstatSync(full);
      const kind = st.isDirectory()
        ? 'a directory'
        : st.isSymbolicLink()
          ? 'a symlink'
          : st.isFile()
            ? null
            : 'not a file';
      if (kind) throw new HostError(`${full} is ${kind}, where a file should be`, 'EISDIR');
      if (st.size > MAX_BYTES) throw new HostError(`${full} is ${st.size} bytes, larger than any cache`, 'EFBIG');
      return readFileSync(full, 'utf8');
    } catch (err) {
      if (err instanceof HostError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw hostError(`cannot read ${full}`, err);
    }
  }

  rename(from: string, to: string): boolean {
    checkPath(from);
    checkPath(to);
    try {
      renameSync(join(this.dir, from), join(this.dir, to));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw hostError(`cannot rename ${join(this.dir, from)} to ${to}`, err);
    }
  }

  write(path: string, text: string): void {
    checkPath(path);
    const full = join(this.dir, path);
    const temp = join(dirname(full), `.vfnet-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    try {
      mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
      writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
      renameSync(temp, full);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // Never created, or already renamed.
      }
      throw hostError(`cannot write ${full}`, err);
    }
  }

  remove(path: string): void {
    checkPath(path);
    try {
      unlinkSync(join(this.dir, path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw hostError(`cannot remove ${join(this.dir, path)}`, err);
    }
  }

  list(path: string): string[] {
    if (path !== '') checkPath(path);
    try {
      return readdirSync(join(this.dir, path), { withFileTypes: true })
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw hostError(`cannot list ${join(this.dir, path)}`, err);
    }
  }
}
