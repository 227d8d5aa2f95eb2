// Stable identities for the providers of one host (design §5.2): the same host and the same PCI
// addresses always give the same UUIDs and names, so an agent restart, a re-install or a second
// agent on the same host updates the existing tree instead of creating duplicates.
//
// Derivation (RFC 4122 version 5, name-based with SHA-1):
//   namespace = UUIDv5(NAMESPACE_URL, "urn:vfnet:resource-provider")
//             = a8edabdb-7110-51e0-a9ed-90046249453b
//   root      = UUIDv5(namespace, "host/<hostname>")
//   NIC       = UUIDv5(namespace, "nic/<hostname>/<dddd:bb:dd>")
//   PF        = UUIDv5(namespace, "pf/<hostname>/<dddd:bb:dd.f>")
// with <hostname> lower-cased (host names are case-insensitive) and PCI addresses lower-case hex.
// Keyed on the PCI address, not the netdev name: a PF renamed by udev keeps its provider (and its
// allocations); only its provider name follows the new netdev name.
import { sha1 } from './sha1.js';

/** RFC 4122 appendix C. */
export const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
export const PROVIDER_NAMESPACE = 'a8edabdb-7110-51e0-a9ed-90046249453b';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A version-5 UUID of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = namespace.toLowerCase();
  if (!UUID.test(ns)) throw new Error(`uuidV5: namespace ${JSON.stringify(namespace)} is not a UUID`);
  const h = Buffer.from(
    sha1(Buffer.concat([Buffer.from(ns.replace(/-/g, ''), 'hex'), Buffer.from(name, 'utf8')])),
  ).subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const key = (hostname: string) => hostname.toLowerCase();

export function hostProviderUuid(hostname: string): string {
  return uuidV5(PROVIDER_NAMESPACE, `host/${key(hostname)}`);
}

export function nicProviderUuid(hostname: string, nicAddress: string): string {
  return uuidV5(PROVIDER_NAMESPACE, `nic/${key(hostname)}/${nicAddress.toLowerCase()}`);
}

export function pfProviderUuid(hostname: string, pfPci: string): string {
  return uuidV5(PROVIDER_NAMESPACE, `pf/${key(hostname)}/${pfPci.toLowerCase()}`);
}

/** `0000:3b:00.1` → `0000:3b:00`: the PCI device a NIC's functions share. */
export function nicAddressOf(pci: string): string {
  const dot = pci.lastIndexOf('.');
  return dot < 0 ? pci : pci.slice(0, dot);
}

export const hostProviderName = (hostname: string) => hostname;
export const nicProviderName = (hostname: string, nicAddress: string) => `${hostname}_nic_${nicAddress}`;
export const pfProviderName = (hostname: string, pfNetdev: string) => `${hostname}_${pfNetdev}`;

/** Providers whose names the agent gives, and so may remove when their hardware is gone. */
export function isAgentNamed(hostname: string, providerName: string): boolean {
  return providerName.startsWith(`${hostname}_`);
}
