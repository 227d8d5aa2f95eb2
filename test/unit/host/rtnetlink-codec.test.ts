// The rtnetlink adapter's pure layers: netlink framing, link and VF attributes, address and route
// requests, and how kernel refusals become HostErrors. Byte layouts are those of the kernel's
// uapi headers (linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostError } from '../../../src/host/ports.js';
import { newAddress, newRoute, parseCidr, parseIp } from '../../../src/host/rtnetlink/addr-codec.js';
import { errnoName, errnoText } from '../../../src/host/rtnetlink/errno.js';
import { hostError } from '../../../src/host/rtnetlink/errors.js';
import { LibcError } from '../../../src/host/rtnetlink/libc.js';
import {
  decodeLink,
  decodeVfInfoList,
  getLinkByName,
  IFLA_VFINFO_LIST,
  setVf,
} from '../../../src/host/rtnetlink/link-codec.js';
import {
  attrMap,
  listAttrs,
  MessageBuilder,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  parseAck,
  splitMessages,
  u32At,
} from '../../../src/host/rtnetlink/message.js';
import { NetlinkError } from '../../../src/host/rtnetlink/socket.js';

const le = (bytes: Uint8Array, off: number, n: 2 | 4) =>
  n === 2
    ? new DataView(bytes.buffer, bytes.byteOffset).getUint16(off, true)
    : new DataView(bytes.buffer, bytes.byteOffset).getUint32(off, true);

function words(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  for (const [i, v] of values.entries()) new DataView(b.buffer).setUint32(i * 4, v >>> 0, true);
  return b;
}

/** A message as the kernel would send it, parsed back into its one NlMessage. */
function roundTrip(b: MessageBuilder, seq = 7) {
  const [msg] = splitMessages(b.finish(seq));
  assert.ok(msg);
  return msg;
}

describe('netlink framing', () => {
  it('writes the header, pads attributes to 4 bytes and sizes nests after their content', () => {
    const bytes = new MessageBuilder(19, 0x5)
      .raw(new Uint8Array(16))
      .string(3, 'eth0')
      .nested(22, (n) => n.u8(9, 1))
      .finish(42);
    assert.equal(le(bytes, 0, 4), bytes.length);
    assert.deepEqual([le(bytes, 4, 2), le(bytes, 6, 2), le(bytes, 8, 4), le(bytes, 12, 4)], [19, 5, 42, 0]);
    assert.equal(bytes.length % 4, 0);
    // "eth0\0" is 5 bytes: header 4 + 5 = 9, padded to 12; the nest holds one u8 attribute
    // (5, padded to 8), and its length counts that padding, as the kernel's nla_nest_end does.
    assert.deepEqual([le(bytes, 32, 2), le(bytes, 34, 2)], [9, 3]);
    assert.deepEqual([le(bytes, 44, 2), le(bytes, 46, 2)], [4 + 8, 22 | 0x8000]);
    const msg = splitMessages(bytes)[0]!;
    const attrs = listAttrs(msg.payload, 16);
    assert.deepEqual(
      attrs.map(([t]) => t),
      [3, 22],
      'NLA_F_NESTED is masked off when reading',
    );
    assert.deepEqual([...listAttrs(attrs[1]![1])[0]![1]], [1]);
  });

  it('splits several messages of one datagram and ignores a truncated tail', () => {
    const a = new MessageBuilder(16, 2).raw(new Uint8Array(16)).finish(1);
    const b = new MessageBuilder(3, 2).raw(words(0)).finish(1);
    const joined = new Uint8Array([...a, ...b, 1, 2, 3]);
    assert.deepEqual(
      splitMessages(joined).map((m) => m.type),
      [16, 3],
    );
  });

  it("reads an error with the kernel's extended-ack message, echoed request capped or not", () => {
    const request = new MessageBuilder(19, 5).raw(new Uint8Array(16)).u32(4, 10).finish(9);
    for (const capped of [true, false]) {
      const echoed = capped ? request.subarray(0, 16) : request;
      const body = new MessageBuilder(NLMSG_ERROR, NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0))
        .raw(new Uint8Array([...words(-22 >>> 0), ...echoed]))
        .string(1, 'mtu less than device minimum');
      assert.deepEqual(parseAck(roundTrip(body)), { errno: 22, extack: 'mtu less than device minimum' });
    }
    assert.deepEqual(
      parseAck(
        roundTrip(
          new MessageBuilder(NLMSG_ERROR, NLM_F_CAPPED).raw(new Uint8Array([...words(0), ...request.subarray(0, 16)])),
        ),
      ),
      { errno: 0, extack: null },
    );
  });
});

describe('link attributes', () => {
  it("decodes an RTM_NEWLINK into the port's LinkInfo, altnames included", () => {
    const info = new Uint8Array(16);
    new DataView(info.buffer).setInt32(4, 12, true);
    new DataView(info.buffer).setUint32(8, 0x1 | 0x10000, true); // IFF_UP | IFF_LOWER_UP
    const msg = roundTrip(
      new MessageBuilder(16, 0)
        .raw(info)
        .attr(1, Uint8Array.of(2, 0, 0, 0, 0xab, 0x0c))
        .string(3, 'net1')
        .u32(4, 9000)
        .nested(52, (p) => p.string(53, 'enp3s0v2').string(53, 'eth-alt')),
    );
    assert.deepEqual(decodeLink(msg.payload).info, {
      name: 'net1',
      ifindex: 12,
      mac: '02:00:00:00:ab:0c',
      mtu: 9000,
      up: true,
      carrier: true,
      altnames: ['enp3s0v2', 'eth-alt'],
    });
  });

  it('asks for a link by name, with the VF list only when wanted', () => {
    const attrs = attrMap(roundTrip(getLinkByName('enp3s0f0', 9)).payload, 16);
    assert.equal(new TextDecoder().decode(attrs.get(3)!), 'enp3s0f0\0');
    assert.equal(u32At(attrs.get(29)!), 9);
  });

  it('decodes IFLA_VFINFO_LIST: admin MAC, VLAN with its protocol, rates, and settings a driver does not report', () => {
    const mac = new Uint8Array(36);
    mac.set(words(3));
    mac.set([0x02, 0x11, 0x22, 0x33, 0x44, 0x55], 4);
    const vlanInfo = new Uint8Array(16);
    vlanInfo.set(words(3, 100, 5));
    vlanInfo.set([0x88, 0xa8], 12);
    const b = new MessageBuilder(0, 0).nested(IFLA_VFINFO_LIST, (list) => {
      list.nested(1, (vf) =>
        vf
          .attr(1, mac)
          .attr(2, words(3, 100, 5))
          .nested(12, (l) => l.attr(1, vlanInfo))
          .attr(6, words(3, 10, 1000))
          .attr(3, words(3, 1000))
          .attr(4, words(3, 0xffffffff))
          .attr(9, words(3, 1))
          .attr(5, words(3, 2)),
      );
      list.nested(1, (vf) =>
        vf
          .attr(1, new Uint8Array([...words(4), ...new Uint8Array(32)]))
          .attr(2, words(4, 0, 0))
          .attr(4, words(4, 1)),
      );
    });
    const list = listAttrs(roundTrip(b).payload)[0]![1];
    const vfs = decodeVfInfoList(list);
    assert.deepEqual(vfs.get(3), {
      mac: '02:11:22:33:44:55',
      vlan: 100,
      qos: 5,
      proto: '802.1ad',
      spoofchk: null,
      trust: true,
      linkState: 'disable',
      minTxRate: 10,
      maxTxRate: 1000,
    });
    assert.deepEqual(vfs.get(4), {
      mac: '00:00:00:00:00:00',
      vlan: 0,
      qos: 0,
      proto: '802.1q',
      spoofchk: true,
      trust: null,
      linkState: null,
      minTxRate: 0,
      maxTxRate: 0,
    });
  });

  it('encodes each VF setting as one IFLA_VF_* inside IFLA_VF_INFO, as ip sends it', () => {
    const vfInfo = (b: MessageBuilder) => {
      const list = attrMap(roundTrip(b).payload, 16).get(IFLA_VFINFO_LIST)!;
      const [[type, info]] = listAttrs(list) as [[number, Uint8Array]];
      assert.equal(type, 1);
      return listAttrs(info);
    };
    const [[t, mac]] = vfInfo(setVf(5, 2, { kind: 'mac', mac: '02:AA:bb:cc:dd:ee' })) as [[number, Uint8Array]];
    assert.equal(t, 1);
    assert.equal(mac.length, 36);
    assert.deepEqual([u32At(mac), ...mac.subarray(4, 10)], [2, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
    assert.deepEqual(
      vfInfo(setVf(5, 2, { kind: 'vlan', vlan: 10, qos: 3, proto: '802.1q' })).map(([ty, v]) => [ty, [...v]]),
      [[2, [...words(2, 10, 3)]]],
    );
    const [[listType, nested]] = vfInfo(setVf(5, 2, { kind: 'vlan', vlan: 10, qos: 0, proto: '802.1ad' })) as [
      [number, Uint8Array],
    ];
    assert.equal(listType, 12);
    const entry = listAttrs(nested)[0]![1];
    assert.deepEqual([u32At(entry), u32At(entry, 4), u32At(entry, 8), entry[12], entry[13]], [2, 10, 0, 0x88, 0xa8]);
    assert.deepEqual(
      vfInfo(setVf(5, 2, { kind: 'rate', min: 0, max: 500 })).map(([ty, v]) => [ty, [...v]]),
      [[6, [...words(2, 0, 500)]]],
    );
    assert.deepEqual(
      vfInfo(setVf(5, 2, { kind: 'spoofchk', on: false })).map(([ty, v]) => [ty, [...v]]),
      [[4, [...words(2, 0)]]],
    );
    assert.deepEqual(
      vfInfo(setVf(5, 2, { kind: 'trust', on: true })).map(([ty, v]) => [ty, [...v]]),
      [[9, [...words(2, 1)]]],
    );
    assert.deepEqual(
      vfInfo(setVf(5, 2, { kind: 'linkState', state: 'enable' })).map(([ty, v]) => [ty, [...v]]),
      [[5, [...words(2, 1)]]],
    );
    assert.throws(() => setVf(5, 2, { kind: 'mac', mac: '02:aa' }), RangeError);
  });
});

describe('address and route requests', () => {
  it('parses IPv4 and IPv6 addresses and prefixes, refusing malformed ones', () => {
    assert.deepEqual([...parseIp('10.1.2.3')!], [10, 1, 2, 3]);
    assert.deepEqual([...parseIp('fd00::1')!], [0xfd, 0, ...new Array(13).fill(0), 1]);
    for (const bad of ['10.1.2', '10.1.2.256', 'fd00:::1', '1:2:3:4:5:6:7:8:9', 'x'])
      assert.equal(parseIp(bad), null, bad);
    assert.equal(parseCidr('10.0.0.1/33'), null);
    assert.equal(parseCidr('10.0.0.1'), null);
    assert.equal(parseCidr('fd00::1/64')!.prefix, 64);
  });

  it('adds an address with IFA_LOCAL and IFA_ADDRESS, create-only', () => {
    const msg = roundTrip(newAddress(7, parseCidr('10.99.0.2/24')!));
    assert.equal(msg.type, 20);
    assert.equal(msg.flags & 0x600, 0x600, 'NLM_F_CREATE | NLM_F_EXCL: EEXIST when present');
    assert.deepEqual([msg.payload[0], msg.payload[1], msg.payload[3], u32At(msg.payload, 4)], [2, 24, 0, 7]);
    const attrs = attrMap(msg.payload, 8);
    assert.deepEqual(
      [[...attrs.get(1)!], [...attrs.get(2)!]],
      [
        [10, 99, 0, 2],
        [10, 99, 0, 2],
      ],
    );
    assert.equal(roundTrip(newAddress(7, parseCidr('fd00:99::2/64')!)).payload[0], 10);
  });

  it('adds a route as `ip route add` would: main table, boot protocol, link scope without a gateway, metrics nested', () => {
    const via = roundTrip(newRoute(7, { dst: '10.98.0.0/16', gw: '10.99.0.1', priority: 5, mtu: 1400 }));
    assert.deepEqual([...via.payload.subarray(0, 8)], [2, 16, 0, 0, 254, 3, 0, 1]);
    const attrs = attrMap(via.payload, 12);
    assert.deepEqual(
      [[...attrs.get(1)!], [...attrs.get(5)!], u32At(attrs.get(4)!), u32At(attrs.get(6)!)],
      [[10, 98, 0, 0], [10, 99, 0, 1], 7, 5],
    );
    assert.deepEqual(
      listAttrs(attrs.get(8)!).map(([t, v]) => [t, u32At(v)]),
      [[2, 1400]],
    );
    const onLink = roundTrip(newRoute(7, { dst: '0.0.0.0/0', table: 1000 }));
    assert.deepEqual([onLink.payload[1], onLink.payload[4], onLink.payload[6]], [0, 0, 253]);
    const onLinkAttrs = attrMap(onLink.payload, 12);
    assert.equal(onLinkAttrs.has(1), false, 'a default route carries no RTA_DST');
    assert.equal(u32At(onLinkAttrs.get(15)!), 1000, 'tables past 255 go in RTA_TABLE');
    assert.throws(() => newRoute(7, { dst: '10.0.0.0/8', gw: 'fd00::1' }), RangeError);
    assert.throws(() => newRoute(7, { dst: 'default' }), RangeError);
  });
});

describe('rtnetlink errors as HostErrors', () => {
  it("names the errno and keeps the kernel's words after what was being done", () => {
    const e = hostError('cannot set MTU 10 on eth0', new NetlinkError(22, 'mtu less than device minimum.'));
    assert.ok(e instanceof HostError);
    assert.equal(e.errno, 'EINVAL');
    assert.equal(e.message, 'cannot set MTU 10 on eth0: mtu less than device minimum (Invalid argument)');
    assert.equal(
      hostError('cannot rename a to b', new NetlinkError(17, null)).message,
      'cannot rename a to b: File exists',
    );
    assert.equal(hostError('cannot set trust on VF 0 of p', new NetlinkError(524, null)).errno, 'EOPNOTSUPP');
    const sys = hostError('cannot lock x', new LibcError('flock', 9));
    assert.deepEqual([sys.errno, sys.message], ['EBADF', 'cannot lock x: flock: Bad file descriptor']);
    assert.equal(hostError('cannot set MAC', new RangeError('"zz" is not a MAC address')).errno, 'EINVAL');
  });

  it('knows the errnos the plugin tells apart', () => {
    const want: Record<number, string> = {
      1: 'EPERM',
      2: 'ENOENT',
      16: 'EBUSY',
      17: 'EEXIST',
      19: 'ENODEV',
      22: 'EINVAL',
      93: 'EPROTONOSUPPORT',
      95: 'EOPNOTSUPP',
      99: 'EADDRNOTAVAIL',
      100: 'ENETDOWN',
      101: 'ENETUNREACH',
    };
    for (const [n, name] of Object.entries(want)) assert.equal(errnoName(Number(n)), name);
    assert.equal(errnoName(4242), null);
    assert.equal(errnoText(4242), 'Unknown error 4242');
  });
});
