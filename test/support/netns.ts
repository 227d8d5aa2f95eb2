// Named network namespaces and links, created through iproute2 (what an operator would use) and
// registered with a Scratch so they are deleted even when the test fails.
import { existsSync } from 'node:fs';
import { run, runOk } from './exec.js';
import type { Scratch } from './scratch.js';

export const NETNS_DIR = '/var/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** Names of the named namespaces (`ip netns list`), for leak checks. */
export async function listNetns(): Promise<string[]> {
  const r = await runOk('ip', ['-json', 'netns', 'list']);
  if (!r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { name: string }[]).map((n) => n.name).sort();
}

export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await runOk('ip', ['netns', 'delete', name]);
}

/** Creates `<prefix><tag><n>` and returns its name and path; deleted at scratch disposal. */
export async function createNetns(s: Scratch, prefix = 'vt'): Promise<{ name: string; path: string }> {
  const name = s.name(prefix);
  await runOk('ip', ['netns', 'add', name]);
  s.defer(`ip netns delete ${name}`, () => deleteNetns(name));
  return { name, path: netnsPath(name) };
}

export interface IpLink {
  ifname: string;
  ifindex: number;
  address: string;
  mtu: number;
  flags: string[];
  operstate?: string;
  altnames?: string[];
  link_netnsid?: number;
}

export interface IpAddr extends IpLink {
  addr_info: { family: string; local: string; prefixlen: number }[];
}

function nsArgs(netns: string | null): string[] {
  return netns ? ['-n', netns] : [];
}

/** The link, or null when it does not exist in that namespace (null = the host's). */
export async function getLink(netns: string | null, ifname: string): Promise<IpLink | null> {
  const r = await run('ip', [...nsArgs(netns), '-json', 'link', 'show', 'dev', ifname]);
  if (r.status !== 0) return null;
  const links = JSON.parse(r.stdout) as IpLink[];
  return links[0] ?? null;
}

export async function listLinks(netns: string | null): Promise<IpLink[]> {
  const r = await runOk('ip', [...nsArgs(netns), '-json', 'link', 'show']);
  return JSON.parse(r.stdout) as IpLink[];
}

export async function getAddrs(netns: string | null, ifname: string): Promise<IpAddr | null> {
  const r = await run('ip', [...nsArgs(netns), '-json', 'addr', 'show', 'dev', ifname]);
  if (r.status !== 0) return null;
  return (JSON.parse(r.stdout) as IpAddr[])[0] ?? null;
}

/** IPv4 addresses of a link, in CIDR form. */
export async function ipv4Cidrs(netns: string | null, ifname: string): Promise<string[]> {
  const a = await getAddrs(netns, ifname);
  return (a?.addr_info ?? []).filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`);
}

/**
 * A veth pair in the host namespace; the peer is deleted (taking the pair with it) at disposal,
 * wherever the first end has been moved to by then.
 */
export async function createVeth(s: Scratch, prefix = 'vv'): Promise<{ name: string; peer: string }> {
  const name = s.name(prefix);
  const peer = `${name}p`;
  await runOk('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
  s.defer(`ip link delete ${peer}`, async () => {
    if (await getLink(null, peer)) await runOk('ip', ['link', 'delete', peer]);
  });
  return { name, peer };
}
