// IpLinks against the real kernel: veth pairs and network namespaces made and removed by the test.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SpawnIp } from '../../../src/host/iproute2/ip.js';
import { IpLinks } from '../../../src/host/iproute2/links.js';
import { HostError } from '../../../src/host/ports.js';

const isRoot = process.getuid?.() === 0;
const tag = `vh${process.pid % 10000}`;
const netnsNames: string[] = [];
const hostLinks: string[] = [];
const children: ChildProcess[] = [];

function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function addNetns(suffix: string): string {
  const name = `${tag}-${suffix}`;
  ip('netns', 'add', name);
  netnsNames.push(name);
  return `/var/run/netns/${name}`;
}

/** A veth pair in the host namespace; the peer stays in the host too unless moved. */
function addVeth(suffix: string): [string, string] {
  const a = `${tag}${suffix}a`;
  const b = `${tag}${suffix}b`;
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  hostLinks.push(a, b);
  return [a, b];
}

function errnoOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HostError, String(err));
    return err.errno;
  }
  assert.fail('expected a HostError');
}

/** A process sitting in a namespace, so that /proc/<pid>/ns/net names it. */
function holder(nsName: string): number {
  const child = spawn('ip', ['netns', 'exec', nsName, 'sleep', '600'], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 200; i++) {
    try {
      const target = spawnSync('readlink', [`/proc/${child.pid}/ns/net`], { encoding: 'utf8' }).stdout.trim();
      const want = spawnSync('ip', ['netns', 'exec', nsName, 'readlink', '/proc/self/ns/net'], {
        encoding: 'utf8',
      }).stdout.trim();
      if (target !== '' && target === want) {
        // `ip netns exec` execs sleep in place, so the pid is the sleeper's.
        return child.pid!;
      }
    } catch {
      // not there yet
    }
    spawnSync('sleep', ['0.02']);
  }
  throw new Error('holder process never entered the namespace');
}

const transports: Array<[string, () => IpLinks]> = [
  ['one ip session per namespace', () => new IpLinks()],
  ['one ip process per command', () => new IpLinks(undefined, { ip: new SpawnIp() })],
];

for (const [transport, makeLinks] of transports)
  describe(`IpLinks on real links, ${transport}`, { skip: !isRoot && 'needs root' }, () => {
    const links = makeLinks();

    after(() => {
      for (const c of children) c.kill('SIGKILL');
      for (const l of hostLinks) spawnSync('ip', ['link', 'del', l], { stdio: 'ignore' });
      for (const n of netnsNames) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
      links.close();
      netnsNames.length = 0;
      hostLinks.length = 0;
    });

    it('reads a host link from sysfs with the same answer as ip, and never by altname', () => {
      const [a] = addVeth('g');
      ip('link', 'property', 'add', 'dev', a, 'altname', `${tag}galt`);
      const info = links.get(null, a)!;
      const json = JSON.parse(ip('-j', 'link', 'show', 'dev', a))[0];
      assert.deepEqual(
        {
          name: info.name,
          ifindex: info.ifindex,
          mac: info.mac,
          mtu: info.mtu,
          up: info.up,
          carrier: info.carrier,
          altnames: info.altnames,
        },
        {
          name: a,
          ifindex: json.ifindex,
          mac: json.address,
          mtu: json.mtu,
          up: false,
          carrier: false,
          altnames: [`${tag}galt`],
        },
      );
      assert.equal(links.get(null, `${tag}galt`), null);
      assert.equal(links.get(null, `${tag}nothere`), null);
      assert.equal(links.get(null, 'bad/name'), null);
    });

    it('reports up and carrier as the kernel does', () => {
      const [a, b] = addVeth('u');
      links.setUp(null, a, true);
      assert.deepEqual([links.get(null, a)!.up, links.get(null, a)!.carrier], [true, false]);
      links.setUp(null, b, true);
      let carrier = false;
      for (let i = 0; i < 100 && !carrier; i++) {
        carrier = links.get(null, a)!.carrier;
        if (!carrier) spawnSync('sleep', ['0.02']);
      }
      assert.equal(carrier, true);
      links.setUp(null, a, false);
      assert.deepEqual([links.get(null, a)!.up, links.get(null, a)!.carrier], [false, false]);
    });

    it('moves a link into a namespace by /var/run/netns path and back home', () => {
      const ns = addNetns('m1');
      const [a] = addVeth('m');
      links.move(null, a, ns);
      assert.equal(links.get(null, a), null);
      const inside = links.get(ns, a)!;
      assert.equal(inside.name, a);
      links.move(ns, a, null);
      assert.equal(links.get(ns, a), null);
      assert.equal(links.get(null, a)!.name, a);
    });

    it('moves a link into a namespace named by /proc/<pid>/ns/net and works inside it', () => {
      const ns = addNetns('p1');
      const pid = holder(ns.slice('/var/run/netns/'.length));
      const procNs = `/proc/${pid}/ns/net`;
      const [a] = addVeth('p');
      links.move(null, a, procNs);
      assert.equal(links.get(procNs, a)!.name, a);
      assert.equal(links.get(ns, a)!.name, a, 'the same namespace through its other path');
      links.rename(procNs, a, 'net1');
      links.setMtu(procNs, 'net1', 1400);
      assert.equal(links.get(procNs, 'net1')!.mtu, 1400);
      links.rename(procNs, 'net1', a);
      links.move(procNs, a, null);
      assert.equal(links.get(null, a)!.name, a);
    });

    it('renames, sets MAC and MTU, and brings links up and down inside a namespace', () => {
      const ns = addNetns('r1');
      const [a] = addVeth('r');
      links.move(null, a, ns);
      links.rename(ns, a, 'eth9');
      links.setMac(ns, 'eth9', '02:12:34:56:78:9a');
      links.setMtu(ns, 'eth9', 1280);
      links.setUp(ns, 'eth9', true);
      const info = links.get(ns, 'eth9')!;
      assert.deepEqual([info.mac, info.mtu, info.up], ['02:12:34:56:78:9a', 1280, true]);
      assert.deepEqual(info.altnames, [], 'the kernel keeps no altname on rename');
      links.setUp(ns, 'eth9', false);
      links.rename(ns, 'eth9', a);
      links.move(ns, a, null);
    });

    it('deletes an altname, and does not match one in a namespace either', () => {
      const ns = addNetns('a1');
      const [a] = addVeth('l');
      links.move(null, a, ns);
      ip('-n', ns.slice(15), 'link', 'property', 'add', 'dev', a, 'altname', 'net1');
      assert.equal(links.get(ns, 'net1'), null);
      assert.deepEqual(links.get(ns, a)!.altnames, ['net1']);
      links.deleteAltname(ns, a, 'net1');
      assert.deepEqual(links.get(ns, a)!.altnames, []);
      assert.equal(
        errnoOf(() => links.deleteAltname(ns, a, 'net1')),
        'ENOENT',
      );
      links.move(ns, a, null);
    });

    it('answers missing links, clashes and bad values with the right errno', () => {
      const ns = addNetns('e1');
      const [a, b] = addVeth('e');
      assert.equal(
        errnoOf(() => links.rename(null, `${tag}none`, 'x')),
        'ENODEV',
      );
      assert.equal(
        errnoOf(() => links.setUp(null, `${tag}none`, true)),
        'ENODEV',
      );
      assert.equal(
        errnoOf(() => links.rename(null, a, b)),
        'EEXIST',
      );
      assert.equal(
        errnoOf(() => links.rename(null, a, 'x'.repeat(16))),
        'EINVAL',
      );
      assert.equal(
        errnoOf(() => links.setMac(null, a, '01:00:5e:00:00:01')),
        'EADDRNOTAVAIL',
      );
      assert.equal(
        errnoOf(() => links.setMtu(null, a, 10)),
        'EINVAL',
      );
      assert.equal(
        errnoOf(() => links.move(null, a, '/var/run/netns/vfnet-no-such-ns')),
        'ENOENT',
      );
      assert.equal(
        errnoOf(() => links.get('/var/run/netns/vfnet-no-such-ns', a)),
        'ENOENT',
      );
      assert.equal(
        errnoOf(() => links.get('/proc/999999999/ns/net', a)),
        'ENOENT',
      );
      // A name already used in the target namespace.
      ip('-n', ns.slice(15), 'link', 'add', a, 'type', 'veth', 'peer', 'name', `${tag}e2`);
      assert.equal(
        errnoOf(() => links.move(null, a, ns)),
        'EEXIST',
      );
    });

    it('creates, recognises and deletes temporary namespaces', () => {
      const ns = links.createNetns();
      assert.match(ns, /^\/var\/run\/netns\/vfnet-tmp-\d+-/);
      try {
        assert.equal(links.netnsExists(ns), true);
        const [a] = addVeth('t');
        links.move(null, a, ns);
        links.move(ns, a, null);
      } finally {
        links.deleteNetns(ns);
      }
      assert.equal(links.netnsExists(ns), false);
      assert.equal(
        errnoOf(() => links.deleteNetns(ns)),
        'ENOENT',
      );
      const dir = mkdtempSync(join(tmpdir(), 'vfnet-ns-test-'));
      writeFileSync(join(dir, 'plain'), '');
      assert.equal(links.netnsExists(join(dir, 'plain')), false);
      assert.equal(links.netnsExists(join(dir, 'missing')), false);
      assert.equal(links.netnsExists(`/proc/${process.pid}/ns/net`), true);
      rmSync(dir, { recursive: true });
    });

    it('adds addresses and routes, and writes sysctls inside a namespace', () => {
      const ns = addNetns('i1');
      const [a] = addVeth('i');
      links.move(null, a, ns);
      links.setUp(ns, a, true);
      links.addAddress(ns, a, '10.99.0.2/24');
      links.addAddress(ns, a, 'fd00:99::2/64');
      assert.equal(
        errnoOf(() => links.addAddress(ns, a, '10.99.0.2/24')),
        'EEXIST',
      );
      links.addRoute(ns, a, { dst: '10.98.0.0/16', gw: '10.99.0.1', priority: 5 });
      links.addRoute(ns, a, { dst: '0.0.0.0/0', gw: '10.99.0.1' });
      const routes = ip('-n', ns.slice(15), 'route', 'show');
      assert.match(routes, /default via 10\.99\.0\.1/);
      assert.match(routes, /10\.98\.0\.0\/16 via 10\.99\.0\.1 .*metric 5/);
      links.sysctl(ns, `net/ipv4/conf/${a}/arp_notify`, '1');
      links.sysctl(ns, 'net/ipv4/conf/does-not-exist/arp_notify', '1');
      const value = spawnSync('ip', ['netns', 'exec', ns.slice(15), 'cat', `/proc/sys/net/ipv4/conf/${a}/arp_notify`], {
        encoding: 'utf8',
      }).stdout.trim();
      assert.equal(value, '1');
      assert.equal(readFileSync(`/proc/sys/net/ipv4/conf/lo/arp_notify`, 'utf8').trim(), '0', 'the host is untouched');
    });
  });
