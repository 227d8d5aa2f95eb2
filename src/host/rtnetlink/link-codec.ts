// RTM_*LINK requests and answers (linux/rtnetlink.h, linux/if_link.h): ifinfomsg, the link
// attributes the Links port needs, and the PF's IFLA_VFINFO_LIST. Pure, like message.ts.
import type { LinkInfo, VfConfig, VfLinkState, VlanProto } from '../ports.js';
import {
  attrMap,
  HOST_LE,
  listAttrs,
  MessageBuilder,
  NLM_F_ACK,
  NLM_F_REQUEST,
  RTM_DELLINKPROP,
  RTM_GETLINK,
  RTM_SETLINK,
  stringOf,
  u32At,
} from './message.js';

export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_VFINFO_LIST = 22;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROP_LIST = 52;
export const IFLA_ALT_IFNAME = 53;

const IFLA_VF_INFO = 1;
const IFLA_VF_MAC = 1;
const IFLA_VF_VLAN = 2;
const IFLA_VF_TX_RATE = 3;
const IFLA_VF_SPOOFCHK = 4;
const IFLA_VF_LINK_STATE = 5;
const IFLA_VF_RATE = 6;
const IFLA_VF_TRUST = 9;
const IFLA_VF_VLAN_LIST = 12;
const IFLA_VF_VLAN_INFO = 1;

export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

const IFF_UP = 0x1;
const IFF_LOWER_UP = 0x10000;
const ETH_P_8021AD = 0x88a8;
/** ifla_vf_spoofchk/trust `setting` when the driver does not report it (iproute2 then prints nothing). */
const NOT_REPORTED = 0xffffffff;

const LINK_STATES: VfLinkState[] = ['auto', 'enable', 'disable'];

/** struct ifinfomsg: family, pad, type, index, flags, change. */
export function ifinfomsg(index: number, flags = 0, change = 0): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setInt32(4, index, HOST_LE);
  v.setUint32(8, flags, HOST_LE);
  v.setUint32(12, change, HOST_LE);
  return b;
}

/** RTM_GETLINK for one link by name; `extMask` adds RTEXT_FILTER_VF for the VF list. */
export function getLinkByName(name: string, extMask = RTEXT_FILTER_SKIP_STATS): MessageBuilder {
  return new MessageBuilder(RTM_GETLINK, NLM_F_REQUEST)
    .raw(ifinfomsg(0))
    .string(IFLA_IFNAME, name)
    .u32(IFLA_EXT_MASK, extMask);
}

/** RTM_SETLINK on a link by index; attributes are added by the caller. */
export function setLink(index: number, flags = 0, change = 0): MessageBuilder {
  return new MessageBuilder(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK).raw(ifinfomsg(index, flags, change));
}

export function delAltname(index: number, altname: string): MessageBuilder {
  return new MessageBuilder(RTM_DELLINKPROP, NLM_F_REQUEST | NLM_F_ACK)
    .raw(ifinfomsg(index))
    .nested(IFLA_PROP_LIST, (b) => b.string(IFLA_ALT_IFNAME, altname));
}

/** A decoded RTM_NEWLINK: the port's LinkInfo and the raw attributes for anything else. */
export interface DecodedLink {
  info: LinkInfo;
  attrs: Map<number, Uint8Array>;
}

export function decodeLink(payload: Uint8Array): DecodedLink {
  const index = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getInt32(4, HOST_LE);
  const flags = u32At(payload, 8);
  const attrs = attrMap(payload, 16);
  const up = (flags & IFF_UP) !== 0;
  const altnames: string[] = [];
  const props = attrs.get(IFLA_PROP_LIST);
  if (props) for (const [type, value] of listAttrs(props)) if (type === IFLA_ALT_IFNAME) altnames.push(stringOf(value));
  const address = attrs.get(IFLA_ADDRESS);
  const mtu = attrs.get(IFLA_MTU);
  return {
    info: {
      name: stringOf(attrs.get(IFLA_IFNAME) ?? new Uint8Array()),
      ifindex: index,
      mac: address ? formatMac(address) : '',
      mtu: mtu ? u32At(mtu) : 0,
      up,
      carrier: up && (flags & IFF_LOWER_UP) !== 0,
      altnames,
    },
    attrs,
  };
}

/** The VFs of a PF's IFLA_VFINFO_LIST, by VF index. */
export function decodeVfInfoList(list: Uint8Array): Map<number, VfConfig> {
  const out = new Map<number, VfConfig>();
  for (const [type, entry] of listAttrs(list)) {
    if (type !== IFLA_VF_INFO) continue;
    const a = attrMap(entry);
    const mac = a.get(IFLA_VF_MAC);
    if (!mac || mac.length < 4) continue;
    const vf = u32At(mac);
    const config: VfConfig = {
      mac: formatMac(mac.subarray(4, 10)),
      vlan: 0,
      qos: 0,
      proto: '802.1q',
      spoofchk: null,
      trust: null,
      linkState: null,
      minTxRate: 0,
      maxTxRate: 0,
    };
    const vlan = a.get(IFLA_VF_VLAN);
    if (vlan && vlan.length >= 12) {
      config.vlan = u32At(vlan, 4);
      config.qos = u32At(vlan, 8);
    }
    // The list, where the driver fills it, also says the protocol; its first entry is the VF's VLAN.
    const vlanInfo = listAttrs(a.get(IFLA_VF_VLAN_LIST) ?? new Uint8Array()).find(
      ([t, v]) => t === IFLA_VF_VLAN_INFO && v.length >= 14,
    )?.[1];
    if (vlanInfo) {
      config.vlan = u32At(vlanInfo, 4);
      config.qos = u32At(vlanInfo, 8);
      // vlan_proto is big-endian on the wire (__be16).
      const proto = (vlanInfo[12]! << 8) | vlanInfo[13]!;
      config.proto = proto === ETH_P_8021AD ? '802.1ad' : '802.1q';
    }
    const rate = a.get(IFLA_VF_RATE);
    const txRate = a.get(IFLA_VF_TX_RATE);
    if (rate && rate.length >= 12) {
      config.minTxRate = u32At(rate, 4);
      config.maxTxRate = u32At(rate, 8);
    } else if (txRate && txRate.length >= 8) {
      config.maxTxRate = u32At(txRate, 4);
    }
    config.spoofchk = setting(a.get(IFLA_VF_SPOOFCHK));
    config.trust = setting(a.get(IFLA_VF_TRUST));
    const state = a.get(IFLA_VF_LINK_STATE);
    if (state && state.length >= 8) config.linkState = LINK_STATES[u32At(state, 4)] ?? null;
    out.set(vf, config);
  }
  return out;
}

function setting(attr: Uint8Array | undefined): boolean | null {
  if (!attr || attr.length < 8) return null;
  const v = u32At(attr, 4);
  return v === NOT_REPORTED ? null : v !== 0;
}

/** One VF setting, as the IFLA_VF_* attribute (type and struct) that carries it. */
export type VfSetting =
  | { kind: 'mac'; mac: string }
  | { kind: 'vlan'; vlan: number; qos: number; proto: VlanProto }
  | { kind: 'rate'; min: number; max: number }
  | { kind: 'spoofchk'; on: boolean }
  | { kind: 'trust'; on: boolean }
  | { kind: 'linkState'; state: VfLinkState };

/** RTM_SETLINK on the PF with IFLA_VFINFO_LIST → IFLA_VF_INFO → the one setting. */
export function setVf(pfIndex: number, vf: number, s: VfSetting): MessageBuilder {
  return setLink(pfIndex).nested(IFLA_VFINFO_LIST, (list) =>
    list.nested(IFLA_VF_INFO, (info) => {
      switch (s.kind) {
        case 'mac': {
          // struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }
          const b = struct(vf, 36);
          b.set(parseMac(s.mac), 4);
          info.attr(IFLA_VF_MAC, b);
          break;
        }
        case 'vlan':
          // IFLA_VF_VLAN (implies 802.1Q) where that says it all, as iproute2 does: every driver
          // with ndo_set_vf_vlan takes it; the list form is needed only for another protocol.
          if (s.proto === '802.1q') info.attr(IFLA_VF_VLAN, words(vf, s.vlan, s.qos));
          else {
            info.nested(IFLA_VF_VLAN_LIST, (l) => {
              const b = struct(vf, 16);
              const v = new DataView(b.buffer);
              v.setUint32(4, s.vlan >>> 0, HOST_LE);
              v.setUint32(8, s.qos >>> 0, HOST_LE);
              v.setUint16(12, ETH_P_8021AD, false);
              l.attr(IFLA_VF_VLAN_INFO, b);
            });
          }
          break;
        case 'rate':
          info.attr(IFLA_VF_RATE, words(vf, s.min, s.max));
          break;
        case 'spoofchk':
          info.attr(IFLA_VF_SPOOFCHK, words(vf, s.on ? 1 : 0));
          break;
        case 'trust':
          info.attr(IFLA_VF_TRUST, words(vf, s.on ? 1 : 0));
          break;
        case 'linkState':
          info.attr(IFLA_VF_LINK_STATE, words(vf, LINK_STATES.indexOf(s.state)));
          break;
      }
    }),
  );
}

/** A struct of `size` bytes whose first field is the VF index. */
function struct(vf: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, vf >>> 0, HOST_LE);
  return b;
}

function words(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  for (const [i, x] of values.entries()) v.setUint32(i * 4, x >>> 0, HOST_LE);
  return b;
}

/** `aa:bb:cc:dd:ee:ff` as 6 bytes; throws on anything else (the caller turns that into EINVAL). */
export function parseMac(mac: string): Uint8Array {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new RangeError(`"${mac}" is not a MAC address`);
  return Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
