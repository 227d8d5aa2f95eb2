// Structural checks of CNI ADD results, per spec version (SPEC.md, "Result" sections; reference
// cni-spec-and-runtimes.md §1.6). Plain code rather than a schema: the rules that matter here
// are cross-field (ips[].interface indexes interfaces, ips[].version matches the address family
// and exists only before 1.0.0), and each failure should read as a sentence.
import { isIP } from 'node:net';

export type CniVersion = '0.1.0' | '0.2.0' | '0.3.0' | '0.3.1' | '0.4.0' | '1.0.0' | '1.1.0';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b.c.d/n` or `x::y/n` with the prefix length in range for the family; 4, 6 or 0 (invalid). */
export function cidrFamily(cidr: unknown): 0 | 4 | 6 {
  if (typeof cidr !== 'string') return 0;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return 0;
  const family = isIP(m[1]!);
  const len = Number(m[2]);
  if (family === 4 && len <= 32) return 4;
  if (family === 6 && len <= 128) return 6;
  return 0;
}

function checkDns(dns: unknown, at: string, errs: string[]): void {
  if (dns === undefined) return;
  if (!isObject(dns)) {
    errs.push(`${at} must be an object`);
    return;
  }
  for (const k of ['nameservers', 'search', 'options'] as const) {
    const v = dns[k];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
      errs.push(`${at}.${k} must be an array of strings`);
    }
  }
  if (dns.domain !== undefined && typeof dns.domain !== 'string') errs.push(`${at}.domain must be a string`);
}

function checkRoutes(routes: unknown, at: string, errs: string[], v11: boolean): void {
  if (routes === undefined) return;
  if (!Array.isArray(routes)) {
    errs.push(`${at} must be an array`);
    return;
  }
  routes.forEach((r: unknown, i) => {
    const p = `${at}[${i}]`;
    if (!isObject(r)) {
      errs.push(`${p} must be an object`);
      return;
    }
    if (!cidrFamily(r.dst)) errs.push(`${p}.dst ${JSON.stringify(r.dst)} is not a CIDR`);
    if (r.gw !== undefined && !isIP(String(r.gw))) errs.push(`${p}.gw ${JSON.stringify(r.gw)} is not an IP address`);
    for (const k of ['mtu', 'advmss', 'priority', 'table'] as const) {
      if (r[k] === undefined) continue;
      if (!v11) errs.push(`${p}.${k} exists only from 1.1.0 on`);
      else if (!Number.isInteger(r[k]) || (r[k] as number) < 0) errs.push(`${p}.${k} must be a non-negative integer`);
    }
  });
}

function checkLegacyIp(ip: unknown, at: string, family: 4 | 6, errs: string[]): void {
  if (ip === undefined) return;
  if (!isObject(ip)) {
    errs.push(`${at} must be an object`);
    return;
  }
  if (cidrFamily(ip.ip) !== family) errs.push(`${at}.ip ${JSON.stringify(ip.ip)} is not an IPv${family} CIDR`);
  if (ip.gateway !== undefined && isIP(String(ip.gateway)) !== family)
    errs.push(`${at}.gateway is not an IPv${family} address`);
  checkRoutes(ip.routes, `${at}.routes`, errs, false);
}

/**
 * Every way `result` breaks the result format of `version`; empty when it is valid.
 * `requireInterfaceDetails` additionally demands mac and sandbox on every interface, which the
 * spec leaves optional but a plugin that moves a netdev into a sandbox must report.
 */
export function resultErrors(version: CniVersion, result: unknown, requireInterfaceDetails = true): string[] {
  const errs: string[] = [];
  if (!isObject(result)) return ['result must be a JSON object'];
  if (result.cniVersion !== undefined && result.cniVersion !== version) {
    errs.push(`cniVersion is ${JSON.stringify(result.cniVersion)}, expected "${version}"`);
  }
  if (version === '0.1.0' || version === '0.2.0') {
    for (const k of ['interfaces', 'ips', 'routes']) if (k in result) errs.push(`${k} does not exist before 0.3.0`);
    checkLegacyIp(result.ip4, 'ip4', 4, errs);
    checkLegacyIp(result.ip6, 'ip6', 6, errs);
    checkDns(result.dns, 'dns', errs);
    return errs;
  }
  const v1 = version === '1.0.0' || version === '1.1.0';
  const v11 = version === '1.1.0';
  for (const k of ['ip4', 'ip6']) if (k in result) errs.push(`${k} exists only before 0.3.0`);

  const interfaces = result.interfaces ?? [];
  if (!Array.isArray(interfaces)) errs.push('interfaces must be an array');
  const ifaces = Array.isArray(interfaces) ? interfaces : [];
  ifaces.forEach((itf: unknown, i) => {
    const p = `interfaces[${i}]`;
    if (!isObject(itf)) {
      errs.push(`${p} must be an object`);
      return;
    }
    if (typeof itf.name !== 'string' || itf.name === '') errs.push(`${p}.name must be a non-empty string`);
    if (itf.mac !== undefined || requireInterfaceDetails) {
      if (typeof itf.mac !== 'string' || !MAC.test(itf.mac))
        errs.push(`${p}.mac ${JSON.stringify(itf.mac)} is not a MAC address`);
    }
    if (itf.sandbox !== undefined || requireInterfaceDetails) {
      if (typeof itf.sandbox !== 'string' || itf.sandbox === '') errs.push(`${p}.sandbox must be a non-empty string`);
    }
    // libcni ≥ 1.2 Go types emit mtu/socketPath/pciID with omitempty at any 1.x version, so only their type is checked.
    if (itf.mtu !== undefined && (!Number.isInteger(itf.mtu) || (itf.mtu as number) <= 0))
      errs.push(`${p}.mtu must be a positive integer`);
    for (const k of ['socketPath', 'pciID'] as const) {
      if (itf[k] !== undefined && typeof itf[k] !== 'string') errs.push(`${p}.${k} must be a string`);
    }
  });

  const ips = result.ips ?? [];
  if (!Array.isArray(ips)) errs.push('ips must be an array');
  (Array.isArray(ips) ? ips : []).forEach((ip: unknown, i) => {
    const p = `ips[${i}]`;
    if (!isObject(ip)) {
      errs.push(`${p} must be an object`);
      return;
    }
    const family = cidrFamily(ip.address);
    if (!family) errs.push(`${p}.address ${JSON.stringify(ip.address)} is not a CIDR`);
    if (ip.gateway !== undefined && isIP(String(ip.gateway)) !== family) {
      errs.push(
        `${p}.gateway ${JSON.stringify(ip.gateway)} is not an address of the same family as ${String(ip.address)}`,
      );
    }
    if (v1) {
      if ('version' in ip) errs.push(`${p}.version must not exist at ${version}`);
    } else if (ip.version !== '4' && ip.version !== '6') {
      errs.push(`${p}.version must be "4" or "6" at ${version}, got ${JSON.stringify(ip.version)}`);
    } else if (family && ip.version !== String(family)) {
      errs.push(`${p}.version "${ip.version}" does not match the address ${String(ip.address)}`);
    }
    if (ip.interface !== undefined) {
      const n = ip.interface;
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) >= ifaces.length) {
        errs.push(`${p}.interface ${JSON.stringify(n)} is not an index into interfaces (length ${ifaces.length})`);
      }
    }
  });

  checkRoutes(result.routes, 'routes', errs, v11);
  checkDns(result.dns, 'dns', errs);
  return errs;
}

/** Throws one error listing every problem, with the result itself for context. */
export function assertValidResult(version: CniVersion, result: unknown, requireInterfaceDetails = true): void {
  const errs = resultErrors(version, result, requireInterfaceDetails);
  if (errs.length) {
    throw new Error(`invalid ${version} result:\n  ${errs.join('\n  ')}\nresult: ${JSON.stringify(result)}`);
  }
}

/** Does the IPv4 CIDR `addr` lie inside `subnet` (both `a.b.c.d/n`)? */
export function inSubnet(addr: string, subnet: string): boolean {
  const toInt = (ip: string) => ip.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const [a] = addr.split('/');
  const [net, len] = subnet.split('/');
  const bits = Number(len);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(a!) & mask) >>> 0 === (toInt(net!) & mask) >>> 0;
}
