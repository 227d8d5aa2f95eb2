// sriov-cni's data dir in memory: caches and markers as text by relative path.
import { HostError, type PeerFiles } from '../../../src/host/ports.js';

export class FakePeerFiles implements PeerFiles {
  readonly files = new Map<string, string>();
  /** Entries that are there but cannot be read as a file (a directory, EACCES): path → errno. */
  readonly unreadable = new Map<string, string>();

  constructor(readonly dir = '/var/lib/cni/sriov') {}

  read(path: string): string | null {
    return this.files.get(path) ?? null;
  }

  readStrict(path: string): string | null {
    const errno = this.unreadable.get(path);
    if (errno) throw new HostError(`${this.dir}/${path}: cannot read (${errno})`, errno);
    return this.read(path);
  }

  rename(from: string, to: string): boolean {
    const text = this.files.get(from);
    const errno = this.unreadable.get(from);
    if (text === undefined && errno === undefined) return false;
    if (text !== undefined) this.files.set(to, text);
    if (errno !== undefined) this.unreadable.set(to, errno);
    this.files.delete(from);
    this.unreadable.delete(from);
    return true;
  }

  write(path: string, text: string): void {
    if (path.split('/').some((p) => p === '' || p === '..')) throw new HostError(`invalid path ${path}`, 'EINVAL');
    this.files.set(path, text);
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  list(path: string): string[] {
    const prefix = path === '' ? '' : `${path}/`;
    return [...this.files.keys()]
      .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
      .map((k) => k.slice(prefix.length))
      .sort();
  }
}
