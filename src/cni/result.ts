// One internal result (the 1.1.0 shape) and its conversion from and to every spec version.
//
// Parsing is liberal: a field is kept whenever it is well-formed, whatever the version says, and the
// version only decides the legacy (ip4/ip6) or current (interfaces/ips) layout. Formatting is strict:
// a version gets exactly the fields it defines, so older runtimes never see keys they cannot parse.
import { CniCode, CniError } from './errors.js';
import { ipFamily } from './ip-family.js';
import { isLegacyResultVersion, isSupportedVersion, SUPPORTED_VERSIONS, versionAtLeast } from './versions.js';

export interface CniInterface {
  name: string;
  mac?: string;
  /** 1.1.0 */
  mtu?: number;
  /** The netns path for a container interface; absent for a host interface. */
  sandbox?: string;
  /** 1.1.0 */
  socketPath?: string;
  /** 1.1.0 */
  pciID?: string;
}

export interface CniIpConfig {
  /** CIDR: the address and its prefix length, e.g. `10.1.2.3/24`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
  /** 1.1.0 */
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

export function emptyResult(): CniResult {
  return { interfaces: [], ips: [], routes: [], dns: {} };
}

// ---------------------------------------------------------------- parsing

type Json = Record<string, unknown>;

function bad(what: string, detail: string): CniError {
  return new CniError(CniCode.DecodingFailure, `invalid CNI result: ${what}`, detail);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`${where}.${key}`, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function optInt(o: Json, key: string, where: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw bad(`${where}.${key}`, `expected an integer, got ${JSON.stringify(v)}`);
  return v;
}

function optStrings(o: Json, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw bad(`${where}.${key}`, `expected an array of strings, got ${JSON.stringify(v)}`);
  }
  return v.length > 0 ? [...(v as string[])] : undefined;
}

function list(o: Json, key: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(key, `expected an array, got ${JSON.stringify(v)}`);
  return v;
}

function objectAt(v: unknown, where: string): Json {
  if (!isObject(v)) throw bad(where, `expected an object, got ${JSON.stringify(v)}`);
  return v;
}

/** Removes keys whose value is undefined (in place), so results compare and print cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function parseDns(v: unknown): CniDns {
  if (v === undefined || v === null) return {};
  const o = objectAt(v, 'dns');
  return compact({
    nameservers: optStrings(o, 'nameservers', 'dns'),
    domain: optString(o, 'domain', 'dns'),
    search: optStrings(o, 'search', 'dns'),
    options: optStrings(o, 'options', 'dns'),
  });
}

function parseRoute(v: unknown, where: string): CniRoute {
  const o = objectAt(v, where);
  const dst = optString(o, 'dst', where);
  if (dst === undefined) throw bad(`${where}.dst`, 'missing');
  return compact({
    dst,
    gw: optString(o, 'gw', where),
    mtu: optInt(o, 'mtu', where),
    advmss: optInt(o, 'advmss', where),
    priority: optInt(o, 'priority', where),
    table: optInt(o, 'table', where),
    scope: optInt(o, 'scope', where),
  });
}

function parseCurrent(o: Json): CniResult {
  const interfaces = list(o, 'interfaces').map((v, i): CniInterface => {
    const where = `interfaces[${i}]`;
    const it = objectAt(v, where);
    const name = optString(it, 'name', where);
    if (name === undefined) throw bad(`${where}.name`, 'missing');
    return compact({
      name,
      mac: optString(it, 'mac', where),
      mtu: optInt(it, 'mtu', where) || undefined,
      sandbox: optString(it, 'sandbox', where),
      socketPath: optString(it, 'socketPath', where),
      pciID: optString(it, 'pciID', where),
    });
  });
  // 0.3.0's text named the list `ip`; accept it when `ips` is absent.
  const ipKey = o.ips === undefined && Array.isArray(o.ip) ? 'ip' : 'ips';
  const ips = list(o, ipKey).map((v, i): CniIpConfig => {
    const where = `ips[${i}]`;
    const ip = objectAt(v, where);
    const address = optString(ip, 'address', where);
    if (address === undefined) throw bad(`${where}.address`, 'missing');
    const version = ip.version;
    if (version !== undefined && version !== null && version !== '') {
      const family = cidrFamily(address);
      if (String(version) !== String(family)) {
        throw bad(`${where}.version`, `${JSON.stringify(version)} does not match address ${address}`);
      }
    }
    return compact({ address, gateway: optString(ip, 'gateway', where), interface: optInt(ip, 'interface', where) });
  });
  const routes = list(o, 'routes').map((v, i) => parseRoute(v, `routes[${i}]`));
  return { interfaces, ips, routes, dns: parseDns(o.dns) };
}

function parseLegacy(o: Json): CniResult {
  const result = emptyResult();
  for (const key of ['ip4', 'ip6'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    const ipc = objectAt(v, key);
    const address = optString(ipc, 'ip', key);
    if (address === undefined) throw bad(`${key}.ip`, 'missing');
    result.ips.push(compact({ address, gateway: optString(ipc, 'gateway', key) }));
    list(ipc, 'routes').forEach((r, i) => {
      result.routes.push(parseRoute(r, `${key}.routes[${i}]`));
    });
  }
  result.dns = parseDns(o.dns);
  return result;
}

/**
 * Parses a result of any version (a prevResult, an IPAM plugin's output) into the internal form,
 * and validates it. The version is the result's own `cniVersion`, else `fallbackVersion` (libcni
 * assumes the config's version), else guessed from the layout.
 */
export function parseResult(json: string | unknown, fallbackVersion?: string): CniResult {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new CniError(CniCode.DecodingFailure, 'invalid CNI result: not JSON', (e as Error).message);
    }
  }
  const o = objectAt(value, 'result');
  const declared = typeof o.cniVersion === 'string' && o.cniVersion !== '' ? o.cniVersion : undefined;
  const version = declared ?? fallbackVersion;
  if (version !== undefined && !isSupportedVersion(version)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      'unsupported CNI result version',
      `result is ${JSON.stringify(version)}, expected one of ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  const legacy = version !== undefined ? isLegacyResultVersion(version) : 'ip4' in o || 'ip6' in o;
  const result = legacy ? parseLegacy(o) : parseCurrent(o);
  validateResult(result);
  return result;
}

// ---------------------------------------------------------------- validation

/** 4 or 6 for a valid `address/prefix`; throws code 6 otherwise. */
export function cidrFamily(cidr: string, where = 'address'): 4 | 6 {
  const slash = cidr.indexOf('/');
  const family = slash > 0 ? ipFamily(cidr.slice(0, slash)) : 0;
  const prefix = cidr.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (family === 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
    throw bad(where, `${JSON.stringify(cidr)} is not an address/prefix-length (CIDR)`);
  }
  return family as 4 | 6;
}

/** Checks addresses are CIDR, gateways and route next hops are IPs, and interface indexes exist. */
export function validateResult(result: CniResult): void {
  result.interfaces.forEach((it, i) => {
    if (it.name === '') throw bad(`interfaces[${i}].name`, 'must not be empty');
  });
  result.ips.forEach((ip, i) => {
    const where = `ips[${i}]`;
    const family = cidrFamily(ip.address, `${where}.address`);
    if (ip.gateway !== undefined && ipFamily(ip.gateway) !== family) {
      throw bad(`${where}.gateway`, `${JSON.stringify(ip.gateway)} is not an IPv${family} address`);
    }
    if (ip.interface !== undefined && (ip.interface < 0 || ip.interface >= result.interfaces.length)) {
      throw bad(`${where}.interface`, `index ${ip.interface} does not exist (${result.interfaces.length} interfaces)`);
    }
  });
  result.routes.forEach((r, i) => {
    const where = `routes[${i}]`;
    const family = cidrFamily(r.dst, `${where}.dst`);
    if (r.gw !== undefined && ipFamily(r.gw) !== family) {
      throw bad(`${where}.gw`, `${JSON.stringify(r.gw)} is not an IPv${family} address`);
    }
  });
}

// ---------------------------------------------------------------- formatting

function formatDns(dns: CniDns): Json {
  // Empty lists are left out, as Go's omitempty does; `dns` itself is always present.
  return compact({
    nameservers: dns.nameservers?.length ? [...dns.nameservers] : undefined,
    domain: dns.domain || undefined,
    search: dns.search?.length ? [...dns.search] : undefined,
    options: dns.options?.length ? [...dns.options] : undefined,
  });
}

function formatRoute(r: CniRoute, extras: boolean): Json {
  const out: Json = { dst: r.dst };
  if (r.gw) out.gw = r.gw;
  if (extras) {
    if (r.mtu) out.mtu = r.mtu;
    if (r.advmss) out.advmss = r.advmss;
    if (r.priority) out.priority = r.priority;
    // table 0 and scope 0 (universe) are meaningful, so only absence is left out.
    if (r.table !== undefined) out.table = r.table;
    if (r.scope !== undefined) out.scope = r.scope;
  }
  return out;
}

/**
 * 0.1.0/0.2.0 hold one address per family. As libcni's converter does, the first IPv4 and the first
 * IPv6 address are kept and each route goes to its family's block. Unlike libcni, a result with no
 * address is not an error: it becomes `{cniVersion, dns}` (a plugin without IPAM).
 */
function formatLegacy(result: CniResult, version: string): Json {
  const out: Json = { cniVersion: version };
  const blocks: Record<4 | 6, Json | undefined> = { 4: undefined, 6: undefined };
  for (const ip of result.ips) {
    const family = cidrFamily(ip.address);
    if (blocks[family]) continue;
    const block: Json = { ip: ip.address };
    if (ip.gateway) block.gateway = ip.gateway;
    blocks[family] = block;
  }
  for (const r of result.routes) {
    const block = blocks[cidrFamily(r.dst)];
    if (!block) continue;
    ((block.routes ??= []) as Json[]).push(formatRoute(r, false));
  }
  if (blocks[4]) out.ip4 = blocks[4];
  if (blocks[6]) out.ip6 = blocks[6];
  out.dns = formatDns(result.dns);
  return out;
}

/** The result as version `version` prints it (a plain object for JSON.stringify). */
export function formatResult(result: CniResult, version: string): Json {
  if (!isSupportedVersion(version)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      'cannot format result',
      `version ${JSON.stringify(version)}: expected one of ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  if (isLegacyResultVersion(version)) return formatLegacy(result, version);
  const withIpVersion = !versionAtLeast(version, '1.0.0');
  const extras = versionAtLeast(version, '1.1.0');
  const out: Json = { cniVersion: version };
  if (result.interfaces.length > 0) {
    out.interfaces = result.interfaces.map((it) => {
      const o: Json = { name: it.name };
      if (it.mac) o.mac = it.mac;
      if (extras && it.mtu) o.mtu = it.mtu;
      if (it.sandbox) o.sandbox = it.sandbox;
      if (extras && it.socketPath) o.socketPath = it.socketPath;
      if (extras && it.pciID) o.pciID = it.pciID;
      return o;
    });
  }
  if (result.ips.length > 0) {
    out.ips = result.ips.map((ip) => {
      const o: Json = {};
      if (withIpVersion) o.version = String(cidrFamily(ip.address));
      o.address = ip.address;
      if (ip.gateway) o.gateway = ip.gateway;
      if (ip.interface !== undefined) o.interface = ip.interface;
      return o;
    });
  }
  if (result.routes.length > 0) out.routes = result.routes.map((r) => formatRoute(r, extras));
  out.dns = formatDns(result.dns);
  return out;
}
