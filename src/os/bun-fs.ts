// The synchronous file calls of node:fs that vfnet makes, over libc through bun:ffi, for the
// Bun-compiled plugin (fs.ts chooses it under Bun). Evaluating Bun's own node:fs costs an exec
// 1.7–2.5 ms on the simulated host and ≈ 22 ms in the QEMU guest (more than the plugin's whole
// bundle), and the plugin calls a few dozen of its functions per command; these are a handful of
// system calls each. Only the forms vfnet uses are here, with Node's results and Node's errors
// (code, errno, syscall, path, and the same message shape); test/integration/os/fs.contract.test.ts
// runs the same cases against node:fs and this.
//
// bun:ffi is not imported statically (preload and the first call take it), so that fs.ts can
// import this module under Node too (and choose node:fs there). bun:ffi does not keep errno:
// each failed call reads __errno_location() right after it, before any other JavaScript runs.
import type * as BunFfi from 'bun:ffi';
import type { Symbols } from 'bun:ffi';
import { BunDirent, BunStats, DT_DIR, DT_LNK, DT_REG, DT_UNKNOWN } from './fs-entries.js';
import { FsError, fsConstants, type OpenFlags, openFlags } from './fs-errors.js';

// bun:ffi's type names (it takes them as strings as well as its FFIType numbers).
const [i32, i64, u32, u64, pointer] = ['i32', 'i64', 'u32', 'u64', 'ptr'] as const;

const SYMBOLS = {
  open: { args: [pointer, i32, u32], returns: i32 },
  close: { args: [i32], returns: i32 },
  read: { args: [i32, pointer, u64], returns: i64 },
  write: { args: [i32, pointer, u64], returns: i64 },
  poll: { args: [pointer, u64, i32], returns: i32 },
  statx: { args: [i32, pointer, i32, u32, pointer], returns: i32 },
  access: { args: [pointer, i32], returns: i32 },
  mkdir: { args: [pointer, u32], returns: i32 },
  rename: { args: [pointer, pointer], returns: i32 },
  link: { args: [pointer, pointer], returns: i32 },
  unlink: { args: [pointer], returns: i32 },
  chmod: { args: [pointer, u32], returns: i32 },
  readlink: { args: [pointer, pointer, u64], returns: i64 },
  realpath: { args: [pointer, pointer], returns: pointer },
  getdents64: { args: [i32, pointer, u64], returns: i64 },
  __errno_location: { args: [], returns: pointer },
};

// Linux and glibc values, the same on x86_64 and arm64.
const O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_BASIC_STATS = 0x7ff;
const STATX_BYTES = 256;
const PATH_MAX = 4096;
const EINTR = 4;
const EAGAIN = 11;
const ENOENT = 2;
const EEXIST = 17;
const POLLIN = 0x1;
const POLLOUT = 0x4;
// struct linux_dirent64: d_ino 8, d_off 8, d_reclen 2, d_type 1, then d_name.
const DIRENT_RECLEN = 16;
const DIRENT_TYPE = 18;
const DIRENT_NAME = 19;
const READ_CHUNK = 64 * 1024;

const encoder = new TextEncoder();
const utf8 = new TextDecoder();

/** A NUL-terminated copy of a path, refusing what Node refuses (no string, or a NUL inside). */
function cPath(path: unknown, name = 'path'): Uint8Array {
  if (typeof path !== 'string') {
    throw Object.assign(new TypeError(`The "${name}" argument must be of type string. Received ${typeof path}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
  }
  if (path.includes('\0')) {
    throw Object.assign(new TypeError(`The argument '${name}' must be a string without null bytes.`), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
  return encoder.encode(`${path}\0`);
}

type Encoding = 'utf8' | 'utf-8' | 'latin1';
type ReadOptions = Encoding | { encoding?: Encoding | null; flag?: string } | null | undefined;
type WriteOptions = { mode?: number; flag?: OpenFlags } | Encoding | undefined;

export class BunFs {
  readonly constants = fsConstants();
  private loaded: Symbols | null = null;
  private ffi: typeof BunFfi | null = null;
  private readonly chunk = new Uint8Array(READ_CHUNK);
  private readonly statBuf = new Uint8Array(STATX_BYTES);
  private readonly pathBuf = new Uint8Array(PATH_MAX + 1);

  constructor(private readonly libc = 'libc.so.6') {}

  /**
   * Starts taking bun:ffi asynchronously: where it is loaded already (the plugin's netlink code
   * imports it), import() hands over its namespace for ≈ 0.8 ms in the QEMU guest, against
   * ≈ 2.8 ms for import.meta.require (0.05 against 0.5–0.7 ms on the simulated host). The first
   * call uses whichever has arrived; the promise settles when the import has (never rejects).
   */
  preload(): Promise<void> {
    return import('bun:ffi').then(
      (m) => {
        this.ffi ??= m;
      },
      () => {},
    );
  }

  private get c(): Symbols {
    if (this.loaded) return this.loaded;
    this.ffi ??= import.meta.require('bun:ffi') as typeof BunFfi;
    return (this.loaded = this.ffi.dlopen(this.libc, SYMBOLS).symbols);
  }

  private errno(): number {
    const at = this.c.__errno_location()!;
    return this.ffi!.read.i32(at, 0);
  }

  /** After a call returned -1: back to it if it was interrupted, else Node's error for it. */
  private retry(syscall: string, path: string | null, dest?: string): void {
    const errno = this.errno();
    if (errno !== EINTR) throw new FsError(errno, syscall, path, dest);
  }

  /** Runs a call until it is not interrupted; -1 throws as Node would for `syscall` on `path`. */
  private check(syscall: string, path: string | null, fn: () => number | bigint, dest?: string): number {
    for (;;) {
      const r = Number(fn());
      if (r >= 0) return r;
      const errno = this.errno();
      if (errno !== EINTR) throw new FsError(errno, syscall, path, dest);
    }
  }

  /** Waits until fd can be read (or written): stdin or stdout may be non-blocking pipes. */
  private await(fd: number, events: number): void {
    const pfd = new Uint8Array(8);
    const v = new DataView(pfd.buffer);
    v.setInt32(0, fd, true);
    v.setInt16(4, events, true);
    this.check('poll', null, () => this.c.poll(pfd, 1, -1));
  }

  openSync(path: string, flags: OpenFlags = 'r', mode = 0o666): number {
    const z = cPath(path);
    const f = openFlags(flags, this.constants) | O_CLOEXEC;
    for (;;) {
      const fd = this.c.open(z, f, mode) as number;
      if (fd >= 0) return fd;
      this.retry('open', path);
    }
  }

  closeSync(fd: number): void {
    // Not retried: after EINTR the descriptor is already gone on Linux.
    if (this.c.close(fd) < 0) throw new FsError(this.errno(), 'close', null);
  }

  /**
   * fd read to its end: a view of the scratch buffer when it held it all (the usual case), else a
   * copy. Reads go on after the buffer is full, each full buffer copied out before the next read.
   */
  private readAll(fd: number): Uint8Array {
    const chunk = this.chunk;
    let parts: Uint8Array[] | null = null;
    let held = 0;
    for (;;) {
      if (held === chunk.length) {
        (parts ??= []).push(chunk.slice());
        held = 0;
      }
      const n = Number(this.c.read(fd, chunk.subarray(held), chunk.length - held));
      if (n < 0) {
        const errno = this.errno();
        if (errno === EINTR) continue;
        if (errno === EAGAIN) {
          this.await(fd, POLLIN);
          continue;
        }
        throw new FsError(errno, 'read', null);
      }
      if (n === 0) break;
      held += n;
    }
    if (parts === null) return chunk.subarray(0, held);
    parts.push(chunk.slice(0, held));
    return Buffer.concat(parts);
  }

  readFileSync(file: string | number, options?: ReadOptions): string | Buffer {
    const encoding = typeof options === 'string' ? options : (options?.encoding ?? null);
    let bytes: Uint8Array;
    if (typeof file === 'number') bytes = this.readAll(file);
    else {
      const fd = this.openSync(file, 'r');
      try {
        bytes = this.readAll(fd);
      } finally {
        this.c.close(fd);
      }
    }
    if (encoding === null) return Buffer.from(bytes);
    return encoding === 'latin1' ? Buffer.from(bytes).toString('latin1') : utf8.decode(bytes);
  }

  writeSync(fd: number, data: string | Uint8Array, offset?: number, length?: number): number {
    let bytes = typeof data === 'string' ? encoder.encode(data) : data;
    if (typeof data !== 'string')
      bytes = bytes.subarray(offset ?? 0, length === undefined ? undefined : (offset ?? 0) + length);
    for (;;) {
      const n = Number(this.c.write(fd, bytes, bytes.length));
      if (n >= 0) return n;
      const errno = this.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN) {
        this.await(fd, POLLOUT);
        continue;
      }
      throw new FsError(errno, 'write', null);
    }
  }

  writeFileSync(path: string, data: string | Uint8Array, options?: WriteOptions): void {
    const opts = typeof options === 'object' ? options : {};
    const fd = this.openSync(path, opts.flag ?? 'w', opts.mode ?? 0o666);
    try {
      const bytes = typeof data === 'string' ? encoder.encode(data) : data;
      for (let off = 0; off < bytes.length; ) off += this.writeSync(fd, bytes, off);
    } finally {
      this.c.close(fd);
    }
  }

  private statx(syscall: string, path: string, flags: number): BunStats {
    const z = cPath(path);
    const b = this.statBuf;
    while (this.c.statx(AT_FDCWD, z, flags, STATX_BASIC_STATS, b) < 0) this.retry(syscall, path);
    return new BunStats(b.slice());
  }

  statSync(path: string): BunStats {
    return this.statx('stat', path, 0);
  }

  lstatSync(path: string): BunStats {
    return this.statx('lstat', path, AT_SYMLINK_NOFOLLOW);
  }

  existsSync(path: unknown): boolean {
    if (typeof path !== 'string' || path.includes('\0')) return false;
    return this.c.access(cPath(path), this.constants.F_OK) === 0;
  }

  accessSync(path: string, mode: number = this.constants.F_OK): void {
    const z = cPath(path);
    this.check('access', path, () => this.c.access(z, mode));
  }

  mkdirSync(path: string, options?: { recursive?: boolean; mode?: number } | number): string | undefined {
    const opts = typeof options === 'number' ? { mode: options } : (options ?? {});
    const mode = opts.mode ?? 0o777;
    if (!opts.recursive) {
      const z = cPath(path);
      this.check('mkdir', path, () => this.c.mkdir(z, mode));
      return undefined;
    }
    return this.mkdirs(path, mode);
  }

  /** mkdir -p: the first directory it created, or undefined when all were there (Node's answer). */
  private mkdirs(path: string, mode: number): string | undefined {
    const z = cPath(path);
    if (this.c.mkdir(z, mode) === 0) return path;
    const errno = this.errno();
    if (errno === EEXIST) {
      if (this.statSync(path).isDirectory()) return undefined;
      throw new FsError(EEXIST, 'mkdir', path);
    }
    if (errno !== ENOENT) throw new FsError(errno, 'mkdir', path);
    const parent = path.replace(/\/+[^/]*\/*$/, '') || '/';
    if (parent === path) throw new FsError(errno, 'mkdir', path);
    const first = this.mkdirs(parent, mode);
    this.check('mkdir', path, () => this.c.mkdir(z, mode));
    return first ?? path;
  }

  renameSync(from: string, to: string): void {
    const a = cPath(from, 'oldPath');
    const b = cPath(to, 'newPath');
    this.check('rename', from, () => this.c.rename(a, b), to);
  }

  linkSync(existing: string, created: string): void {
    const a = cPath(existing, 'existingPath');
    const b = cPath(created, 'newPath');
    this.check('link', existing, () => this.c.link(a, b), created);
  }

  unlinkSync(path: string): void {
    const z = cPath(path);
    this.check('unlink', path, () => this.c.unlink(z));
  }

  chmodSync(path: string, mode: number): void {
    const z = cPath(path);
    this.check('chmod', path, () => this.c.chmod(z, mode));
  }

  readlinkSync(path: string): string {
    const z = cPath(path);
    for (;;) {
      const n = Number(this.c.readlink(z, this.pathBuf, PATH_MAX));
      if (n >= 0) return utf8.decode(this.pathBuf.subarray(0, n));
      this.retry('readlink', path);
    }
  }

  realpathSync(path: string): string {
    const z = cPath(path);
    const buf = this.pathBuf;
    for (;;) {
      if (this.c.realpath(z, buf)) break;
      const errno = this.errno();
      if (errno !== EINTR) throw new FsError(errno, 'realpath', path);
    }
    return utf8.decode(buf.subarray(0, buf.indexOf(0)));
  }

  /** Names in byte order without . and .., as libuv's scandir gives them to Node. */
  readdirSync(path: string, options?: { withFileTypes?: boolean }): string[] | BunDirent[] {
    const z = cPath(path);
    const flags = this.constants.O_RDONLY | this.constants.O_DIRECTORY | O_CLOEXEC;
    let fd: number;
    for (;;) {
      fd = this.c.open(z, flags, 0) as number;
      if (fd >= 0) break;
      this.retry('scandir', path);
    }
    const entries: { name: string; type: number }[] = [];
    const buf = this.chunk;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    try {
      for (;;) {
        const n = Number(this.c.getdents64(fd, buf, buf.length));
        if (n < 0) {
          this.retry('scandir', path);
          continue;
        }
        if (n === 0) break;
        for (let at = 0; at < n; at += view.getUint16(at + DIRENT_RECLEN, true)) {
          const name = utf8.decode(buf.subarray(at + DIRENT_NAME, buf.indexOf(0, at + DIRENT_NAME)));
          if (name !== '.' && name !== '..') entries.push({ name, type: buf[at + DIRENT_TYPE]! });
        }
      }
    } finally {
      this.c.close(fd);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (!options?.withFileTypes) return entries.map((e) => e.name);
    return entries.map((e) => new BunDirent(e.name, path, e.type === DT_UNKNOWN ? this.typeOf(path, e.name) : e.type));
  }

  /** The entry's type from lstat, for file systems whose readdir does not say (DT_UNKNOWN). */
  private typeOf(dir: string, name: string): number {
    const st = this.lstatSync(`${dir}/${name}`);
    return st.isFile() ? DT_REG : st.isDirectory() ? DT_DIR : st.isSymbolicLink() ? DT_LNK : DT_UNKNOWN;
  }
}

/** The node:fs functions BunFs serves. */
export const BUN_FS_CALLS = [
  'accessSync',
  'chmodSync',
  'closeSync',
  'existsSync',
  'linkSync',
  'lstatSync',
  'mkdirSync',
  'openSync',
  'readdirSync',
  'readFileSync',
  'readlinkSync',
  'realpathSync',
  'renameSync',
  'statSync',
  'unlinkSync',
  'writeFileSync',
  'writeSync',
] as const;

/**
 * BunFs's calls as free functions (bound), the shape of node:fs's exports, and `ready`, which
 * settles once bun:ffi arrived the cheap way (see preload); libc opens at the first call.
 */
export function bunFileSystem(fs = new BunFs()): Record<string, unknown> {
  const out: Record<string, unknown> = { constants: fs.constants, ready: fs.preload() };
  for (const name of BUN_FS_CALLS) out[name] = fs[name].bind(fs);
  return out;
}
