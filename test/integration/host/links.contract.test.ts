// One contract for the Links port (and PfControl where a plain kernel can answer: a veth is no
// PF), run against every implementation: the fake and the iproute2 adapter under Node, the
// rtnetlink adapter under Bun (it needs bun:ffi; scripts/test.mjs runs this file with `bun test`
// as well). Each case is what the plugin relies on; where the fake cannot be the kernel, the
// case says so and skips it there.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SpawnIp } from '../../../src/host/iproute2/ip.js';
import { IpLinks } from '../../../src/host/iproute2/links.js';
import { IpPfControl } from '../../../src/host/iproute2/pf-control.js';
import { HostError } from '../../../src/host/ports.js';
import { fakeWorld, kernelWorld, type LinksWorld } from '../../support/links-world.js';

const underBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined';
const isRoot = process.getuid?.() === 0;
const tag = `k${process.pid % 10000}`;

async function rtnetlinkWorld(): Promise<LinksWorld> {
  // Imported only under Bun: bun-libc.js imports bun:ffi.
  const [{ BunLibc }, { Namespaces }, { NetlinkLinks }, { NetlinkPfControl }] = await Promise.all([
    import('../../../src/host/rtnetlink/bun-libc.js'),
    import('../../../src/host/rtnetlink/netns.js'),
    import('../../../src/host/rtnetlink/links.js'),
    import('../../../src/host/rtnetlink/pf-control.js'),
  ]);
  const libc = new BunLibc();
  const namespaces = new Namespaces(libc);
  const links = new NetlinkLinks(libc, namespaces);
  return kernelWorld('rtnetlink', `${tag}n`, links, new NetlinkPfControl(namespaces), () => links.close());
}

function iproute2World(): LinksWorld {
  const ip = new SpawnIp();
  const links = new IpLinks(undefined, { ip });
  return kernelWorld('iproute2', `${tag}i`, links, new IpPfControl(undefined, { ip }), () => links.close());
}

const worlds: Array<{ name: string; skip: string | false; make: () => LinksWorld | Promise<LinksWorld> }> = [
  { name: 'the fake', skip: underBun && 'runs under Node', make: fakeWorld },
  { name: 'iproute2', skip: underBun ? 'runs under Node' : !isRoot && 'needs root', make: iproute2World },
  {
    name: 'rtnetlink',
    skip: !underBun
      ? 'needs Bun (bun:ffi): scripts/test.mjs runs this file under bun test too'
      : !isRoot && 'needs root',
    make: rtnetlinkWorld,
  },
];

function errnoOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HostError, String(err));
    assert.ok(err.message.length > 0);
    return err.errno;
  }
  assert.fail('expected a HostError');
}

function eventually(check: () => boolean): boolean {
  for (let i = 0; i < 100; i++) {
    if (check()) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return false;
}

for (const { name, skip, make } of worlds) {
  describe(`Links contract: ${name}`, { skip }, () => {
    let world: LinksWorld | null = null;
    const w = async (): Promise<LinksWorld> => (world ??= await make());
    after(() => world?.dispose());

    it('reads a link by its name, never by an altname, and answers null for what is not there', async () => {
      const { links, addPair, addAltname } = await w();
      const [a] = addPair('g');
      addAltname(null, a, `${a}x`);
      const info = links.get(null, a)!;
      assert.equal(info.name, a);
      assert.ok(info.ifindex > 0);
      assert.match(info.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      assert.deepEqual([info.mtu, info.up, info.carrier, info.altnames], [1500, false, false, [`${a}x`]]);
      assert.equal(links.get(null, `${a}x`), null);
      assert.equal(links.get(null, `${a}none`), null);
      assert.equal(links.get(null, 'bad/name'), null);
    });

    it('brings links up and down, carrier following', async () => {
      const { links, addPair } = await w();
      const [a, b] = addPair('u');
      links.setUp(null, a, true);
      links.setUp(null, b, true);
      assert.equal(links.get(null, a)!.up, true);
      assert.ok(
        eventually(() => links.get(null, a)!.carrier),
        'carrier comes up',
      );
      links.setUp(null, a, false);
      assert.deepEqual([links.get(null, a)!.up, links.get(null, a)!.carrier], [false, false]);
    });

    it('moves a link into a namespace and home, down after each move, addresses left behind', async () => {
      const { links, addNetns, addPair, addresses } = await w();
      const ns = addNetns('m');
      const [a] = addPair('m');
      links.setUp(null, a, true);
      links.move(null, a, ns);
      assert.equal(links.get(null, a), null);
      assert.equal(links.get(ns, a)!.up, false);
      links.setUp(ns, a, true);
      links.addAddress(ns, a, '10.97.0.2/24');
      assert.deepEqual(addresses(ns, a), ['10.97.0.2/24']);
      links.move(ns, a, null);
      assert.equal(links.get(ns, a), null);
      assert.equal(links.get(null, a)!.up, false);
      assert.deepEqual(addresses(null, a), []);
      links.move(null, a, null);
      assert.equal(links.get(null, a)!.name, a, 'a move to where it is changes nothing');
    });

    it('moves and renames in one request, and a clash in the target leaves the link moved under its old name', async () => {
      const { links, addNetns, addPair, addLinkIn } = await w();
      const ns = addNetns('r');
      const [a, b] = addPair('r');
      links.moveAndRename(null, a, ns, 'eth7');
      assert.equal(links.get(ns, 'eth7')!.name, 'eth7');
      assert.equal(links.get(null, a), null);
      links.moveAndRename(ns, 'eth7', null, a);
      assert.equal(links.get(null, a)!.name, a);
      addLinkIn(ns, 'eth5');
      assert.equal(
        errnoOf(() => links.moveAndRename(null, b, ns, 'eth5')),
        'EEXIST',
      );
      assert.equal(links.get(ns, b)?.name, b);
      assert.equal(
        errnoOf(() => links.moveAndRename(ns, b, null, 'x'.repeat(16))),
        'EINVAL',
      );
    });

    it('renames, sets MAC and MTU inside a namespace; the kernel keeps no altname on rename', async () => {
      const { links, addNetns, addPair } = await w();
      const ns = addNetns('i');
      const [a] = addPair('i');
      links.move(null, a, ns);
      links.rename(ns, a, 'eth9');
      links.setMac(ns, 'eth9', '02:12:34:56:78:9a');
      links.setMtu(ns, 'eth9', 1280);
      links.setUp(ns, 'eth9', true);
      const info = links.get(ns, 'eth9')!;
      assert.deepEqual([info.mac, info.mtu, info.up, info.altnames], ['02:12:34:56:78:9a', 1280, true, []]);
      links.setUp(ns, 'eth9', false);
      links.rename(ns, 'eth9', a);
      links.move(ns, a, null);
    });

    it('deletes altnames, ENOENT for one that is not there', async () => {
      const { links, addNetns, addPair, addAltname } = await w();
      const ns = addNetns('a');
      const [a] = addPair('a');
      links.move(null, a, ns);
      addAltname(ns, a, 'net1');
      assert.equal(links.get(ns, 'net1'), null);
      assert.deepEqual(links.get(ns, a)!.altnames, ['net1']);
      links.deleteAltname(ns, a, 'net1');
      assert.deepEqual(links.get(ns, a)!.altnames, []);
      assert.equal(
        errnoOf(() => links.deleteAltname(ns, a, 'net1')),
        'ENOENT',
      );
    });

    it('answers missing links and namespaces, clashes and bad values with the errno the kernel gives', async () => {
      const { links, addNetns, addPair, addLinkIn } = await w();
      const ns = addNetns('e');
      const [a, b] = addPair('e');
      const none = `${a}z`;
      assert.equal(
        errnoOf(() => links.rename(null, none, 'x')),
        'ENODEV',
      );
      assert.equal(
        errnoOf(() => links.setUp(null, none, true)),
        'ENODEV',
      );
      assert.equal(
        errnoOf(() => links.setMtu(ns, none, 1400)),
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
      addLinkIn(ns, a);
      assert.equal(
        errnoOf(() => links.move(null, a, ns)),
        'EEXIST',
      );
      assert.equal(links.get(null, a)!.name, a, 'a refused move leaves the link where it was');
    });

    it('creates temporary namespaces that take links, and deletes them', async () => {
      const { links, addPair } = await w();
      const [a] = addPair('t');
      const tmp = links.createNetns();
      assert.equal(links.netnsExists(tmp), true);
      links.move(null, a, tmp);
      links.rename(tmp, a, 'net1');
      links.moveAndRename(tmp, 'net1', null, a);
      links.deleteNetns(tmp);
      assert.equal(links.netnsExists(tmp), false);
      assert.equal(
        errnoOf(() => links.deleteNetns(tmp)),
        'ENOENT',
      );
      assert.equal(links.get(null, a)!.name, a);
      assert.equal(links.netnsExists('/var/run/netns/vfnet-no-such-ns'), false);
    });

    it("adds addresses and routes inside a namespace, with the kernel's refusals", async () => {
      const { links, addNetns, addPair, addresses, routes } = await w();
      const ns = addNetns('n');
      const [a] = addPair('n');
      links.move(null, a, ns);
      links.setUp(ns, a, true);
      links.addAddress(ns, a, '10.99.0.2/24');
      links.addAddress(ns, a, 'fd00:99::2/64');
      assert.deepEqual(addresses(ns, a).sort(), ['10.99.0.2/24', 'fd00:99::2/64']);
      assert.equal(
        errnoOf(() => links.addAddress(ns, a, '10.99.0.2/24')),
        'EEXIST',
      );
      assert.equal(
        errnoOf(() => links.addAddress(ns, a, '10.99.0.300/24')),
        'EINVAL',
      );
      links.addRoute(ns, a, { dst: '10.98.0.0/16', gw: '10.99.0.1', priority: 5 });
      links.addRoute(ns, a, { dst: '0.0.0.0/0', gw: '10.99.0.1' });
      assert.equal(
        errnoOf(() => links.addRoute(ns, a, { dst: '0.0.0.0/0', gw: '10.99.0.1' })),
        'EEXIST',
      );
      assert.equal(
        errnoOf(() => links.addRoute(ns, a, { dst: '10.95.0.0/16', gw: '10.94.0.1' })),
        'ENETUNREACH',
      );
      assert.deepEqual(routes(ns).sort(), ['0.0.0.0/0 via 10.99.0.1', '10.98.0.0/16 via 10.99.0.1 metric 5']);
    });

    it('writes sysctls inside a namespace only, and ignores ones that do not exist', async () => {
      const { links, addNetns, sysctl } = await w();
      const ns = addNetns('s');
      const key = 'net/ipv4/conf/lo/arp_notify';
      const host = sysctl(null, key);
      const value = host === '1' ? '0' : '1';
      links.sysctl(ns, key, value);
      links.sysctl(ns, 'net/ipv4/conf/does-not-exist/arp_notify', '1');
      links.sysctl(ns, '../../etc/passwd', '1');
      links.sysctl('/var/run/netns/vfnet-no-such-ns', key, '1');
      assert.equal(sysctl(ns, key), value);
      assert.equal(sysctl(null, key), host, 'the host is untouched');
    });
  });

  describe(`PfControl contract on a link that is no PF: ${name}`, {
    skip: skip || (name === 'the fake' && 'the fake models PFs, not veth'),
  }, () => {
    let world: LinksWorld | null = null;
    const w = async (): Promise<LinksWorld> => (world ??= await make());
    after(() => world?.dispose());

    it('reads no VF and refuses every VF setting with EOPNOTSUPP, ENODEV without the link', async () => {
      const { pf, addPair } = await w();
      const [a] = addPair('p');
      assert.equal(pf.readVf(a, 0), null);
      assert.equal(
        errnoOf(() => pf.setMac(a, 0, '02:00:00:00:00:01')),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setVlan(a, 0, 10, 1, '802.1q')),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setVlan(a, 0, 10, 0, '802.1ad')),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setRate(a, 0, 0, 100)),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setSpoofchk(a, 0, false)),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setTrust(a, 0, true)),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.setLinkState(a, 0, 'enable')),
        'EOPNOTSUPP',
      );
      assert.equal(
        errnoOf(() => pf.readVf(`${a}z`, 0)),
        'ENODEV',
      );
      assert.equal(
        errnoOf(() => pf.setTrust(`${a}z`, 0, true)),
        'ENODEV',
      );
    });
  });
}
