// The places the Links/PfControl contract suite runs in: the in-memory fake, or this machine's
// kernel (real network namespaces and veth pairs, made with iproute2 as an operator would) driven
// by one of the real adapters. A world builds the scene and reads back what happened without
// going through the adapter under test.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Links, Netns, PfControl } from '../../src/host/ports.js';
import { FakeLinks } from './fake-host/links.js';
import { FakeNetwork } from './fake-host/network.js';
import { FakePfControl } from './fake-host/pf-control.js';
import { CallRecorder } from './fake-host/recorder.js';

export interface LinksWorld {
  readonly name: string;
  readonly real: boolean;
  readonly links: Links;
  readonly pf: PfControl;
  /** A named namespace; its path. */
  addNetns(suffix: string): string;
  /** Two links in the host namespace (a veth pair on the kernel). */
  addPair(suffix: string): [string, string];
  /** A link made directly inside `ns`, to take a name there. */
  addLinkIn(ns: string, name: string): void;
  addAltname(ns: Netns, name: string, altname: string): void;
  addresses(ns: Netns, name: string): string[];
  /** Routes of the main table through links: `dst via gw metric N`, dst in CIDR form. */
  routes(ns: Netns): string[];
  /** A sysctl as a process in `ns` reads it; null when missing. */
  sysctl(ns: Netns, key: string): string | null;
  dispose(): void;
}

function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const nsArgs = (ns: Netns): string[] => (ns === null ? [] : ['-n', ns.slice('/var/run/netns/'.length)]);

/** This machine's kernel, driven by `links` and `pf`; `tag` keeps names apart from other suites'. */
export function kernelWorld(name: string, tag: string, links: Links, pf: PfControl, close: () => void): LinksWorld {
  const namespaces: string[] = [];
  const hostLinks: string[] = [];
  return {
    name,
    real: true,
    links,
    pf,
    addNetns(suffix) {
      const n = `${tag}-${suffix}`;
      ip('netns', 'add', n);
      namespaces.push(n);
      return `/var/run/netns/${n}`;
    },
    addPair(suffix) {
      const a = `${tag}${suffix}a`;
      const b = `${tag}${suffix}b`;
      ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
      hostLinks.push(a, b);
      return [a, b];
    },
    addLinkIn(ns, link) {
      ip(...nsArgs(ns), 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
    },
    addAltname(ns, link, altname) {
      ip(...nsArgs(ns), 'link', 'property', 'add', 'dev', link, 'altname', altname);
    },
    addresses(ns, link) {
      const info = JSON.parse(ip(...nsArgs(ns), '-j', 'addr', 'show', 'dev', link))[0] as {
        addr_info: Array<{ local: string; prefixlen: number; scope: string }>;
      };
      return info.addr_info.filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`);
    },
    routes(ns) {
      const all = JSON.parse(ip(...nsArgs(ns), '-j', 'route', 'show')) as Array<{
        dst: string;
        gateway?: string;
        metric?: number;
        protocol?: string;
      }>;
      return all
        .filter((r) => r.protocol !== 'kernel')
        .map((r) => routeLine(r.dst === 'default' ? '0.0.0.0/0' : r.dst, r.gateway, r.metric));
    },
    sysctl(ns, key) {
      const r =
        ns === null
          ? null
          : spawnSync('ip', ['netns', 'exec', ns.slice('/var/run/netns/'.length), 'cat', `/proc/sys/${key}`], {
              encoding: 'utf8',
            });
      if (r) return r.status === 0 ? r.stdout.trim() : null;
      try {
        return readFileSync(`/proc/sys/${key}`, 'utf8').trim();
      } catch {
        return null;
      }
    },
    dispose() {
      close();
      for (const l of hostLinks) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
      for (const n of namespaces) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    },
  };
}

/** The in-memory fake of test/support/fake-host. */
export function fakeWorld(): LinksWorld {
  const net = new FakeNetwork();
  const recorder = new CallRecorder();
  const canonical = (ns: Netns) => (ns === null ? null : (net.aliases.get(ns) ?? ns));
  return {
    name: 'the fake',
    real: false,
    links: new FakeLinks(net, recorder),
    pf: new FakePfControl(net, recorder),
    addNetns(suffix) {
      const path = `/var/run/netns/fake-${suffix}`;
      net.addNetns(path);
      return path;
    },
    addPair(suffix) {
      const pair: [string, string] = [`f${suffix}a`, `f${suffix}b`];
      for (const n of pair) net.addLink(null, { name: n });
      return pair;
    },
    addLinkIn(ns, link) {
      net.addLink(ns, { name: link });
    },
    addAltname(ns, link, altname) {
      net.find(ns, link)!.altnames.push(altname);
    },
    addresses(ns, link) {
      return [...net.find(ns, link)!.addresses];
    },
    routes(ns) {
      return net.routes.filter((r) => r.ns === canonical(ns)).map((r) => routeLine(r.dst, r.gw, r.priority));
    },
    sysctl(ns, key) {
      return net.sysctls.get(`${canonical(ns) ?? 'host'}:${key}`) ?? null;
    },
    dispose() {},
  };
}

function routeLine(dst: string, gw: string | undefined, metric: number | undefined): string {
  return `${dst}${gw ? ` via ${gw}` : ''}${metric ? ` metric ${metric}` : ''}`;
}
