// The switch's steps over rtnetlink, from the Bun plugin's own process: one netlink request per
// change, in the switch's namespace, where IpSwitchDriver would spawn `ip` and `bridge`. Same
// kernel state as that driver (a bridge per VLAN, IFLA_MASTER membership, locked ports with a
// static FDB entry for spoof checking), so a lab changed by either is read and replayed by both.
import { HostError, type Links } from '../host/ports.js';
import { hostError } from '../host/rtnetlink/errors.js';
import { IFLA_IFNAME, ifinfomsg, parseMac, setLink } from '../host/rtnetlink/link-codec.js';
import {
  HOST_LE,
  MessageBuilder,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_NEWLINK,
  RTM_SETLINK,
} from '../host/rtnetlink/message.js';
import type { Namespaces } from '../host/rtnetlink/netns.js';
import { NetlinkError } from '../host/rtnetlink/socket.js';
import type { SwitchStep } from './switch.js';
import type { SwitchDriver } from './switch-drivers.js';

const AF_BRIDGE = 7;
const IFF_UP = 0x1;
const IFLA_MASTER = 10;
const IFLA_PROTINFO = 12;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFLA_BRPORT_LEARNING = 8;
const IFLA_BRPORT_FLUSH = 24;
const IFLA_BRPORT_LOCKED = 39;
const RTM_NEWNEIGH = 28;
const RTM_DELNEIGH = 29;
const NLM_F_REPLACE = 0x100;
const NDA_LLADDR = 2;
const NUD_NOARP = 0x40;
const NTF_MASTER = 0x04;
const ENOENT = 2;

/** struct ndmsg for a bridge FDB entry on a port: family, pad, pad, ifindex, state, flags, type. */
function fdbMessage(type: number, flags: number, port: number, mac: string): MessageBuilder {
  const ndm = new Uint8Array(12);
  const v = new DataView(ndm.buffer);
  ndm[0] = AF_BRIDGE;
  v.setInt32(4, port, HOST_LE);
  v.setUint16(8, NUD_NOARP, HOST_LE);
  ndm[10] = NTF_MASTER;
  return new MessageBuilder(type, NLM_F_REQUEST | NLM_F_ACK | flags).raw(ndm).attr(NDA_LLADDR, parseMac(mac));
}

export class NetlinkSwitchDriver implements SwitchDriver {
  constructor(
    private readonly namespaces: Namespaces,
    private readonly links: Links,
    /** Where named namespaces are (`ip netns` puts them in /run/netns). */
    private readonly netnsDir = '/run/netns',
  ) {}

  apply(switchNetns: string, steps: SwitchStep[], what: string, force = false): void {
    const ns = `${this.netnsDir}/${switchNetns}`;
    for (const step of steps) {
      try {
        this.step(ns, step);
      } catch (e) {
        if (!force) throw hostError(what, e);
      }
    }
  }

  private step(ns: string, s: SwitchStep): void {
    switch (s.kind) {
      case 'bridge':
        // As `ip link add ... type bridge` then `link set up`, in one request; EEXIST when it is
        // there already, which only a replay (force) expects.
        this.request(
          ns,
          new MessageBuilder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
            .raw(ifinfomsg(0, IFF_UP, IFF_UP))
            .string(IFLA_IFNAME, s.name)
            .nested(IFLA_LINKINFO, (b) => b.string(IFLA_INFO_KIND, 'bridge')),
        );
        return;
      case 'master':
        this.request(ns, setLink(this.index(ns, s.port)).u32(IFLA_MASTER, this.index(ns, s.bridge)));
        return;
      case 'up':
        this.links.setUp(ns, s.port, s.up);
        return;
      case 'spoof': {
        const port = this.index(ns, s.port);
        // Family AF_BRIDGE: the request reaches the bridge port's own attributes (IFLA_PROTINFO).
        const info = ifinfomsg(port);
        info[0] = AF_BRIDGE;
        this.request(
          ns,
          new MessageBuilder(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK).raw(info).nested(IFLA_PROTINFO, (b) => {
            b.u8(IFLA_BRPORT_LEARNING, s.pin ? 0 : 1).u8(IFLA_BRPORT_LOCKED, s.pin ? 1 : 0);
            // Locking also forgets what the port learned: a learned entry would let its MAC through.
            if (s.pin) b.attr(IFLA_BRPORT_FLUSH, new Uint8Array(0));
          }),
        );
        for (const mac of s.unpin) {
          try {
            this.request(ns, fdbMessage(RTM_DELNEIGH, 0, port, mac));
          } catch (e) {
            // A stale entry may be gone already (its port changed bridge).
            if (!(e instanceof NetlinkError && e.errno === ENOENT)) throw e;
          }
        }
        if (s.pin) this.request(ns, fdbMessage(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, port, s.pin));
        return;
      }
    }
  }

  private index(ns: string, name: string): number {
    const link = this.links.get(ns, name);
    if (!link) throw new HostError(`Cannot find device "${name}"`, 'ENODEV');
    return link.ifindex;
  }

  private request(ns: string, message: MessageBuilder): void {
    this.namespaces.socket(ns).request(message);
  }
}
