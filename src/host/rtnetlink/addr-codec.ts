// RTM_NEWADDR and RTM_NEWROUTE requests (linux/if_addr.h, linux/rtnetlink.h), built as
// `ip addr add` and `ip route add` build them, so both adapters leave the same kernel state.
import type { RouteSpec } from '../ports.js';
import {
  HOST_LE,
  MessageBuilder,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_NEWADDR,
  RTM_NEWROUTE,
} from './message.js';

const AF_INET = 2;
const AF_INET6 = 10;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_METRICS = 8;
const RTA_TABLE = 15;
const RTAX_MTU = 2;
const RTAX_ADVMSS = 8;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RT_SCOPE_HOST = 254;
const RTN_UNICAST = 1;

/** An address's bytes (4 or 16); null when it is not an IPv4 or IPv6 address. */
export function parseIp(addr: string): Uint8Array | null {
  if (addr.includes(':')) {
    const halves = addr.split('::');
    if (halves.length > 2) return null;
    const groups = (h: string) => (h === '' ? [] : h.split(':'));
    const head = groups(halves[0]!);
    const tail = halves.length === 2 ? groups(halves[1]!) : [];
    const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
    if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
    const all = [...head, ...Array<string>(fill).fill('0'), ...tail];
    if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return Uint8Array.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  }
  const parts = addr.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return Uint8Array.from(parts.map(Number));
}

/** `10.0.0.2/24` or `fd00::2/64` as bytes and prefix length; null when malformed. */
export function parseCidr(cidr: string): { bytes: Uint8Array; prefix: number } | null {
  const [addr, len, extra] = cidr.split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,3}$/.test(len)) return null;
  const bytes = parseIp(addr);
  if (!bytes || Number(len) > bytes.length * 8) return null;
  return { bytes, prefix: Number(len) };
}

const family = (bytes: Uint8Array) => (bytes.length === 4 ? AF_INET : AF_INET6);
const isLoopback = (bytes: Uint8Array) =>
  bytes.length === 4 ? bytes[0] === 127 : bytes.every((b, i) => b === (i === 15 ? 1 : 0));

/** RTM_NEWADDR, create-only (EEXIST when present): IFA_LOCAL and IFA_ADDRESS both the address, as ip sends for a non-peer address. */
export function newAddress(index: number, cidr: { bytes: Uint8Array; prefix: number }): MessageBuilder {
  // struct ifaddrmsg: family, prefixlen, flags, scope, index
  const head = new Uint8Array(8);
  head[0] = family(cidr.bytes);
  head[1] = cidr.prefix;
  head[3] = isLoopback(cidr.bytes) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  new DataView(head.buffer).setUint32(4, index, HOST_LE);
  return new MessageBuilder(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
    .raw(head)
    .attr(IFA_LOCAL, cidr.bytes)
    .attr(IFA_ADDRESS, cidr.bytes);
}

/**
 * RTM_NEWROUTE, create-only, through one device. As `ip route add`: protocol boot, main table
 * unless told, scope link for an IPv4 route without a gateway, metrics nested in RTA_METRICS.
 * Throws RangeError on a malformed destination or gateway (the caller's EINVAL).
 */
export function newRoute(index: number, route: RouteSpec): MessageBuilder {
  const dst = parseCidr(route.dst);
  if (!dst) throw new RangeError(`any valid prefix is expected rather than "${route.dst}"`);
  const gw = route.gw ? parseIp(route.gw) : null;
  if (route.gw && !gw) throw new RangeError(`"${route.gw}" is not a valid gateway address`);
  if (gw && gw.length !== dst.bytes.length)
    throw new RangeError(`gateway ${route.gw} is not of the family of ${route.dst}`);
  const table = route.table ?? RT_TABLE_MAIN;
  // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
  const head = new Uint8Array(12);
  head[0] = family(dst.bytes);
  head[1] = dst.prefix;
  head[4] = table < 256 ? table : 0;
  head[5] = RTPROT_BOOT;
  head[6] = route.scope ?? (!gw && dst.bytes.length === 4 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  head[7] = RTN_UNICAST;
  const b = new MessageBuilder(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).raw(head);
  if (dst.prefix > 0) b.attr(RTA_DST, dst.bytes);
  if (gw) b.attr(RTA_GATEWAY, gw);
  b.u32(RTA_OIF, index);
  if (route.priority !== undefined) b.u32(RTA_PRIORITY, route.priority);
  if (table >= 256) b.u32(RTA_TABLE, table);
  if (route.mtu !== undefined || route.advmss !== undefined) {
    b.nested(RTA_METRICS, (m) => {
      if (route.mtu !== undefined) m.u32(RTAX_MTU, route.mtu);
      if (route.advmss !== undefined) m.u32(RTAX_ADVMSS, route.advmss);
    });
  }
  return b;
}
