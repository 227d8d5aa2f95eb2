// The Libc interface through bun:ffi. Loaded only by the Bun-compiled plugin (and tests run under
// Bun); dlopen happens at the first call, so building the ports costs nothing until one is used.
//
// bun:ffi does not keep errno, so each call reads __errno_location() right after it, before any
// other JavaScript can run another call in between.
import { dlopen, FFIType, read, type Symbols } from 'bun:ffi';
import { EINTR, type Libc, LibcError } from './libc.js';

const { i32, i64, u32, u64, ptr, void: none } = FFIType;

const SYMBOLS = {
  socket: { args: [i32, i32, i32], returns: i32 },
  bind: { args: [i32, ptr, u32], returns: i32 },
  setsockopt: { args: [i32, i32, i32, ptr, u32], returns: i32 },
  send: { args: [i32, ptr, u64, i32], returns: i64 },
  recv: { args: [i32, ptr, u64, i32], returns: i64 },
  open: { args: [ptr, i32, u32], returns: i32 },
  write: { args: [i32, ptr, u64], returns: i64 },
  close: { args: [i32], returns: i32 },
  setns: { args: [i32, i32], returns: i32 },
  unshare: { args: [i32], returns: i32 },
  flock: { args: [i32, i32], returns: i32 },
  __errno_location: { args: [], returns: ptr },
  _exit: { args: [i32], returns: none },
};

export class BunLibc implements Libc {
  private loaded: Symbols | null = null;

  constructor(private readonly path = 'libc.so.6') {}

  private get c(): Symbols {
    return (this.loaded ??= dlopen(this.path, SYMBOLS).symbols);
  }

  /** Runs a call, retrying on EINTR; a negative result throws with the errno of that call. */
  private check(call: string, fn: () => number | bigint): number {
    for (;;) {
      const r = Number(fn());
      if (r >= 0) return r;
      const errno = read.i32(this.c.__errno_location()!, 0);
      if (errno !== EINTR) throw new LibcError(call, errno);
    }
  }

  socket(domain: number, type: number, protocol: number): number {
    return this.check('socket', () => this.c.socket(domain, type, protocol));
  }

  bind(fd: number, addr: Uint8Array): void {
    this.check('bind', () => this.c.bind(fd, addr, addr.length));
  }

  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void {
    this.check('setsockopt', () => this.c.setsockopt(fd, level, name, value, value.length));
  }

  send(fd: number, data: Uint8Array): number {
    return this.check('send', () => this.c.send(fd, data, data.length, 0));
  }

  recv(fd: number, buf: Uint8Array, flags: number): number {
    return this.check('recv', () => this.c.recv(fd, buf, buf.length, flags));
  }

  open(path: string, flags: number, mode: number): number {
    const z = Buffer.from(`${path}\0`);
    return this.check('open', () => this.c.open(z, flags, mode));
  }

  write(fd: number, data: Uint8Array): number {
    return this.check('write', () => this.c.write(fd, data, data.length));
  }

  close(fd: number): void {
    // Not retried: after EINTR the descriptor is already gone on Linux.
    if (this.c.close(fd) < 0) throw new LibcError('close', read.i32(this.c.__errno_location()!, 0));
  }

  setns(fd: number, nstype: number): void {
    this.check('setns', () => this.c.setns(fd, nstype));
  }

  unshare(flags: number): void {
    this.check('unshare', () => this.c.unshare(flags));
  }

  flock(fd: number, op: number): void {
    this.check('flock', () => this.c.flock(fd, op));
  }

  /**
   * Ends the process at once with _exit(2): no exit handlers, no runtime tear-down (the plugin's
   * entry says why). Whatever must survive has to be written and committed before this.
   */
  exit(code: number): never {
    this.c._exit(code);
    throw new Error('_exit returned');
  }
}
