// The few libc calls the rtnetlink adapter and flock locks make, as an interface: the adapter
// depends on this, and only bun-libc.ts knows how the calls are made (bun:ffi), so nothing else
// here needs Bun to load. Each call returns the C result; a failed one (-1) throws LibcError.

/** A failed system call: which, and errno as the kernel set it. */
export class LibcError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call} failed with errno ${errno}`);
    this.name = 'LibcError';
  }
}

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array): void;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  send(fd: number, data: Uint8Array): number;
  /** Bytes received into buf; with MSG_PEEK|MSG_TRUNC, the size of the next datagram. */
  recv(fd: number, buf: Uint8Array, flags: number): number;
  open(path: string, flags: number, mode: number): number;
  write(fd: number, data: Uint8Array): number;
  close(fd: number): void;
  setns(fd: number, nstype: number): void;
  unshare(flags: number): void;
  flock(fd: number, op: number): void;
}

// Linux values (x86_64 and arm64 share them).
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_ROUTE = 0;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_CREAT = 0o100;
export const O_CLOEXEC = 0o2000000;
export const CLONE_NEWNET = 0x40000000;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const EINTR = 4;
export const EWOULDBLOCK = 11;
