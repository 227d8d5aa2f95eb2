import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IpResult, type IpTransport, ipArgs, netnsName, netnsOption } from '../../../src/host/iproute2/ip.js';
import { ipErrno } from '../../../src/host/iproute2/ip-errors.js';
import { IpPfControl } from '../../../src/host/iproute2/pf-control.js';
import { HostError, type Netns } from '../../../src/host/ports.js';

// Verbatim from the QEMU igb lab (/tmp/igb-facts.md §2) and netdevsim (§6): VF 0 configured, VF 1 untouched.
const IGB_PF =
  '[{"ifindex":2,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"address":"52:54:00:12:34:11","parentbus":"pci","parentdev":"0000:01:00.0","vfinfo_list":[{"vf":0,"link_type":"ether","address":"02:00:00:00:00:aa","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{"vlan":100,"qos":3}],"tx_rate":100,"rate":{"max_tx":100,"min_tx":0},"spoofchk":false,"link_state":"auto","trust":true},{"vf":1,"link_type":"ether","address":"00:00:00:00:00:00","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{}],"rate":{"max_tx":0,"min_tx":0},"spoofchk":true,"link_state":"auto","trust":false}]}]';
const NETDEVSIM_PF =
  '[{"ifindex":14,"ifname":"eth7","flags":["BROADCAST","NOARP"],"mtu":1500,"vfinfo_list":[{"vf":0,"link_type":"ether","address":"02:00:00:00:99:01","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{"vlan":100,"qos":3,"protocol":"802.1ad"}],"tx_rate":100,"rate":{"max_tx":100,"min_tx":10},"spoofchk":false,"link_state":"enable","trust":true,"query_rss_en":false},{"vf":1,"link_type":"ether","address":"00:00:00:00:00:00","broadcast":"ff:ff:ff:ff:ff:ff","vlan_list":[{}],"rate":{"max_tx":0,"min_tx":10},"spoofchk":false,"link_state":"disable","trust":false,"query_rss_en":false}]}]';

/** Answers `ip` commands from a table and records them. */
class ScriptedIp implements IpTransport {
  readonly commands: string[] = [];
  constructor(private readonly answer: (cmd: string) => IpResult) {}
  run(ns: Netns, args: string[], options: { json?: boolean; details?: boolean } = {}): IpResult {
    const cmd = ipArgs(ns, args, options).join(' ');
    this.commands.push(cmd);
    return this.answer(cmd);
  }
  close(): void {}
}

const ok = (stdout = ''): IpResult => ({ ok: true, stdout, stderr: '' });
const fail = (stderr: string): IpResult => ({ ok: false, stdout: '', stderr });

describe('ipErrno', () => {
  const cases: Array<[string, string | null]> = [
    ['RTNETLINK answers: Operation not supported\n', 'EOPNOTSUPP'],
    ['RTNETLINK answers: Invalid argument\n', 'EINVAL'],
    ['RTNETLINK answers: Protocol not supported\n', 'EPROTONOSUPPORT'],
    ['RTNETLINK answers: File exists\n', 'EEXIST'],
    ['RTNETLINK answers: Cannot assign requested address\n', 'EADDRNOTAVAIL'],
    ['RTNETLINK answers: Device or resource busy\n', 'EBUSY'],
    ['RTNETLINK answers: Operation not permitted\n', 'EPERM'],
    ['RTNETLINK answers: No such file or directory\n', 'ENOENT'],
    ['Cannot find device "enp9s0"\n', 'ENODEV'],
    ['Device "enp9s0" does not exist.\n', 'ENODEV'],
    ['Error: argument "/var/run/netns/x" is wrong: Invalid "netns" value\n\n', 'ENOENT'],
    ['Cannot open network namespace "x": No such file or directory\n', 'ENOENT'],
    ['Cannot remove namespace file "/var/run/netns/x": No such file or directory\n', 'ENOENT'],
    ['Error: argument "a/b" is wrong: "name" not a valid ifname\n', 'EINVAL'],
    ['Error: mtu less than device minimum.\n', 'EINVAL'],
    ['Error: An interface with the same name exists in the target netns.\n', 'EEXIST'],
    ['Error: ipv4: Address already assigned.\n', 'EEXIST'],
    ['Error: The interface netns is immutable.\n', 'EINVAL'],
    ['Error: Nexthop device is not up.\n', 'ENETDOWN'],
    ['Invalid min_tx_rate 200 - must be <= max_tx_rate 100\n', 'EINVAL'],
    ['Error: something the kernel never said before.\n', null],
    ['', null],
  ];
  for (const [text, errno] of cases) {
    it(`${JSON.stringify(text.trim())} → ${errno}`, () => assert.equal(ipErrno(text), errno));
  }
});

describe('namespace arguments for ip', () => {
  it('passes names under /var/run/netns as they are and reaches other paths through ../', () => {
    assert.equal(netnsOption('/var/run/netns/cni-1234'), 'cni-1234');
    assert.equal(netnsOption('/run/netns/cni-1234'), 'cni-1234');
    assert.equal(netnsOption('/proc/42/ns/net'), '../../../../../../../../proc/42/ns/net');
    assert.equal(netnsOption('/var/run/netns/sub/x'), '../../../../../../../../var/run/netns/sub/x');
    assert.deepEqual(ipArgs('/proc/42/ns/net', ['link', 'show'], { json: true }), [
      '-n',
      '../../../../../../../../proc/42/ns/net',
      '-j',
      'link',
      'show',
    ]);
    assert.deepEqual(ipArgs(null, ['link', 'show']), ['link', 'show']);
    assert.equal(netnsName('/var/run/netns/vfnet-tmp-1'), 'vfnet-tmp-1');
    assert.equal(netnsName('/proc/42/ns/net'), null);
  });
});

describe('IpPfControl', () => {
  it('reads igb vfinfo as ip prints it', () => {
    const pf = new IpPfControl(undefined, { ip: new ScriptedIp(() => ok(IGB_PF)) });
    assert.deepEqual(pf.readVf('eth0', 0), {
      mac: '02:00:00:00:00:aa',
      vlan: 100,
      qos: 3,
      proto: '802.1q',
      spoofchk: false,
      trust: true,
      linkState: 'auto',
      minTxRate: 0,
      maxTxRate: 100,
    });
    assert.deepEqual(pf.readVf('eth0', 1), {
      mac: '00:00:00:00:00:00',
      vlan: 0,
      qos: 0,
      proto: '802.1q',
      spoofchk: true,
      trust: false,
      linkState: 'auto',
      minTxRate: 0,
      maxTxRate: 0,
    });
    assert.equal(pf.readVf('eth0', 2), null);
  });

  it('reads 802.1ad, min rate and link state as netdevsim reports them', () => {
    const pf = new IpPfControl(undefined, { ip: new ScriptedIp(() => ok(NETDEVSIM_PF)) });
    assert.deepEqual(pf.readVf('eth7', 0), {
      mac: '02:00:00:00:99:01',
      vlan: 100,
      qos: 3,
      proto: '802.1ad',
      spoofchk: false,
      trust: true,
      linkState: 'enable',
      minTxRate: 10,
      maxTxRate: 100,
    });
    assert.equal(pf.readVf('eth7', 1)?.linkState, 'disable');
  });

  it('reads settings a driver does not report as null, and the old flat vlan form', () => {
    const old = '[{"ifname":"p","vfinfo_list":[{"vf":0,"address":"02:00:00:00:00:01","vlan":7,"qos":1,"tx_rate":50}]}]';
    const pf = new IpPfControl(undefined, { ip: new ScriptedIp(() => ok(old)) });
    assert.deepEqual(pf.readVf('p', 0), {
      mac: '02:00:00:00:00:01',
      vlan: 7,
      qos: 1,
      proto: '802.1q',
      spoofchk: null,
      trust: null,
      linkState: null,
      minTxRate: 0,
      maxTxRate: 50,
    });
  });

  it('sends one ip command per setting', () => {
    const ip = new ScriptedIp(() => ok());
    const pf = new IpPfControl(undefined, { ip });
    pf.setVlan('eth0', 0, 100, 3, '802.1q');
    pf.setVlan('eth0', 0, 100, 0, '802.1ad');
    pf.setMac('eth0', 0, '02:00:00:00:00:aa');
    pf.setRate('eth0', 0, 0, 100);
    pf.setSpoofchk('eth0', 0, false);
    pf.setTrust('eth0', 0, true);
    pf.setLinkState('eth0', 0, 'disable');
    assert.deepEqual(ip.commands, [
      'link set dev eth0 vf 0 vlan 100 qos 3',
      'link set dev eth0 vf 0 vlan 100 qos 0 proto 802.1ad',
      'link set dev eth0 vf 0 mac 02:00:00:00:00:aa',
      'link set dev eth0 vf 0 min_tx_rate 0 max_tx_rate 100',
      'link set dev eth0 vf 0 spoofchk off',
      'link set dev eth0 vf 0 trust on',
      'link set dev eth0 vf 0 state disable',
    ]);
  });

  it('reports what igb refuses with its errno and the kernel text', () => {
    const ip = new ScriptedIp((cmd) => {
      if (cmd.includes('state')) return fail('RTNETLINK answers: Operation not supported\n');
      if (cmd.includes('min_tx_rate 10')) return fail('RTNETLINK answers: Invalid argument\n');
      if (cmd.includes('802.1ad')) return fail('RTNETLINK answers: Protocol not supported\n');
      if (cmd.includes('nope')) return fail('Cannot find device "nope"\n');
      return ok();
    });
    const pf = new IpPfControl(undefined, { ip });
    const errnoOf = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof HostError);
        return [e.errno, e.message];
      }
      return null;
    };
    assert.deepEqual(
      errnoOf(() => pf.setLinkState('eth0', 0, 'enable')),
      ['EOPNOTSUPP', 'cannot set state enable on VF 0 of eth0: RTNETLINK answers: Operation not supported'],
    );
    assert.equal(errnoOf(() => pf.setRate('eth0', 0, 10, 100))?.[0], 'EINVAL');
    assert.equal(errnoOf(() => pf.setVlan('eth0', 0, 1, 0, '802.1ad'))?.[0], 'EPROTONOSUPPORT');
    assert.equal(errnoOf(() => pf.readVf('nope', 0))?.[0], 'ENODEV');
  });
});
