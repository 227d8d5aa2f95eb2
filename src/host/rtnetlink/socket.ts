// One NETLINK_ROUTE socket: a request out, its answer back, synchronously. A socket acts in the
// network namespace it was opened in (netns.ts opens pod sockets there).
import {
  AF_NETLINK,
  type Libc,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_ROUTE,
  SOCK_CLOEXEC,
  SOCK_RAW,
  SOL_NETLINK,
} from './libc.js';
import {
  HOST_LE,
  type MessageBuilder,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlMessage,
  parseAck,
  splitMessages,
} from './message.js';

/** The kernel refused a request: errno and, when it said more, its extended-ack text. */
export class NetlinkError extends Error {
  constructor(
    readonly errno: number,
    readonly extack: string | null,
  ) {
    super(extack ?? `errno ${errno}`);
    this.name = 'NetlinkError';
  }
}

export class NetlinkSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private buf = new Uint8Array(32 * 1024);
  private open = true;

  private constructor(
    private readonly libc: Libc,
    private readonly fd: number,
  ) {}

  /** A socket in the calling thread's current network namespace. */
  static open(libc: Libc): NetlinkSocket {
    const fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    try {
      // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }: pid 0 lets the kernel choose.
      const addr = new Uint8Array(12);
      new DataView(addr.buffer).setUint16(0, AF_NETLINK, HOST_LE);
      libc.bind(fd, addr);
      const one = new Uint8Array(4);
      new DataView(one.buffer).setUint32(0, 1, HOST_LE);
      // Errors without the request echoed back, and with the kernel's own words (Linux ≥ 4.12;
      // an older kernel just sends plain errnos).
      for (const opt of [NETLINK_CAP_ACK, NETLINK_EXT_ACK]) {
        try {
          libc.setsockopt(fd, SOL_NETLINK, opt, one);
        } catch {
          // plain errnos then
        }
      }
    } catch (e) {
      libc.close(fd);
      throw e;
    }
    return new NetlinkSocket(libc, fd);
  }

  /**
   * Sends one request and collects its answer: the messages of a GET (one, or a multipart dump
   * up to NLMSG_DONE), nothing for an acknowledged change. Throws NetlinkError when the kernel
   * refuses, LibcError when the socket itself fails.
   */
  request(message: MessageBuilder): NlMessage[] {
    const seq = (this.seq = (this.seq + 1) % 0x7fffffff);
    this.libc.send(this.fd, message.finish(seq));
    const out: NlMessage[] = [];
    for (;;) {
      for (const msg of splitMessages(this.receive())) {
        // Anything else is a late answer to an earlier request that gave up; not ours.
        if (msg.seq !== seq) continue;
        if (msg.type === NLMSG_ERROR) {
          const ack = parseAck(msg);
          if (ack.errno !== 0) throw new NetlinkError(ack.errno, ack.extack);
          return out;
        }
        if (msg.type === NLMSG_DONE) return out;
        out.push(msg);
        if (!(msg.flags & NLM_F_MULTI)) return out;
      }
    }
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.libc.close(this.fd);
  }

  /** One datagram, whole: its size is peeked first so a big VF list is never cut. */
  private receive(): Uint8Array {
    const size = this.libc.recv(this.fd, this.buf, MSG_PEEK | MSG_TRUNC);
    if (size > this.buf.length) this.buf = new Uint8Array(size);
    const n = this.libc.recv(this.fd, this.buf, 0);
    return this.buf.slice(0, n);
  }
}
