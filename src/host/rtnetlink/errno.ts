// Linux errno numbers (asm-generic/errno-base.h, errno.h; the same on x86_64 and arm64) with the
// names HostError carries and the texts strerror(3) gives, so rtnetlink errors read like ip's.
const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'Operation not permitted'],
  2: ['ENOENT', 'No such file or directory'],
  3: ['ESRCH', 'No such process'],
  4: ['EINTR', 'Interrupted system call'],
  5: ['EIO', 'Input/output error'],
  6: ['ENXIO', 'No such device or address'],
  9: ['EBADF', 'Bad file descriptor'],
  11: ['EAGAIN', 'Resource temporarily unavailable'],
  12: ['ENOMEM', 'Cannot allocate memory'],
  13: ['EACCES', 'Permission denied'],
  14: ['EFAULT', 'Bad address'],
  16: ['EBUSY', 'Device or resource busy'],
  17: ['EEXIST', 'File exists'],
  18: ['EXDEV', 'Invalid cross-device link'],
  19: ['ENODEV', 'No such device'],
  20: ['ENOTDIR', 'Not a directory'],
  21: ['EISDIR', 'Is a directory'],
  22: ['EINVAL', 'Invalid argument'],
  23: ['ENFILE', 'Too many open files in system'],
  24: ['EMFILE', 'Too many open files'],
  28: ['ENOSPC', 'No space left on device'],
  30: ['EROFS', 'Read-only file system'],
  34: ['ERANGE', 'Numerical result out of range'],
  36: ['ENAMETOOLONG', 'File name too long'],
  37: ['ENOLCK', 'No locks available'],
  38: ['ENOSYS', 'Function not implemented'],
  40: ['ELOOP', 'Too many levels of symbolic links'],
  71: ['EPROTO', 'Protocol error'],
  74: ['EBADMSG', 'Bad message'],
  75: ['EOVERFLOW', 'Value too large for defined data type'],
  88: ['ENOTSOCK', 'Socket operation on non-socket'],
  90: ['EMSGSIZE', 'Message too long'],
  92: ['ENOPROTOOPT', 'Protocol not available'],
  93: ['EPROTONOSUPPORT', 'Protocol not supported'],
  95: ['EOPNOTSUPP', 'Operation not supported'],
  97: ['EAFNOSUPPORT', 'Address family not supported by protocol'],
  98: ['EADDRINUSE', 'Address already in use'],
  99: ['EADDRNOTAVAIL', 'Cannot assign requested address'],
  100: ['ENETDOWN', 'Network is down'],
  101: ['ENETUNREACH', 'Network is unreachable'],
  105: ['ENOBUFS', 'No buffer space available'],
  110: ['ETIMEDOUT', 'Connection timed out'],
  113: ['EHOSTUNREACH', 'No route to host'],
  // The kernel's internal ENOTSUPP leaks out of some drivers' ndo_set_vf_* handlers; iproute2
  // prints "Unknown error 524". It means the same as EOPNOTSUPP, which is what callers test for.
  524: ['EOPNOTSUPP', 'Operation not supported (kernel ENOTSUPP, 524)'],
};

/** The errno's name (ENOENT), or null for a number this table does not know. */
export function errnoName(errno: number): string | null {
  return ERRNO[errno]?.[0] ?? null;
}

/** strerror(3)'s text, or "Unknown error N". */
export function errnoText(errno: number): string {
  return ERRNO[errno]?.[1] ?? `Unknown error ${errno}`;
}
