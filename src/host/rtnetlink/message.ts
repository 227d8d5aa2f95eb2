// Netlink framing (netlink(7), linux/netlink.h): message headers, attributes, acks and errors with
// the kernel's extended-ack text. Pure: bytes in, bytes out, no system calls, so it is unit-tested
// under Node; the socket that carries these bytes is in socket.ts.

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** In an NLMSG_ERROR's flags: the request was not echoed back (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** In an NLMSG_ERROR's flags: extended-ack attributes follow. */
export const NLM_F_ACK_TLVS = 0x200;
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export const NLMSGERR_ATTR_MSG = 1;

export const RTM_NEWLINK = 16;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
export const RTM_DELLINKPROP = 109;

/** Netlink carries host-endian integers; this is how the machine running us stores them. */
export const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * One request being built: the 16-byte header, a fixed family header (ifinfomsg, ifaddrmsg,
 * rtmsg), then attributes, nested ones written through a callback so lengths are filled in after.
 */
export class MessageBuilder {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = NLMSG_HDRLEN;

  constructor(
    readonly type: number,
    readonly flags: number,
  ) {}

  /** Raw bytes, padded to 4 (the family header, or an attribute's struct). */
  raw(data: Uint8Array): this {
    this.reserve(align4(data.length));
    this.buf.set(data, this.len);
    this.buf.fill(0, this.len + data.length, this.len + align4(data.length));
    this.len += align4(data.length);
    return this;
  }

  attr(type: number, payload: Uint8Array): this {
    this.reserve(NLA_HDRLEN);
    this.view.setUint16(this.len, NLA_HDRLEN + payload.length, HOST_LE);
    this.view.setUint16(this.len + 2, type, HOST_LE);
    this.len += NLA_HDRLEN;
    return this.raw(payload);
  }

  u8(type: number, value: number): this {
    return this.attr(type, Uint8Array.of(value));
  }

  u32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, HOST_LE);
    return this.attr(type, b);
  }

  /** A NUL-terminated string, as IFLA_IFNAME and IFLA_ALT_IFNAME are. */
  string(type: number, value: string): this {
    const text = new TextEncoder().encode(value);
    const b = new Uint8Array(text.length + 1);
    b.set(text);
    return this.attr(type, b);
  }

  nested(type: number, body: (b: this) => void): this {
    this.reserve(NLA_HDRLEN);
    const start = this.len;
    this.len += NLA_HDRLEN;
    body(this);
    this.view.setUint16(start, this.len - start, HOST_LE);
    this.view.setUint16(start + 2, type | NLA_F_NESTED, HOST_LE);
    return this;
  }

  /** The finished message with this sequence number (port id 0: the kernel). */
  finish(seq: number): Uint8Array {
    this.view.setUint32(0, this.len, HOST_LE);
    this.view.setUint16(4, this.type, HOST_LE);
    this.view.setUint16(6, this.flags, HOST_LE);
    this.view.setUint32(8, seq >>> 0, HOST_LE);
    this.view.setUint32(12, 0, HOST_LE);
    return this.buf.slice(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

export interface NlMessage {
  type: number;
  flags: number;
  seq: number;
  /** What follows the 16-byte header. */
  payload: Uint8Array;
}

/** The messages of one datagram; a truncated trailing one is dropped (the kernel never sends one). */
export function splitMessages(data: Uint8Array): NlMessage[] {
  const view = dataView(data);
  const out: NlMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= data.length) {
    const len = view.getUint32(off, HOST_LE);
    if (len < NLMSG_HDRLEN || off + len > data.length) break;
    out.push({
      type: view.getUint16(off + 4, HOST_LE),
      flags: view.getUint16(off + 6, HOST_LE),
      seq: view.getUint32(off + 8, HOST_LE),
      payload: data.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes in order, types without the NESTED/BYTEORDER flags; repeated types are all kept. */
export function listAttrs(data: Uint8Array, offset = 0): Array<[number, Uint8Array]> {
  const view = dataView(data);
  const out: Array<[number, Uint8Array]> = [];
  let off = offset;
  while (off + NLA_HDRLEN <= data.length) {
    const len = view.getUint16(off, HOST_LE);
    if (len < NLA_HDRLEN || off + len > data.length) break;
    out.push([view.getUint16(off + 2, HOST_LE) & NLA_TYPE_MASK, data.subarray(off + NLA_HDRLEN, off + len)]);
    off += align4(len);
  }
  return out;
}

/** Attributes by type; the last of a repeated type wins, as the kernel's nla_parse does. */
export function attrMap(data: Uint8Array, offset = 0): Map<number, Uint8Array> {
  return new Map(listAttrs(data, offset));
}

export function u32At(data: Uint8Array, offset = 0): number {
  return dataView(data).getUint32(offset, HOST_LE);
}

export function i32At(data: Uint8Array, offset = 0): number {
  return dataView(data).getInt32(offset, HOST_LE);
}

export function u16At(data: Uint8Array, offset = 0): number {
  return dataView(data).getUint16(offset, HOST_LE);
}

/** A string attribute, up to its NUL. */
export function stringOf(data: Uint8Array): string {
  const nul = data.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? data.subarray(0, nul) : data);
}

export interface NetlinkAck {
  /** 0 for an acknowledgement, else the positive errno the kernel answered. */
  errno: number;
  /** The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it gave one. */
  extack: string | null;
}

/**
 * An NLMSG_ERROR: a negative errno (0 = ack), the request's header (and its body unless the
 * socket set NETLINK_CAP_ACK), then, with NLM_F_ACK_TLVS, the extended-ack attributes.
 */
export function parseAck(msg: NlMessage): NetlinkAck {
  const errno = msg.payload.length >= 4 ? 0 - i32At(msg.payload) : 71; // EPROTO: a malformed answer
  let extack: string | null = null;
  if (msg.flags & NLM_F_ACK_TLVS && msg.payload.length >= 4 + NLMSG_HDRLEN) {
    const echoed = msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(u32At(msg.payload, 4));
    const text = attrMap(msg.payload, 4 + echoed).get(NLMSGERR_ATTR_MSG);
    if (text) extack = stringOf(text).trim() || null;
  }
  return { errno, extack };
}

function dataView(data: Uint8Array): DataView {
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}
