import { existsSync, readdirSync, readFileSync, readlinkSync } from '../os/fs.js';
import { basename, join } from '../os/path.js';
import { HostError, type Sysfs } from './ports.js';

/** Missing files are an answer (null), not an error: sysfs entries come and go with drivers and VFs. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  // EINVAL: readlink on something that is not a symlink (a plain `driver` dir in a hand-made tree).
  // ENOTSUP/EOPNOTSUPP: an attribute the driver does not implement (igb's phys_port_name).
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EINVAL' || code === 'ENOTSUP' || code === 'EOPNOTSUPP';
}

function failure(op: string, path: string, err: unknown): HostError {
  const e = err as NodeJS.ErrnoException;
  return new HostError(`sysfs ${op} ${path}: ${e.message}`, e.code ?? null);
}

/** The real sysfs (or a tree shaped like it, for the lab and tests) under `root`. */
export class RealSysfs implements Sysfs {
  constructor(readonly root: string = '/') {}

  private abs(path: string): string {
    return join(this.root, path);
  }

  read(path: string): string | null {
    try {
      return readFileSync(this.abs(path), 'utf8').trim();
    } catch (err) {
      if (isMissing(err)) return null;
      throw failure('read', path, err);
    }
  }

  list(path: string): string[] | null {
    try {
      return readdirSync(this.abs(path)).sort();
    } catch (err) {
      if (isMissing(err)) return null;
      throw failure('list', path, err);
    }
  }

  linkName(path: string): string | null {
    try {
      return basename(readlinkSync(this.abs(path)));
    } catch (err) {
      if (isMissing(err)) return null;
      throw failure('readlink', path, err);
    }
  }

  exists(path: string): boolean {
    return existsSync(this.abs(path));
  }
}
