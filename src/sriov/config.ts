// The `sriov` network configuration: every key of today's sriov-cni plus vfnet's own, validated
// strictly and completely before anything on the host is touched. Nothing here does I/O.
import { CniCode, CniError } from '../cni/index.js';
import { LOG_LEVELS, type LogLevel } from '../host/log.js';
import type { VfLinkState, VlanProto } from '../host/ports.js';

export type VfSelector =
  | { kind: 'deviceID'; pci: string }
  | { kind: 'master'; pf: string; vf: number | null }
  | { kind: 'physnet'; physnet: string };

export interface PlacementTarget {
  url: string;
}

/** What the user asked for. `undefined` means "leave that attribute alone" (sriov-cni #296). */
export interface SriovConfig {
  cniVersion: string;
  name: string;
  selector: VfSelector;
  vlan?: number;
  vlanQoS?: number;
  vlanProto?: VlanProto;
  /** The MAC after precedence (runtimeConfig.mac > CNI_ARGS MAC > mac), lower-case, colon form. */
  mac?: string;
  spoofchk?: boolean;
  trust?: boolean;
  linkState?: VfLinkState;
  minTxRate?: number;
  maxTxRate?: number;
  ipamType?: string;
  logLevel: LogLevel;
  logFile?: string;
  placement?: PlacementTarget;
}

/** Notes produced while parsing, logged by the caller once it has a logger. */
export interface ConfigNotes {
  warnings: string[];
  debug: string[];
}

// Keys with a meaning to this plugin or to the CNI runtime. sriov-cni is decoded by Go's
// case-insensitive JSON matching, so a key that differs from one of these only in case is
// accepted (with a warning); any other key belongs to someone else and is ignored.
const KNOWN_KEYS = [
  'cniVersion',
  'name',
  'type',
  'deviceID',
  'master',
  'pfName',
  'vf',
  'physnet',
  'vlan',
  'vlanQoS',
  'vlanProto',
  'mac',
  'spoofchk',
  'trust',
  'link_state',
  'min_tx_rate',
  'max_tx_rate',
  'ipam',
  'logLevel',
  'logFile',
  'placement',
  'runtimeConfig',
  'capabilities',
  'prevResult',
  'dns',
  'args',
  'cni.dev/valid-attachments',
] as const;
type KnownKey = (typeof KNOWN_KEYS)[number];
const KNOWN_BY_LOWER = new Map<string, KnownKey>(KNOWN_KEYS.map((k) => [k.toLowerCase(), k]));
// Keys sriov-cni reads from its own Go field names or that Multus injects; harmless, never warned.
const SILENTLY_IGNORED = new Set(['pcibusid', 'mtu', 'origvfstate', 'vfid', 'dpdkmode']);

const DEVICE_ID = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/;
const IFNAME = /^[^\s/:]{1,15}$/;
const PHYSNET = /^[A-Za-z0-9_-]{1,200}$/;

function invalid(key: string, value: unknown, expected: string): CniError {
  return new CniError(CniCode.InvalidConfig, `invalid "${key}": ${JSON.stringify(value)} (expected ${expected})`);
}

/** Normalises a MAC to lower-case colon form, or throws a config error naming `key`. */
export function parseMac(key: string, value: unknown): string {
  if (typeof value !== 'string' || !MAC.test(value.toLowerCase())) {
    throw invalid(key, value, 'a MAC address such as "ca:fe:c0:ff:ee:01"');
  }
  const mac = value.toLowerCase().replace(/-/g, ':');
  if (mac === '00:00:00:00:00:00') throw invalid(key, value, 'a non-zero unicast MAC address');
  if (parseInt(mac.slice(0, 2), 16) & 1)
    throw invalid(key, value, 'a unicast MAC address (the first octet is multicast)');
  return mac;
}

function int(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(key, value, `an integer in the range ${min}-${max}`);
  }
  return value;
}

function onOff(key: string, value: unknown): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw invalid(key, value, '"on" or "off"');
}

function str(key: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid(key, value, 'a non-empty string');
  return value;
}

/** Canonicalises key spelling, warning about case-only mismatches. The input is not modified. */
function canonicalKeys(raw: Record<string, unknown>, notes: ConfigNotes): Map<KnownKey, unknown> {
  const out = new Map<KnownKey, unknown>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const known = KNOWN_BY_LOWER.get(key.toLowerCase());
    if (!known) {
      if (!SILENTLY_IGNORED.has(key.toLowerCase())) notes.debug.push(`ignoring unknown key "${key}"`);
      continue;
    }
    if (known !== key) {
      if (out.has(known))
        throw new CniError(CniCode.InvalidConfig, `"${key}" and "${known}" both given; use "${known}" only`);
      notes.warnings.push(`key "${key}" accepted as "${known}"; please spell it "${known}"`);
    }
    out.set(known, value);
  }
  return out;
}

function runtimeMac(runtimeConfig: unknown): unknown {
  if (runtimeConfig === undefined || runtimeConfig === null) return undefined;
  if (typeof runtimeConfig !== 'object' || Array.isArray(runtimeConfig)) {
    throw invalid('runtimeConfig', runtimeConfig, 'an object');
  }
  // Runtimes differ in capitalisation of runtimeConfig keys (containerd sends Go field names).
  for (const [k, v] of Object.entries(runtimeConfig)) if (k.toLowerCase() === 'mac') return v;
  return undefined;
}

function selector(keys: Map<KnownKey, unknown>, notes: ConfigNotes): VfSelector {
  const deviceID = keys.get('deviceID');
  const master = keys.get('master') ?? keys.get('pfName');
  const physnet = keys.get('physnet');
  const given = [
    deviceID !== undefined && 'deviceID',
    master !== undefined && 'master',
    physnet !== undefined && 'physnet',
  ].filter((x): x is string => Boolean(x));
  if (given.length === 0) {
    throw new CniError(
      CniCode.InvalidConfig,
      'no VF selected: set one of "deviceID" (a VF PCI address), "master" (a PF netdev name, optionally with "vf") or "physnet"',
    );
  }
  if (given.length > 1)
    notes.warnings.push(
      `"${given[0]}" selects the VF; ignoring ${given
        .slice(1)
        .map((k) => `"${k}"`)
        .join(', ')}`,
    );
  if (keys.has('master') && keys.has('pfName'))
    notes.warnings.push('"master" and its alias "pfName" both given; using "master"');
  const vf = keys.get('vf');
  if (vf !== undefined && given[0] !== 'master') notes.warnings.push('"vf" is only used with "master"; ignoring it');

  if (deviceID !== undefined) {
    if (typeof deviceID !== 'string' || !DEVICE_ID.test(deviceID.toLowerCase())) {
      throw invalid('deviceID', deviceID, 'a PCI address such as "0000:03:02.3"');
    }
    return { kind: 'deviceID', pci: deviceID.toLowerCase() };
  }
  if (master !== undefined) {
    const key = keys.has('master') ? 'master' : 'pfName';
    if (typeof master !== 'string' || !IFNAME.test(master) || master === '.' || master === '..') {
      throw invalid(key, master, 'a network interface name (1-15 characters)');
    }
    return { kind: 'master', pf: master, vf: vf === undefined ? null : int('vf', vf, 0, 65535) };
  }
  if (typeof physnet !== 'string' || !PHYSNET.test(physnet)) {
    throw invalid('physnet', physnet, 'a physical network name of letters, digits, "_" and "-"');
  }
  return { kind: 'physnet', physnet };
}

/**
 * Parses and validates the plugin configuration. `cniArgs` is the parsed CNI_ARGS map (its
 * `MAC` key takes part in MAC precedence). Throws CniError code 7 naming the key, the value and
 * what was expected.
 */
export function parseConfig(
  raw: Record<string, unknown>,
  cniArgs: ReadonlyMap<string, string>,
  notes: ConfigNotes,
): SriovConfig {
  const keys = canonicalKeys(raw, notes);
  const cniVersion = typeof keys.get('cniVersion') === 'string' ? (keys.get('cniVersion') as string) : '0.1.0';
  const config: SriovConfig = {
    cniVersion,
    name: str('name', keys.get('name')),
    selector: selector(keys, notes),
    logLevel: 'info',
  };

  const vlan = keys.get('vlan');
  const qos = keys.get('vlanQoS');
  const proto = keys.get('vlanProto');
  if (vlan !== undefined) config.vlan = int('vlan', vlan, 0, 4094);
  if (qos !== undefined) {
    if (config.vlan === undefined)
      throw new CniError(
        CniCode.InvalidConfig,
        `invalid "vlanQoS": ${JSON.stringify(qos)} (a VLAN QoS needs "vlan" to be set)`,
      );
    config.vlanQoS = int('vlanQoS', qos, 0, 7);
    if (config.vlanQoS !== 0 && config.vlan === 0) {
      throw new CniError(
        CniCode.InvalidConfig,
        `invalid "vlanQoS": ${config.vlanQoS} (a non-zero VLAN QoS needs a non-zero "vlan")`,
      );
    }
  }
  if (proto !== undefined) {
    if (config.vlan === undefined)
      throw new CniError(
        CniCode.InvalidConfig,
        `invalid "vlanProto": ${JSON.stringify(proto)} (a VLAN protocol needs "vlan" to be set)`,
      );
    const p = typeof proto === 'string' ? proto.toLowerCase() : proto;
    if (p !== '802.1q' && p !== '802.1ad') throw invalid('vlanProto', proto, '"802.1q" or "802.1ad"');
    if (p === '802.1ad' && config.vlan === 0) {
      throw new CniError(CniCode.InvalidConfig, 'invalid "vlanProto": "802.1ad" (802.1ad needs a non-zero "vlan")');
    }
    config.vlanProto = p;
  }
  if (config.vlan !== undefined) {
    config.vlanQoS ??= 0;
    config.vlanProto ??= '802.1q';
  }

  // MAC precedence: runtimeConfig.mac > CNI_ARGS MAC > mac. Every given value must be valid,
  // even one that loses: a typo should not hide behind precedence.
  const fromRuntime = runtimeMac(keys.get('runtimeConfig'));
  const fromArgs = cniArgs.get('MAC');
  const fromConfig = keys.get('mac');
  const macs = [
    fromConfig !== undefined ? parseMac('mac', fromConfig) : undefined,
    fromArgs !== undefined ? parseMac('CNI_ARGS MAC', fromArgs) : undefined,
    fromRuntime !== undefined ? parseMac('runtimeConfig.mac', fromRuntime) : undefined,
  ];
  const mac = macs[2] ?? macs[1] ?? macs[0];
  if (mac !== undefined) config.mac = mac;

  if (keys.get('spoofchk') !== undefined) config.spoofchk = onOff('spoofchk', keys.get('spoofchk'));
  if (keys.get('trust') !== undefined) config.trust = onOff('trust', keys.get('trust'));
  const linkState = keys.get('link_state');
  if (linkState !== undefined) {
    if (linkState !== 'auto' && linkState !== 'enable' && linkState !== 'disable') {
      throw invalid('link_state', linkState, '"auto", "enable" or "disable"');
    }
    config.linkState = linkState;
  }
  const minRate = keys.get('min_tx_rate');
  const maxRate = keys.get('max_tx_rate');
  if (minRate !== undefined) config.minTxRate = int('min_tx_rate', minRate, 0, 0x7fffffff);
  if (maxRate !== undefined) config.maxTxRate = int('max_tx_rate', maxRate, 0, 0x7fffffff);
  if (
    config.minTxRate !== undefined &&
    config.maxTxRate !== undefined &&
    config.maxTxRate > 0 &&
    config.minTxRate > config.maxTxRate
  ) {
    throw new CniError(
      CniCode.InvalidConfig,
      `invalid "min_tx_rate": ${config.minTxRate} (must not exceed "max_tx_rate" ${config.maxTxRate}; 0 means no limit)`,
    );
  }

  const ipam = keys.get('ipam');
  if (ipam !== undefined && ipam !== null) {
    if (typeof ipam !== 'object' || Array.isArray(ipam)) throw invalid('ipam', ipam, 'an object');
    const type = (ipam as Record<string, unknown>).type;
    if (type !== undefined && type !== '') {
      if (typeof type !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(type))
        throw invalid('ipam.type', type, 'an IPAM plugin name');
      config.ipamType = type;
    }
  }

  const logLevel = keys.get('logLevel');
  if (logLevel !== undefined) {
    const l = typeof logLevel === 'string' ? logLevel.toLowerCase() : logLevel;
    if (!LOG_LEVELS.includes(l as LogLevel))
      throw invalid('logLevel', logLevel, LOG_LEVELS.map((x) => `"${x}"`).join(', '));
    config.logLevel = l as LogLevel;
  }
  const logFile = keys.get('logFile');
  if (logFile !== undefined && logFile !== '') {
    if (typeof logFile !== 'string' || !logFile.startsWith('/'))
      throw invalid('logFile', logFile, 'an absolute file path');
    config.logFile = logFile;
  }

  const placement = keys.get('placement');
  if (placement !== undefined && placement !== null) {
    if (typeof placement !== 'object' || Array.isArray(placement))
      throw invalid('placement', placement, 'an object such as {"url": "http://127.0.0.1:8778"}');
    const url = (placement as Record<string, unknown>).url;
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url))
      throw invalid('placement.url', url, 'an http(s) URL');
    config.placement = { url };
  }
  return config;
}

/** The subset of settings that touch the PF, in a form that can be cached and compared. */
export function configuredSettings(c: SriovConfig): {
  vlan?: number;
  vlanQoS?: number;
  vlanProto?: VlanProto;
  mac?: string;
  spoofchk?: boolean;
  trust?: boolean;
  linkState?: VfLinkState;
  minTxRate?: number;
  maxTxRate?: number;
} {
  const out: ReturnType<typeof configuredSettings> = {};
  if (c.vlan !== undefined) {
    out.vlan = c.vlan;
    out.vlanQoS = c.vlanQoS ?? 0;
    out.vlanProto = c.vlanProto ?? '802.1q';
  }
  if (c.mac !== undefined) out.mac = c.mac;
  if (c.spoofchk !== undefined) out.spoofchk = c.spoofchk;
  if (c.trust !== undefined) out.trust = c.trust;
  if (c.linkState !== undefined) out.linkState = c.linkState;
  // A rate that is not given stays as it was (resolved against the original state when applied).
  if (c.minTxRate !== undefined) out.minTxRate = c.minTxRate;
  if (c.maxTxRate !== undefined) out.maxTxRate = c.maxTxRate;
  return out;
}
