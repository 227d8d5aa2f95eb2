// What bun-fs.ts shares with its callers' expectations of node:fs: Node's error objects (the code,
// a negative errno, the syscall and paths, and the message `CODE: text, syscall 'path'`), the
// flag strings of fs.openSync and fs.constants' values for this architecture.

// The errnos file calls meet, with libuv's texts (the ones Node's messages carry).
const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  4: ['EINTR', 'interrupted system call'],
  5: ['EIO', 'i/o error'],
  9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'],
  12: ['ENOMEM', 'not enough memory'],
  13: ['EACCES', 'permission denied'],
  16: ['EBUSY', 'resource busy or locked'],
  17: ['EEXIST', 'file already exists'],
  18: ['EXDEV', 'cross-device link not permitted'],
  19: ['ENODEV', 'no such device'],
  20: ['ENOTDIR', 'not a directory'],
  21: ['EISDIR', 'illegal operation on a directory'],
  22: ['EINVAL', 'invalid argument'],
  23: ['ENFILE', 'file table overflow'],
  24: ['EMFILE', 'too many open files'],
  27: ['EFBIG', 'file too large'],
  28: ['ENOSPC', 'no space left on device'],
  30: ['EROFS', 'read-only file system'],
  31: ['EMLINK', 'too many links'],
  36: ['ENAMETOOLONG', 'name too long'],
  38: ['ENOSYS', 'function not implemented'],
  39: ['ENOTEMPTY', 'directory not empty'],
  40: ['ELOOP', 'too many symbolic links encountered'],
  95: ['ENOTSUP', 'operation not supported on socket'],
  122: ['EDQUOT', 'disk quota exceeded'],
};

/** A failed file call, shaped as Node's: `e.code === 'ENOENT'` and the message read the same. */
export class FsError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;

  constructor(errno: number, syscall: string, path: string | null, dest?: string) {
    const [code, text] = ERRNO[errno] ?? ['UNKNOWN', `unknown error ${errno}`];
    const where = path === null ? '' : ` '${path}'${dest === undefined ? '' : ` -> '${dest}'`}`;
    super(`${code}: ${text}, ${syscall}${where}`);
    this.name = 'Error';
    this.errno = -errno;
    this.code = code;
    this.syscall = syscall;
    if (path !== null) this.path = path;
    if (dest !== undefined) this.dest = dest;
  }
}

export interface FsConstants {
  O_RDONLY: number;
  O_WRONLY: number;
  O_RDWR: number;
  O_CREAT: number;
  O_EXCL: number;
  O_TRUNC: number;
  O_APPEND: number;
  O_NOFOLLOW: number;
  O_DIRECTORY: number;
  F_OK: number;
  R_OK: number;
  W_OK: number;
  X_OK: number;
}

/** fs.constants as Node has them on Linux; arm64 numbers O_NOFOLLOW and O_DIRECTORY differently. */
export function fsConstants(arch: string = process.arch): FsConstants {
  const arm = arch === 'arm64' || arch === 'arm';
  return {
    O_RDONLY: 0,
    O_WRONLY: 1,
    O_RDWR: 2,
    O_CREAT: 0o100,
    O_EXCL: 0o200,
    O_TRUNC: 0o1000,
    O_APPEND: 0o2000,
    O_NOFOLLOW: arm ? 0o100000 : 0o400000,
    O_DIRECTORY: arm ? 0o40000 : 0o200000,
    F_OK: 0,
    R_OK: 4,
    W_OK: 2,
    X_OK: 1,
  };
}

export type OpenFlags = number | 'r' | 'r+' | 'w' | 'wx' | 'w+' | 'a' | 'ax' | 'a+';

/** fs.openSync's flags: a number as it is, or one of Node's strings. */
export function openFlags(flags: OpenFlags, c: FsConstants): number {
  if (typeof flags === 'number') return flags;
  switch (flags) {
    case 'r':
      return c.O_RDONLY;
    case 'r+':
      return c.O_RDWR;
    case 'w':
      return c.O_TRUNC | c.O_CREAT | c.O_WRONLY;
    case 'wx':
      return c.O_TRUNC | c.O_CREAT | c.O_WRONLY | c.O_EXCL;
    case 'w+':
      return c.O_TRUNC | c.O_CREAT | c.O_RDWR;
    case 'a':
      return c.O_APPEND | c.O_CREAT | c.O_WRONLY;
    case 'ax':
      return c.O_APPEND | c.O_CREAT | c.O_WRONLY | c.O_EXCL;
    case 'a+':
      return c.O_APPEND | c.O_CREAT | c.O_RDWR;
  }
  throw Object.assign(new TypeError(`The value "${String(flags)}" is invalid for option "flags"`), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
}
