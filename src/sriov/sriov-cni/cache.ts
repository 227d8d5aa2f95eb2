// sriov-cni's attachment cache, `<dataDir>/<containerID>-<ifname>`: the marshalled NetConf of the
// ADD, read by its DEL (reference/sriov-cni.md §4.5). Every shape from v2.0 to today's master is
// read here, and the shape written for rollback is one both v2.4 and master read:
//  - v2.0–v2.3: `Master`, `DeviceID`, `VFID`, `Vlan` (an int, 0 meaning "reset to 0"),
//    `HostIFNames`, `ContIFNames`; no original state.
//  - v2.4–v2.7: `OrigVfState` {HostIFName, SpoofChk, AdminMAC, EffectiveMAC, Vlan, VlanQoS,
//    MinTxRate, MaxTxRate, LinkState}; `vlan`/`vlanQoS`/rates absent when not configured;
//    `DPDKMode` cached; `ContIFNames` = the pod ifname. EffectiveMAC only when a MAC was set.
//  - v2.8+: OrigVfState gains Trust and VlanProto (0x8100 / 0x88a8); `vlanProto`, `MTU` (the PF's),
//    `logLevel`/`logFile`; DPDKMode no longer cached (#346).
//  - master (2026): OrigVfState.MTU (the VF netdev's, restored on DEL, #316).
// Go's JSON decoding matches keys case-insensitively, so `mac` and `MAC` are one field there;
// this reader accepts the spellings Go itself writes, and the writer emits only those.
import type { VfConfig, VfLinkState, VlanProto } from '../../host/ports.js';
import type { Settings } from '../vf-settings.js';
import { ZERO_MAC } from '../vf-settings.js';

/** The VF's state before the ADD, as far as the cache's version recorded it. */
export interface CachedOriginal {
  hostIfName: string | null;
  adminMac: string | null;
  effectiveMac: string | null;
  vlan: number;
  qos: number;
  proto: VlanProto;
  spoofchk: boolean | null;
  /** null before v2.8 (not recorded; v2.4's DEL simply turns trust off). */
  trust: boolean | null;
  linkState: VfLinkState | null;
  minTxRate: number;
  maxTxRate: number;
  /** The VF netdev's MTU (master only). */
  mtu: number | null;
}

export interface SriovCniCache {
  network: string;
  pci: string;
  /** The PF netdev and VF index the ADD used (re-resolved from sysfs before use). */
  master: string | null;
  vfIndex: number | null;
  /** The pod-side name, when the cache says (v2.0–v2.7, and vfnet's own writes). */
  ifname: string | null;
  /** v2.4–v2.7 cache it; null when unknown (then the VF's driver decides). */
  dpdk: boolean | null;
  configured: Settings;
  original: CachedOriginal | null;
  ipamType: string | null;
  /** Set when vfnet wrote this cache as the mirror of its own attachment record. */
  vfnetOwner: { containerId: string; ifname: string } | null;
  /** The whole cached NetConf: name, cniVersion and ipam, for an IPAM DEL with the ADD's config. */
  raw: Record<string, unknown>;
}

export class CacheError extends Error {}

const PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const LINK_STATES: readonly VfLinkState[] = ['auto', 'enable', 'disable'];
const PROTO_8021AD = 0x88a8;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(o: Obj, where: string) {
  const bad = (key: string, want: string) =>
    new CacheError(`${where}: "${key}" is ${JSON.stringify(o[key])}, expected ${want}`);
  return {
    str(key: string): string | null {
      const v = o[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') throw bad(key, 'a string');
      return v;
    },
    int(key: string): number | null {
      const v = o[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(key, 'an integer');
      return v;
    },
    bool(key: string): boolean | null {
      const v = o[key];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'boolean') throw bad(key, 'true or false');
      return v;
    },
  };
}

function macOrNull(mac: string | null): string | null {
  return mac ? mac.toLowerCase() : null;
}

function parseOriginal(o: Obj, where: string): CachedOriginal {
  const f = field(o, `${where} OrigVfState`);
  const linkState = f.int('LinkState');
  const proto = f.int('VlanProto');
  return {
    hostIfName: f.str('HostIFName') || null,
    adminMac: macOrNull(f.str('AdminMAC')),
    effectiveMac: macOrNull(f.str('EffectiveMAC')),
    vlan: f.int('Vlan') ?? 0,
    qos: f.int('VlanQoS') ?? 0,
    proto: proto === PROTO_8021AD ? '802.1ad' : '802.1q',
    spoofchk: f.bool('SpoofChk'),
    trust: f.bool('Trust'),
    linkState: linkState === null ? null : (LINK_STATES[linkState] ?? null),
    minTxRate: f.int('MinTxRate') ?? 0,
    maxTxRate: f.int('MaxTxRate') ?? 0,
    mtu: f.int('MTU') || null,
  };
}

/** Parses and validates a cache file's text; throws CacheError naming what is wrong. */
export function parseCache(text: string, where: string): SriovCniCache {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CacheError(`${where} is not JSON: ${(e as Error).message}`);
  }
  if (!isObj(raw)) throw new CacheError(`${where} is not a JSON object`);
  const f = field(raw, where);
  const pci = f.str('deviceID');
  if (!pci || !PCI.test(pci))
    throw new CacheError(`${where}: "deviceID" ${JSON.stringify(raw.deviceID)} is not a VF PCI address`);
  const orig = raw.OrigVfState;
  if (orig !== undefined && orig !== null && !isObj(orig))
    throw new CacheError(`${where}: "OrigVfState" is not an object`);
  const configured: Settings = {};
  const legacy = orig === undefined || orig === null;
  const vlan = f.int('vlan');
  // v2.0–v2.3 always set (and reset to 0) the VLAN; from v2.4 an absent vlan means untouched.
  if (vlan !== null || legacy) {
    configured.vlan = vlan ?? 0;
    configured.vlanQoS = f.int('vlanQoS') ?? 0;
    const proto = f.str('vlanProto');
    configured.vlanProto = proto?.toLowerCase() === '802.1ad' ? '802.1ad' : '802.1q';
  }
  const mac = f.str('MAC');
  if (mac) configured.mac = mac.toLowerCase();
  // sriov-cni: anything but "on" is off.
  const spoofchk = f.str('spoofchk');
  if (spoofchk) configured.spoofchk = spoofchk === 'on';
  const trust = f.str('trust');
  if (trust) configured.trust = trust === 'on';
  const linkState = f.str('link_state');
  if (linkState) {
    if (!(LINK_STATES as readonly string[]).includes(linkState))
      throw new CacheError(`${where}: "link_state" ${JSON.stringify(linkState)} is not auto, enable or disable`);
    configured.linkState = linkState as VfLinkState;
  }
  const minTx = f.int('min_tx_rate'),
    maxTx = f.int('max_tx_rate');
  if (minTx !== null) configured.minTxRate = minTx;
  if (maxTx !== null) configured.maxTxRate = maxTx;
  const ipam = raw.ipam;
  const ipamType = isObj(ipam) && typeof ipam.type === 'string' && ipam.type !== '' ? ipam.type : null;
  const original = legacy ? null : parseOriginal(orig as Obj, where);
  if (original && !original.hostIfName) original.hostIfName = f.str('HostIFNames') || null;
  return {
    network: f.str('name') ?? '',
    pci: pci.toLowerCase(),
    master: f.str('Master') || null,
    vfIndex: f.int('VFID'),
    ifname: f.str('ContIFNames') || null,
    dpdk: f.bool('DPDKMode'),
    configured,
    original: original ?? (legacy ? { ...legacyOriginal(), hostIfName: f.str('HostIFNames') || null } : null),
    ipamType,
    vfnetOwner:
      isObj(raw.vfnet) && typeof raw.vfnet.containerId === 'string' && typeof raw.vfnet.ifname === 'string'
        ? { containerId: raw.vfnet.containerId, ifname: raw.vfnet.ifname }
        : null,
    raw,
  };
}

/** What v2.0–v2.3 restored: VLAN 0, nothing else recorded. */
function legacyOriginal(): CachedOriginal {
  return {
    hostIfName: null,
    adminMac: null,
    effectiveMac: null,
    vlan: 0,
    qos: 0,
    proto: '802.1q',
    spoofchk: null,
    trust: null,
    linkState: null,
    minTxRate: 0,
    maxTxRate: 0,
    mtu: null,
  };
}

/**
 * The PF-level state to restore, as vfnet's restorer takes it. What the cache does not say is
 * left as the VF has it now (`now`), so restoring it changes nothing; a trust the cache did not
 * record is restored to off, as sriov-cni itself does. An admin MAC equal to the VF's own MAC is
 * igbvf's echo of that MAC, not an admin MAC (see plugin.ts attach()).
 */
export function originalPf(cache: SriovCniCache, now: VfConfig): VfConfig {
  const o = cache.original;
  if (!o) return now;
  let mac = o.adminMac ?? now.mac;
  if (o.adminMac && o.effectiveMac && o.adminMac === o.effectiveMac) mac = ZERO_MAC;
  return {
    mac,
    vlan: o.vlan,
    qos: o.qos,
    proto: o.proto,
    spoofchk: o.spoofchk ?? now.spoofchk,
    trust: o.trust ?? (cache.configured.trust !== undefined ? false : now.trust),
    linkState: o.linkState ?? now.linkState,
    minTxRate: o.minTxRate,
    maxTxRate: o.maxTxRate,
  };
}

/** Where sriov-cni keeps the attachment: `<containerID>-<ifname>`, as its SaveNetConf joins them. */
export const cacheName = (containerId: string, ifname: string) => `${containerId}-${ifname}`;

/** What the cache written for a vfnet attachment says, so sriov-cni's DEL can undo it. */
export interface CacheInput {
  config: Record<string, unknown>;
  pci: string;
  pf: string;
  vfIndex: number;
  ifname: string;
  dpdk: boolean;
  configured: Settings;
  original: VfConfig;
  netdev: { name: string; mac: string; mtu: number } | null;
  pfMtu: number | null;
  /** The vfnet attachment this cache mirrors: vfnet's own reader skips it (its record is the truth). */
  owner: { containerId: string; ifname: string };
}

/**
 * The NetConf text sriov-cni v2.4 through master reads back in its DEL. Keys are the ones Go
 * writes (tagged names, and untagged fields under their Go names), so no decoder sees two
 * spellings of one field.
 */
export function renderCache(c: CacheInput): string {
  const out: Obj = {};
  for (const k of ['cniVersion', 'name', 'type', 'ipam', 'dns']) if (c.config[k] !== undefined) out[k] = c.config[k];
  const s = c.configured;
  const orig = c.original;
  const effectiveMac = c.netdev?.mac ?? '';
  out.OrigVfState = {
    HostIFName: c.netdev?.name ?? '',
    SpoofChk: orig.spoofchk ?? true,
    Trust: orig.trust ?? false,
    AdminMAC: orig.mac,
    EffectiveMAC: effectiveMac,
    Vlan: orig.vlan,
    VlanQoS: orig.qos,
    VlanProto: orig.proto === '802.1ad' ? PROTO_8021AD : 0x8100,
    MinTxRate: orig.minTxRate,
    MaxTxRate: orig.maxTxRate,
    LinkState: orig.linkState ? LINK_STATES.indexOf(orig.linkState) : 0,
    MTU: c.netdev?.mtu ?? 0,
  };
  // v2.4–v2.7 read the mode back; master ignores the key (json:"-").
  out.DPDKMode = c.dpdk;
  out.Master = c.pf;
  out.MAC = s.mac ?? '';
  if (c.pfMtu !== null) out.MTU = c.pfMtu;
  if (s.vlan !== undefined) {
    out.vlan = s.vlan;
    out.vlanQoS = s.vlanQoS ?? 0;
    out.vlanProto = s.vlanProto ?? '802.1q';
  }
  out.deviceID = c.pci;
  out.VFID = c.vfIndex;
  out.ContIFNames = c.ifname;
  if (s.minTxRate !== undefined || s.maxTxRate !== undefined) {
    out.min_tx_rate = s.minTxRate ?? orig.minTxRate;
    out.max_tx_rate = s.maxTxRate ?? orig.maxTxRate;
  }
  if (s.spoofchk !== undefined) out.spoofchk = s.spoofchk ? 'on' : 'off';
  if (s.trust !== undefined) out.trust = s.trust ? 'on' : 'off';
  if (s.linkState !== undefined) out.link_state = s.linkState;
  // Unknown to Go (ignored); tells vfnet this cache mirrors one of its own records.
  out.vfnet = c.owner;
  return JSON.stringify(out);
}
