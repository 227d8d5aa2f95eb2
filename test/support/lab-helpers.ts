// Shared by the lab's integration tests: commands, unique names, a VF netdev put into a
// "container" netns with an address, and reachability checks with busybox ping.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function sh(file: string, args: string[], input?: string): string {
  const r = spawnSync(file, args, { encoding: 'utf8', input: input ?? '' });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr || r.status}`);
  return r.stdout;
}

export function trySh(file: string, args: string[]): boolean {
  return spawnSync(file, args, { encoding: 'utf8' }).status === 0;
}

/** A prefix no other lab on this host uses: netdev and netns names derive from it. */
export function uniquePrefix(tag: string): string {
  return `${tag}${Math.random().toString(36).slice(2, 6)}`.replace(/[^a-z0-9]/g, 'x');
}

/** A directory that does not exist yet: labUp creates it and labDown removes it. */
export function labDir(): string {
  return join(tmpdir(), `vfnet-lab-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** Moves a host netdev into a new netns, names it eth0, gives it an address and brings it up. */
export function intoNetns(netdev: string, netns: string, cidr: string): void {
  sh('ip', ['netns', 'add', netns]);
  sh('ip', ['link', 'set', 'dev', netdev, 'netns', netns]);
  sh('ip', ['-n', netns, '-batch', '-'], [
    `link set dev ${netdev} name eth0`,
    'link set lo up',
    `addr add ${cidr} dev eth0`,
    'link set eth0 up',
  ].join('\n') + '\n');
}

/** Gives a netdev back to the host under its old name (as a CNI DEL does), then drops the netns. */
export function outOfNetns(netns: string, name: string): void {
  if (trySh('ip', ['-n', netns, 'link', 'show', 'eth0'])) {
    sh('ip', ['-n', netns, '-batch', '-'], `link set eth0 down\nlink set eth0 name ${name}\nlink set ${name} netns ${process.pid}\n`);
  }
  trySh('ip', ['netns', 'del', netns]);
}

/** One reply is enough; a few tries cover ARP and carrier coming up. */
export function pings(fromNetns: string, ip: string): boolean {
  return trySh('ip', ['netns', 'exec', fromNetns, 'busybox', 'ping', '-c', '3', '-i', '0.2', '-w', '2', '-W', '1', '-q', ip]);
}

/** Used where nothing must get through: short, since success would come at once. */
export function pingsQuickly(fromNetns: string, ip: string): boolean {
  return trySh('ip', ['netns', 'exec', fromNetns, 'busybox', 'ping', '-c', '2', '-i', '0.2', '-w', '1', '-W', '1', '-q', ip]);
}

export function hostLinks(): string[] {
  return (JSON.parse(sh('ip', ['-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname).sort();
}

export function netnsNames(): string[] {
  const out = sh('ip', ['-j', 'netns', 'list']).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name).sort() : [];
}
