import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { FakeHost, fakeHostPorts, IGB_ADMIN_MAC, IGB_REFUSALS } from '../../support/fake-host/host.js';

const POD = '/var/run/netns/pod1';

function errno(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HostError, `expected HostError, got ${String(err)}`);
    return err.errno;
  }
  assert.fail('expected a HostError');
}

describe('fake host: upstream fixture sysfs', () => {
  it('resolves the PF from a VF through physfn/net, as sriov-cni does', () => {
    const { sysfs } = fakeHostPorts();
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:af:06.0/physfn/net'), ['enp175s0f1']);
    assert.equal(sysfs.read('sys/class/net/enp175s0f1/device/sriov_numvfs'), '2');
    assert.equal(sysfs.read('sys/class/net/enp175s0f1/device/sriov_totalvfs'), '8');
    assert.equal(sysfs.linkName('sys/class/net/enp175s0f1/device/virtfn0'), '0000:af:06.0');
    assert.equal(sysfs.linkName('sys/class/net/enp175s0f1/device/virtfn1'), '0000:af:06.1');
    assert.equal(sysfs.linkName('sys/class/net/enp175s0f1/device/virtfn2'), null);
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:af:06.1/net'), ['enp175s7']);
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:af:06.0/driver'), 'iavf');
    assert.equal(sysfs.linkName('sys/bus/pci/devices/0000:af:06.0/physfn'), '0000:af:00.1');
    assert.equal(sysfs.read('sys/bus/pci/devices/0000:af:00.1/vendor'), '0x8086');
  });

  it('keeps upstream device paths and the non-SR-IOV dual-netdev device', () => {
    const { sysfs } = fakeHostPorts();
    assert.ok(sysfs.exists('sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.1/virtfn0'));
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:05:00.0/net'), ['ens1', 'ens1d1']);
    assert.equal(sysfs.read('sys/class/net/ens1/device/sriov_numvfs'), '0');
    assert.equal(sysfs.read('sys/class/net/ens1/device/sriov_totalvfs'), null);
    assert.equal(sysfs.list('sys/class/net/enp175s6/device/net/enp175s6/missing'), null);
  });

  it('shows netdev attributes under sys/class/net, following the link', () => {
    const { sysfs, links, fake } = fakeHostPorts();
    links.setMtu(null, 'enp175s6', 9000);
    links.setMac(null, 'enp175s6', '02:11:22:33:44:55');
    assert.equal(sysfs.read('sys/class/net/enp175s6/mtu'), '9000');
    assert.equal(sysfs.read('sys/class/net/enp175s6/address'), '02:11:22:33:44:55');
    assert.equal(sysfs.read('sys/class/net/enp175s6/ifindex'), String(fake.link(null, 'enp175s6')!.ifindex));
    assert.equal(sysfs.read('sys/class/net/enp175s6/operstate'), 'down');
  });

  it('models a DPDK VF: a userspace driver and no net directory', () => {
    const fake = new FakeHost();
    fake.addPf({ name: 'eth1', pci: '0000:03:00.0', vfs: [{ pci: '0000:03:10.0' }] });
    assert.equal(fake.sysfs.linkName('sys/bus/pci/devices/0000:03:10.0/driver'), 'vfio-pci');
    assert.equal(fake.sysfs.list('sys/bus/pci/devices/0000:03:10.0/net'), null);
    assert.deepEqual(fake.pf.readVf('eth1', 0)?.mac, '00:00:00:00:00:00');
  });

  it('removes VFs above a lowered numvfs', () => {
    const { sysfs, fake, links, pf } = fakeHostPorts();
    fake.setNumVfs('enp175s0f1', 1);
    assert.equal(sysfs.read('sys/class/net/enp175s0f1/device/sriov_numvfs'), '1');
    assert.equal(sysfs.linkName('sys/class/net/enp175s0f1/device/virtfn1'), null);
    assert.equal(sysfs.exists('sys/bus/pci/devices/0000:af:06.1'), false);
    assert.equal(links.get(null, 'enp175s7'), null);
    assert.equal(pf.readVf('enp175s0f1', 1), null);
    assert.notEqual(pf.readVf('enp175s0f1', 0), null);
  });
});

describe('fake host: links and namespaces', () => {
  it('hides a VF netdev from host sysfs while it is in another netns, and follows renames', () => {
    const { sysfs, links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    links.move(null, 'enp175s6', POD);
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:af:06.0/net'), []);
    assert.equal(sysfs.exists('sys/class/net/enp175s6'), false);
    links.rename(POD, 'enp175s6', 'net1');
    assert.equal(links.get(POD, 'net1')?.name, 'net1');
    links.move(POD, 'net1', null);
    assert.deepEqual(sysfs.list('sys/bus/pci/devices/0000:af:06.0/net'), ['net1']);
    assert.equal(sysfs.read('sys/class/net/net1/device/physfn/sriov_numvfs'), '2');
  });

  it('answers with the kernel errnos for missing links, namespaces and clashes', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    fake.addLink(POD, { name: 'net1' });
    assert.equal(
      errno(() => links.move(null, 'nope', POD)),
      'ENODEV',
    );
    assert.equal(
      errno(() => links.move(null, 'enp175s6', '/var/run/netns/missing')),
      'ENOENT',
    );
    assert.equal(
      errno(() => links.get('/var/run/netns/missing', 'eth0')),
      'ENOENT',
    );
    assert.equal(
      errno(() => links.rename(null, 'enp175s6', 'enp175s7')),
      'EEXIST',
    );
    assert.equal(
      errno(() => links.rename(null, 'enp175s6', 'a-name-that-is-too-long')),
      'EINVAL',
    );
    assert.equal(
      errno(() => links.deleteAltname(null, 'enp175s6', 'nothere')),
      'ENOENT',
    );
    assert.equal(
      errno(() => links.setMac(null, 'enp175s6', '01:00:5e:00:00:01')),
      'EADDRNOTAVAIL',
    );
    assert.equal(
      errno(() => links.setMtu(null, 'enp175s6', 67)),
      'EINVAL',
    );
    links.rename(null, 'enp175s6', 'net1');
    assert.equal(
      errno(() => links.move(null, 'net1', POD)),
      'EEXIST',
    );
  });

  it('refuses to rename a running link unless told the kernel allows it', () => {
    const strict = fakeHostPorts();
    strict.links.setUp(null, 'enp175s6', true);
    assert.equal(
      errno(() => strict.links.rename(null, 'enp175s6', 'x')),
      'EBUSY',
    );
    const relaxed = fakeHostPorts({ renameWhileUp: true });
    relaxed.links.setUp(null, 'enp175s6', true);
    relaxed.links.rename(null, 'enp175s6', 'x');
    assert.equal(relaxed.links.get(null, 'x')?.up, true);
  });

  it('does not keep the old name as an altname (as the kernel), unless configured to (as udev may)', () => {
    const plain = fakeHostPorts();
    plain.links.rename(null, 'enp175s6', 'x');
    assert.deepEqual(plain.links.get(null, 'x')?.altnames, []);
    const udev = fakeHostPorts({ renameKeepsAltname: true });
    udev.links.rename(null, 'enp175s6', 'x');
    assert.deepEqual(udev.links.get(null, 'x')?.altnames, ['enp175s6']);
    assert.equal(udev.links.get(null, 'enp175s6'), null, 'get must not match an altname');
    assert.equal(
      errno(() => udev.links.rename(null, 'enp175s7', 'enp175s6')),
      'EEXIST',
    );
    udev.links.deleteAltname(null, 'x', 'enp175s6');
    udev.links.rename(null, 'enp175s7', 'enp175s6');
  });

  it('refuses to move a link whose altname is taken in the target namespace', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    fake.addLink(POD, { name: 'net1' });
    fake.link(null, 'enp175s6')!.altnames.push('net1');
    assert.equal(
      errno(() => links.move(null, 'enp175s6', POD)),
      'EEXIST',
    );
  });

  it('brings a link down when it changes namespace, and drops its addresses', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    links.setUp(null, 'enp175s6', true);
    links.addAddress(null, 'enp175s6', '10.0.0.2/24');
    assert.deepEqual(
      { up: links.get(null, 'enp175s6')?.up, carrier: links.get(null, 'enp175s6')?.carrier },
      { up: true, carrier: true },
    );
    links.move(null, 'enp175s6', POD);
    assert.equal(links.get(POD, 'enp175s6')?.up, false);
    assert.deepEqual(fake.link(POD, 'enp175s6')?.addresses, []);
  });

  it('reaches one namespace through any of its paths', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD, '/proc/1234/ns/net');
    links.move(null, 'enp175s6', '/proc/1234/ns/net');
    assert.equal(links.get(POD, 'enp175s6')?.name, 'enp175s6');
    assert.equal(links.netnsExists('/proc/1234/ns/net'), true);
  });

  it('creates and deletes temporary namespaces', () => {
    const { links } = fakeHostPorts();
    const ns = links.createNetns();
    assert.equal(links.netnsExists(ns), true);
    assert.notEqual(links.createNetns(), ns);
    links.deleteNetns(ns);
    assert.equal(links.netnsExists(ns), false);
    assert.equal(
      errno(() => links.deleteNetns(ns)),
      'ENOENT',
    );
  });

  it('returns physical netdevs home when their namespace dies, renamed devN on a clash', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    fake.addLink(POD, { name: 'veth0' });
    links.move(null, 'enp175s6', POD);
    links.rename(POD, 'enp175s6', 'eth0');
    links.move(null, 'enp175s7', POD);
    fake.addLink(null, { name: 'enp175s7' });
    const vf1 = fake.link(POD, 'enp175s7')!;
    fake.destroyNetns(POD);
    assert.equal(links.get(null, 'eth0')?.up, false);
    assert.equal(links.get(null, `dev${vf1.ifindex}`)?.ifindex, vf1.ifindex);
    assert.equal(fake.link(null, 'veth0'), undefined);
    assert.equal(links.netnsExists(POD), false);
  });

  it('adds addresses and routes with the kernel rules that matter', () => {
    const { links, fake } = fakeHostPorts();
    assert.equal(
      errno(() => links.addRoute(null, 'enp175s6', { dst: '0.0.0.0/0', gw: '10.0.0.1' })),
      'ENETDOWN',
    );
    links.setUp(null, 'enp175s6', true);
    assert.equal(
      errno(() => links.addRoute(null, 'enp175s6', { dst: '0.0.0.0/0', gw: '10.0.0.1' })),
      'ENETUNREACH',
    );
    links.addAddress(null, 'enp175s6', '10.0.0.2/24');
    assert.equal(
      errno(() => links.addAddress(null, 'enp175s6', '10.0.0.2/24')),
      'EEXIST',
    );
    assert.equal(
      errno(() => links.addAddress(null, 'enp175s6', '10.0.0.300/24')),
      'EINVAL',
    );
    links.addRoute(null, 'enp175s6', { dst: '0.0.0.0/0', gw: '10.0.0.1' });
    assert.equal(
      errno(() => links.addRoute(null, 'enp175s6', { dst: '0.0.0.0/0', gw: '10.0.0.1' })),
      'EEXIST',
    );
    links.addAddress(null, 'enp175s6', 'fd00::2/64');
    links.addRoute(null, 'enp175s6', { dst: '::/0', gw: 'fd00::1' });
    assert.equal(fake.net.routes.length, 2);
    links.setUp(null, 'enp175s6', false);
    assert.equal(fake.net.routes.length, 0);
  });

  it('records sysctls per namespace and never fails on them', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    links.sysctl(POD, 'net/ipv4/conf/net1/arp_notify', '1');
    fake.failAlways('Sysctl', 'EACCES');
    links.sysctl(POD, 'net/ipv6/conf/net1/ndisc_notify', '1');
    links.sysctl('/var/run/netns/missing', 'x', '1');
    assert.equal(fake.sysctl(POD, 'net/ipv4/conf/net1/arp_notify'), '1');
    assert.equal(fake.sysctl(POD, 'net/ipv6/conf/net1/ndisc_notify'), undefined);
  });
});

describe('fake host: PF-level VF settings and the call recorder', () => {
  it('records calls in upstream format and applies them', () => {
    const { pf, fake } = fakeHostPorts();
    pf.setVlan('enp175s0f1', 0, 100, 3, '802.1q');
    pf.setVlan('enp175s0f1', 1, 200, 0, '802.1ad');
    pf.setMac('enp175s0f1', 0, '02:AA:BB:CC:DD:EE');
    pf.setRate('enp175s0f1', 0, 10, 100);
    pf.setSpoofchk('enp175s0f1', 0, false);
    pf.setTrust('enp175s0f1', 0, true);
    pf.setLinkState('enp175s0f1', 0, 'disable');
    assert.deepEqual(fake.calls, [
      'LinkSetVfVlanQosProto enp175s0f1 0 100 3 33024',
      'LinkSetVfVlanQosProto enp175s0f1 1 200 0 34984',
      'LinkSetVfHardwareAddr enp175s0f1 0 02:AA:BB:CC:DD:EE',
      'LinkSetVfRate enp175s0f1 0 10 100',
      'LinkSetVfSpoofchk enp175s0f1 0 false',
      'LinkSetVfTrust enp175s0f1 0 true',
      'LinkSetVfState enp175s0f1 0 2',
    ]);
    assert.deepEqual(pf.readVf('enp175s0f1', 0), {
      mac: '02:aa:bb:cc:dd:ee',
      vlan: 100,
      qos: 3,
      proto: '802.1q',
      spoofchk: false,
      trust: true,
      linkState: 'disable',
      minTxRate: 10,
      maxTxRate: 100,
    });
    assert.equal(pf.readVf('enp175s0f1', 1)?.proto, '802.1ad');
    assert.equal(pf.readVf('enp175s0f1', 2), null);
  });

  it('records link operations in upstream format', () => {
    const { links, fake } = fakeHostPorts();
    fake.addNetns(POD);
    links.move(null, 'enp175s6', POD);
    links.rename(POD, 'enp175s6', 'net1');
    links.setMac(POD, 'net1', '02:00:00:00:00:09');
    links.setMtu(POD, 'net1', 1400);
    links.setUp(POD, 'net1', true);
    links.setUp(POD, 'net1', false);
    assert.deepEqual(fake.calls, [
      `LinkSetNsFd enp175s6 ${POD}`,
      'LinkSetName enp175s6 net1',
      'LinkSetHardwareAddr net1 02:00:00:00:00:09',
      'LinkSetMTU net1 1400',
      'LinkSetUp net1',
      'LinkSetDown net1',
    ]);
  });

  it('refuses what igb refuses, records the failure, and changes nothing', () => {
    const fake = new FakeHost();
    fake.addPf({
      name: 'enp1s0',
      pci: '0000:01:00.0',
      driver: 'igb',
      refusals: IGB_REFUSALS,
      vfs: [{ pci: '0000:01:10.0', netdev: 'enp1s0v0', driver: 'igbvf' }],
    });
    const before = fake.snapshot();
    assert.equal(
      errno(() => fake.pf.setLinkState('enp1s0', 0, 'enable')),
      'EOPNOTSUPP',
    );
    assert.equal(
      errno(() => fake.pf.setRate('enp1s0', 0, 10, 100)),
      'EINVAL',
    );
    assert.equal(
      errno(() => fake.pf.setVlan('enp1s0', 0, 5, 0, '802.1ad')),
      'EPROTONOSUPPORT',
    );
    assert.deepEqual(fake.snapshot(), before);
    fake.pf.setRate('enp1s0', 0, 0, 100);
    fake.pf.setVlan('enp1s0', 0, 5, 0, '802.1q');
    assert.equal(fake.calls[0], 'LinkSetVfState enp1s0 0 1 => EOPNOTSUPP');
  });

  it("models igb's admin MAC: it locks an untrusted VF netdev and reaches it at the next open", () => {
    const fake = new FakeHost();
    fake.addPf({
      name: 'eth0',
      pci: '0000:01:00.0',
      driver: 'igb',
      vfDriver: 'igbvf',
      refusals: IGB_REFUSALS,
      adminMac: IGB_ADMIN_MAC,
      vfs: [{ pci: '0000:01:10.0', netdev: 'eth2', mac: 'ce:27:e9:7a:26:fd' }],
    });
    assert.equal(fake.sysfs.linkName('sys/bus/pci/devices/0000:01:10.0/driver'), 'igbvf');
    fake.links.setMac(null, 'eth2', '02:00:00:00:00:01');
    fake.pf.setMac('eth0', 0, '02:00:00:00:00:aa');
    assert.equal(fake.links.get(null, 'eth2')?.mac, '02:00:00:00:00:01', 'the admin MAC does not touch the netdev');
    assert.equal(
      errno(() => fake.links.setMac(null, 'eth2', '02:00:00:00:00:02')),
      'EADDRNOTAVAIL',
    );
    fake.links.setUp(null, 'eth2', true);
    assert.equal(fake.links.get(null, 'eth2')?.mac, '02:00:00:00:00:aa');
    fake.pf.setTrust('eth0', 0, true);
    fake.links.setMac(null, 'eth2', '02:00:00:00:00:02');
    fake.pf.setTrust('eth0', 0, false);
    fake.pf.setMac('eth0', 0, '00:00:00:00:00:00');
    fake.links.setMac(null, 'eth2', '02:00:00:00:00:03');
  });

  it('validates values like the kernel and errors on a missing PF', () => {
    const { pf } = fakeHostPorts();
    assert.equal(
      errno(() => pf.setVlan('enp175s0f1', 0, 4096, 0, '802.1q')),
      'EINVAL',
    );
    assert.equal(
      errno(() => pf.setVlan('enp175s0f1', 0, 1, 8, '802.1q')),
      'EINVAL',
    );
    assert.equal(
      errno(() => pf.setMac('enp175s0f1', 0, '01:00:00:00:00:01')),
      'EINVAL',
    );
    assert.equal(
      errno(() => pf.setRate('enp175s0f1', 0, 100, 10)),
      'EINVAL',
    );
    assert.equal(
      errno(() => pf.setTrust('enp175s0f1', 7, true)),
      'EINVAL',
    );
    assert.equal(
      errno(() => pf.readVf('nope', 0)),
      'ENODEV',
    );
    pf.setMac('enp175s0f1', 0, '00:00:00:00:00:00');
  });

  it('reports null for settings the driver does not report', () => {
    const fake = new FakeHost();
    fake.addPf({
      name: 'p',
      pci: '0000:02:00.0',
      reports: { trust: false, linkState: false },
      vfs: [{ pci: '0000:02:10.0', netdev: 'v0' }],
    });
    const vf = fake.pf.readVf('p', 0)!;
    assert.deepEqual([vf.spoofchk, vf.trust, vf.linkState], [true, null, null]);
  });

  it('injects faults once, always, or only on matching calls', () => {
    const { pf, links, fake } = fakeHostPorts();
    fake.failNext('LinkSetVfTrust', 'EOPNOTSUPP');
    assert.equal(
      errno(() => pf.setTrust('enp175s0f1', 0, true)),
      'EOPNOTSUPP',
    );
    pf.setTrust('enp175s0f1', 0, true);
    fake.failAlways('LinkSetName', 'EEXIST', 'enp175s7');
    links.rename(null, 'enp175s6', 'a');
    assert.equal(
      errno(() => links.rename(null, 'enp175s7', 'b')),
      'EEXIST',
    );
    assert.equal(
      errno(() => links.rename(null, 'enp175s7', 'c')),
      'EEXIST',
    );
    fake.failNext('LinkByName', 'EPERM', /enp175s7/);
    assert.equal(links.get(null, 'a')?.name, 'a');
    assert.equal(
      errno(() => links.get(null, 'enp175s7')),
      'EPERM',
    );
    fake.clearFaults();
    links.rename(null, 'enp175s7', 'b');
    assert.equal(fake.calls.filter((c) => c.endsWith('=> EEXIST')).length, 2);
  });

  it('snapshots compare equal when nothing changed and differ when anything did', () => {
    const { links, state, fake } = fakeHostPorts();
    const a = fake.snapshot();
    assert.deepEqual(fake.snapshot(), a);
    links.get(null, 'enp175s6');
    assert.deepEqual(fake.snapshot(), a);
    state.writeJson('c1-net1', { x: 1 });
    assert.notDeepEqual(fake.snapshot(), a);
    state.remove('c1-net1');
    assert.deepEqual(fake.snapshot(), a);
    fake.vfConfig('enp175s0f1', 1).vlan = 7;
    assert.notDeepEqual(fake.snapshot(), a);
  });
});

describe('fake host: state, locks, clock, processes', () => {
  it('stores JSON, reports corrupt files as EBADMSG and an unwritable store with its errno', () => {
    const { state, fake } = fakeHostPorts();
    assert.equal(state.readJson('missing'), null);
    state.writeJson('a', { v: 1 });
    assert.deepEqual(state.readJson('a'), { v: 1 });
    fake.state.putRaw('bad', '{"trunc');
    assert.equal(
      errno(() => state.readJson('bad')),
      'EBADMSG',
    );
    assert.deepEqual(state.list(), ['a', 'bad']);
    assert.deepEqual(state.list('b'), ['bad']);
    fake.state.canWrite = false;
    fake.state.writeErrno = 'ENOSPC';
    assert.equal(state.writable(), false);
    assert.equal(
      errno(() => state.writeJson('a', { v: 2 })),
      'ENOSPC',
    );
    assert.deepEqual(state.readJson('a'), { v: 1 });
    assert.equal(
      errno(() => state.writeJson('../x', {})),
      'EINVAL',
    );
  });

  it('times out on a lock held elsewhere, on the fake clock', () => {
    const { locks, clock, fake } = fakeHostPorts();
    fake.locks.holdExternally('0000:af:06.0');
    const t0 = clock.now();
    assert.equal(
      errno(() => locks.acquire('0000:af:06.0', 60_000)),
      'ETIMEDOUT',
    );
    assert.equal(clock.now() - t0, 60_000);
    assert.equal(locks.tryAcquire('0000:af:06.0'), null);
  });

  it('waits for an external holder that lets go in time', () => {
    const { locks, clock, fake } = fakeHostPorts();
    fake.locks.holdExternally('vf', 500);
    const t0 = clock.now();
    const lock = locks.acquire('vf', 1000);
    assert.equal(clock.now() - t0, 500);
    assert.equal(locks.tryAcquire('vf'), null);
    assert.deepEqual(fake.snapshot().locks, ['vf']);
    lock.release();
    lock.release();
    assert.deepEqual(fake.snapshot().locks, []);
    assert.notEqual(locks.tryAcquire('vf'), null);
  });

  it('answers as an IPAM plugin in the request version and records calls', () => {
    const { processes, fake } = fakeHostPorts();
    const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1' };
    const r = processes.run('/opt/cni/bin/host-local', [], env, '{"cniVersion":"0.4.0"}');
    assert.equal(r.status, 0);
    assert.deepEqual(JSON.parse(r.stdout).ips[0], { version: '4', address: '10.56.217.2/24', gateway: '10.56.217.1' });
    assert.equal(
      JSON.parse(processes.run('/x/host-local', [], env, '{"cniVersion":"0.2.0"}').stdout).ip4.ip,
      '10.56.217.2/24',
    );
    fake.processes.failIpam(11, 'no addresses', ['ADD']);
    const failed = processes.run('/x/host-local', [], env, '{"cniVersion":"1.0.0"}');
    assert.equal(failed.status, 1);
    assert.deepEqual(JSON.parse(failed.stdout), { cniVersion: '1.0.0', code: 11, msg: 'no addresses' });
    assert.equal(processes.run('/x/host-local', [], { CNI_COMMAND: 'DEL' }, '{}').status, 0);
    assert.equal(fake.processes.callsFor('ADD').length, 3);
    assert.equal(fake.events.at(-1), 'Exec host-local DEL');
  });
});
