import { HostError, type Sysfs } from '../../../src/host/ports.js';

/** One entry of an in-memory sysfs: symlink targets are absolute paths inside the tree (no leading '/'). */
export type SysfsNode = { kind: 'dir' } | { kind: 'file'; content: string } | { kind: 'link'; target: string };

/** Entries computed on demand (the netdev directories, which follow the links' namespaces and names). */
export type SysfsOverlay = () => ReadonlyMap<string, SysfsNode>;

const MAX_SYMLINK_DEPTH = 40;

/** Normalises `a//b/../c/` → `a/c`, relative to the tree root. */
export function normalizeSysfsPath(path: string, base = ''): string {
  const parts = path.startsWith('/') || base === '' ? [] : base.split('/');
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * An in-memory tree with the semantics the Sysfs port promises of the real one: symlinks are followed
 * in every component but the last one of linkName, missing entries read as null.
 */
export class FakeSysfsTree implements Sysfs {
  readonly root = '/';
  private readonly nodes = new Map<string, SysfsNode>([['', { kind: 'dir' }]]);

  constructor(private readonly overlay: SysfsOverlay = () => new Map()) {}

  // --- building the tree -------------------------------------------------------------------------

  mkdir(path: string): void {
    const p = normalizeSysfsPath(path);
    if (p === '') return;
    this.mkdir(parentOf(p));
    const existing = this.nodes.get(p);
    if (existing && existing.kind !== 'dir')
      throw new HostError(`fake sysfs: ${p} exists and is not a directory`, 'EEXIST');
    this.nodes.set(p, { kind: 'dir' });
  }

  writeFile(path: string, content: string): void {
    const p = normalizeSysfsPath(path);
    this.mkdir(parentOf(p));
    this.nodes.set(p, { kind: 'file', content });
  }

  /** `target` is absolute inside the tree when it starts with '/', else relative to the link's directory, as a real symlink. */
  symlink(path: string, target: string): void {
    const p = normalizeSysfsPath(path);
    this.mkdir(parentOf(p));
    this.nodes.set(p, { kind: 'link', target: normalizeSysfsPath(target, parentOf(p)) });
  }

  /** Removes an entry and, for a directory, everything under it. */
  remove(path: string): void {
    const p = normalizeSysfsPath(path);
    for (const key of [...this.nodes.keys()]) {
      if (key === p || key.startsWith(`${p}/`)) this.nodes.delete(key);
    }
  }

  /** Every entry, static and computed, as `{path: content | '-> target' | '/'}`, sorted by path. */
  dump(): Record<string, string> {
    const all = new Map(this.nodes);
    for (const [k, v] of this.overlay()) all.set(k, v);
    const out: Record<string, string> = {};
    for (const key of [...all.keys()].sort()) {
      if (key === '') continue;
      const node = all.get(key)!;
      out[key] = node.kind === 'dir' ? '/' : node.kind === 'file' ? node.content : `-> ${node.target}`;
    }
    return out;
  }

  // --- the Sysfs port ----------------------------------------------------------------------------

  read(path: string): string | null {
    const found = this.resolve(path, true);
    if (!found) return null;
    if (found.node.kind === 'dir')
      throw new HostError(`sysfs read ${path}: EISDIR: illegal operation on a directory`, 'EISDIR');
    return found.node.kind === 'file' ? found.node.content.trim() : null;
  }

  list(path: string): string[] | null {
    const found = this.resolve(path, true);
    if (found?.node.kind !== 'dir') return null;
    const prefix = found.path === '' ? '' : `${found.path}/`;
    const names = new Set<string>();
    const collect = (key: string): void => {
      if (key.startsWith(prefix) && key.length > prefix.length && !key.slice(prefix.length).includes('/')) {
        names.add(key.slice(prefix.length));
      }
    };
    for (const key of this.nodes.keys()) collect(key);
    for (const key of this.overlay().keys()) collect(key);
    return [...names].sort();
  }

  linkName(path: string): string | null {
    const found = this.resolve(path, false);
    if (found?.node.kind !== 'link') return null;
    return baseName(found.node.target);
  }

  exists(path: string): boolean {
    return this.resolve(path, true) !== null;
  }

  // --- resolution --------------------------------------------------------------------------------

  private get(path: string): SysfsNode | undefined {
    return this.overlay().get(path) ?? this.nodes.get(path);
  }

  private resolve(path: string, followLast: boolean, depth = 0): { path: string; node: SysfsNode } | null {
    if (depth > MAX_SYMLINK_DEPTH) return null;
    const parts = normalizeSysfsPath(path)
      .split('/')
      .filter((s) => s !== '');
    let cur = '';
    let node: SysfsNode = this.nodes.get('')!;
    for (let i = 0; i < parts.length; i++) {
      if (node.kind !== 'dir') return null;
      const next = cur === '' ? parts[i]! : `${cur}/${parts[i]}`;
      const child = this.get(next);
      if (!child) return null;
      const last = i === parts.length - 1;
      if (child.kind === 'link' && (!last || followLast)) {
        const target = this.resolve(child.target, true, depth + 1);
        if (!target) return null;
        cur = target.path;
        node = target.node;
      } else {
        cur = next;
        node = child;
      }
    }
    return { path: cur, node };
  }
}
