// sriov-cni's data dir in memory: caches and markers as text by relative path.
import { HostError, type PeerFiles } from '../../../src/host/ports.js';

export class FakePeerFiles implements PeerFiles {
  readonly files = new Map<string, string>();

  constructor(readonly dir = '/var/lib/cni/sriov') {}

  read(path: string): string | null {
    return this.files.get(path) ?? null;
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
