import { HostError } from '../ports.js';

/** strerror texts as iproute2 prints them ("RTNETLINK answers: <text>"), with their errno names. */
const STRERROR: Array<[string, string]> = [
  ['Operation not supported', 'EOPNOTSUPP'],
  ['Not supported', 'EOPNOTSUPP'],
  ['Invalid argument', 'EINVAL'],
  ['No such device', 'ENODEV'],
  ['No such file or directory', 'ENOENT'],
  ['File exists', 'EEXIST'],
  ['Operation not permitted', 'EPERM'],
  ['Permission denied', 'EACCES'],
  ['Device or resource busy', 'EBUSY'],
  ['Cannot assign requested address', 'EADDRNOTAVAIL'],
  ['Protocol not supported', 'EPROTONOSUPPORT'],
  ['Address family not supported by protocol', 'EAFNOSUPPORT'],
  ['Network is down', 'ENETDOWN'],
  ['Network is unreachable', 'ENETUNREACH'],
  ['Numerical result out of range', 'ERANGE'],
  ['No buffer space available', 'ENOBUFS'],
  ['Cannot allocate memory', 'ENOMEM'],
  ['Resource temporarily unavailable', 'EAGAIN'],
  ['Input/output error', 'EIO'],
  ['Message too long', 'EMSGSIZE'],
  ['Bad address', 'EFAULT'],
  ['Invalid cross-device link', 'EXDEV'],
  ['Read-only file system', 'EROFS'],
  ['No space left on device', 'ENOSPC'],
];

/**
 * Kernel extended-ack messages replace the strerror text in ip's output ("Error: <msg>."), so the
 * errno is recovered from the message. Unknown ones keep errno null rather than a guess.
 */
const EXTACK: Array<[RegExp, string]> = [
  [/not supported/i, 'EOPNOTSUPP'],
  [/mtu (less|greater) than device (minimum|maximum)/i, 'EINVAL'],
  [/netns is immutable/i, 'EINVAL'],
  [/Nexthop device is not up/i, 'ENETDOWN'],
  [/Nexthop has invalid gateway/i, 'ENETUNREACH'],
  [/already exists|already assigned|with the same name exists/i, 'EEXIST'],
  [/Invalid vf/i, 'EINVAL'],
];

/**
 * The errno behind an iproute2 error text, or null when the text says nothing recognisable.
 * Messages were checked against iproute2 6.1 on Linux 6.1 (igb, QEMU lab) and 6.18 (veth).
 */
export function ipErrno(stderr: string): string | null {
  const text = stderr.trim();
  if (/^Cannot find device|Device ".*" does not exist/m.test(text)) return 'ENODEV';
  // `netns <path>` that does not open as a namespace; ip reports it as a bad argument.
  if (/Invalid "netns" value/.test(text)) return 'ENOENT';
  const rtnl = /RTNETLINK answers: (.+)$/m.exec(text);
  if (rtnl) return strerrorErrno(rtnl[1]!);
  // iproute2's own argument checks (invarg): the request never reached the kernel.
  if (/^Error: argument ".*" is wrong:/m.test(text) || /^Error: either ".*" is duplicate, or ".*" is a garbage\./m.test(text)) return 'EINVAL';
  if (/^Invalid (min|max)_tx_rate/m.test(text)) return 'EINVAL';
  // get_prefix's refusal of a malformed address or prefix ("Error: any valid prefix is expected rather than ...").
  if (/^Error: (any valid|inet) prefix is expected/m.test(text)) return 'EINVAL';
  const extack = /^Error: (.+)$/m.exec(text);
  if (extack) {
    for (const [pattern, errno] of EXTACK) if (pattern.test(extack[1]!)) return errno;
    return null;
  }
  // "Cannot open network namespace "x": No such file or directory" and the like.
  const trailing = /: ([^:]+?)\.?$/m.exec(text);
  if (trailing) return strerrorErrno(trailing[1]!);
  return null;
}

function strerrorErrno(text: string): string | null {
  const t = text.trim().replace(/\.$/, '');
  for (const [s, errno] of STRERROR) if (t === s || t.startsWith(s)) return errno;
  return null;
}

/** A HostError carrying ip's own words, prefixed with what was being done. */
export function ipError(what: string, stderr: string, status: number | null = null): HostError {
  const text = stderr.trim().replace(/\n+/g, '; ');
  const detail = text !== '' ? text : `ip exited with status ${status ?? 'unknown'}`;
  return new HostError(`${what}: ${detail}`, ipErrno(stderr));
}
