// Runs inside the QEMU guest, called by the scenario scripts: the JSON work bash cannot do.
// One process per call costs ~0.6 s under TCG, so each subcommand answers a whole question.
//
//   snapshot <vf-pci>            the VF as the host sees it: PF-level settings, driver, host netdev
//   compare <before.json> <vf-pci>  snapshot now, print what differs from before ("path: a -> b; ..."),
//                                exit 1 when anything does
//   links <netns>                names of the links in a netns other than lo, space separated
// and, for `eval` in bash (values shell-quoted; JSON-encoded where marked):
//   vfvars <pf> <vf-index>       VF_<field>=<JSON> for each key of the PF's vfinfo entry, VF_all=<JSON>
//   podvars <netns> <vf-pci>     POD_found=0|1 POD_name POD_address POD_up POD_addrs(JSON): the VF's
//                                netdev inside a netns, matched by parentdev
//   resvars <result.json>        RES_ifname RES_mac RES_sandbox RES_ip from a CNI result
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface IpLink {
  ifname: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  parentdev?: string;
  altnames?: string[];
  vfinfo_list?: Array<{ vf: number } & Record<string, Json>>;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

function ip(args: string[]): IpLink[] {
  return JSON.parse(execFileSync('ip', args, { encoding: 'utf8' })) as IpLink[];
}

function linkName(path: string): string | null {
  try {
    return basename(readlinkSync(path));
  } catch {
    return null;
  }
}

function snapshot(pci: string): Json {
  const dev = `/sys/bus/pci/devices/${pci}`;
  const pfPci = linkName(`${dev}/physfn`);
  if (!pfPci) throw new Error(`${pci} is not a VF`);
  const pf = readdirSync(`/sys/bus/pci/devices/${pfPci}/net`)[0]!;
  let index = -1;
  for (const entry of readdirSync(`/sys/bus/pci/devices/${pfPci}`)) {
    if (entry.startsWith('virtfn') && linkName(`/sys/bus/pci/devices/${pfPci}/${entry}`) === pci)
      index = Number(entry.slice(6));
  }
  const vfinfo = ip(['-d', '-j', 'link', 'show', pf])[0]?.vfinfo_list?.find((v) => v.vf === index) ?? null;
  // Only the host namespace's netdevs are listed under the device's net/ (sysfs is per-netns).
  const names = existsSync(`${dev}/net`) ? readdirSync(`${dev}/net`) : [];
  let netdev: Json = null;
  if (names.length > 0) {
    const l = ip(['-d', '-j', 'link', 'show', names[0]!])[0]!;
    // carrier and operstate follow the wire, not the plugin: left out on purpose.
    netdev = {
      name: l.ifname,
      address: l.address ?? null,
      mtu: l.mtu ?? null,
      up: (l.flags ?? []).includes('UP'),
      altnames: l.altnames ?? [],
    };
  }
  // igb lists the MAC a VF reported for itself (igbvf's mailbox) in the admin MAC's place once the
  // VF has been up: that is no admin MAC. Compare what is set, not what is echoed.
  if (vfinfo && typeof vfinfo === 'object' && !Array.isArray(vfinfo)) {
    const listed = String((vfinfo as Record<string, Json>).address ?? '');
    const own =
      netdev && typeof netdev === 'object' && !Array.isArray(netdev) ? (netdev as Record<string, Json>).address : null;
    const adminMac = listed === '00:00:00:00:00:00' || listed === own ? 'none' : listed;
    const { address: _listed, ...rest } = vfinfo as Record<string, Json>;
    void _listed;
    return { pci, pf, pfPci, index, driver: linkName(`${dev}/driver`), netdev, vfinfo: { ...rest, adminMac } };
  }
  return { pci, pf, pfPci, index, driver: linkName(`${dev}/driver`), netdev, vfinfo };
}

function flatten(v: Json, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    if (entries.length === 0) out.set(prefix, JSON.stringify(v));
    for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(v));
  }
}

function diff(a: Json, b: Json): string[] {
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return keys
    .filter((k) => fa.get(k) !== fb.get(k))
    .map((k) => `${k}: ${fa.get(k) ?? '(absent)'} -> ${fb.get(k) ?? '(absent)'}`);
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const assign = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${shq(v)}`)
    .join('\n');

function vfvars(pf: string, index: number): string {
  const v = ip(['-d', '-j', 'link', 'show', pf])[0]?.vfinfo_list?.find((x) => x.vf === index);
  if (!v) return assign({ VF_all: 'null' });
  const vars: Record<string, string> = { VF_all: JSON.stringify(v) };
  for (const [k, x] of Object.entries(v)) vars[`VF_${k.replace(/\W/g, '_')}`] = JSON.stringify(x);
  return assign(vars);
}

function resvars(file: string): string {
  const r = readJson(file) as { interfaces?: Array<Record<string, string>>; ips?: Array<Record<string, string>> };
  const i = r.interfaces?.[0] ?? {};
  return assign({
    RES_ifname: i.name ?? '',
    RES_mac: i.mac ?? '',
    RES_sandbox: i.sandbox ?? '',
    RES_ip: r.ips?.[0]?.address ?? '',
  });
}

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

function podvars(netns: string, pci: string): string {
  const l = ip(['-n', netns, '-d', '-j', 'addr', 'show']).find((x) => x.parentdev === pci);
  if (!l) return assign({ POD_found: '0' });
  const addrs = (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  return assign({
    POD_found: '1',
    POD_name: l.ifname,
    POD_address: l.address ?? '',
    POD_up: String((l.flags ?? []).includes('UP')),
    POD_addrs: JSON.stringify(addrs),
  });
}

function main(argv: string[]): number {
  const [cmd, a, b] = argv;
  switch (cmd) {
    case 'snapshot':
      console.log(JSON.stringify(snapshot(a!)));
      return 0;
    case 'compare': {
      const d = diff(readJson(a!), snapshot(b!));
      if (d.length) console.log(d.join('; '));
      return d.length ? 1 : 0;
    }
    case 'vfvars':
      console.log(vfvars(a!, Number(b)));
      return 0;
    case 'podvars':
      console.log(podvars(a!, b!));
      return 0;
    case 'resvars':
      console.log(resvars(a!));
      return 0;
    case 'links':
      console.log(
        ip(['-n', a!, '-j', 'link', 'show'])
          .map((l) => l.ifname)
          .filter((n) => n !== 'lo')
          .join(' '),
      );
      return 0;
    default:
      console.error(`guest-tool: unknown command ${cmd ?? '(none)'}`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
