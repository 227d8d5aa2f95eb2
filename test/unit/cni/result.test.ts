import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CniError, type CniResult, formatResult, parseResult, SUPPORTED_VERSIONS } from '../../../src/cni/index.js';

// The spec reference's 1.0.0 example.
const example100 = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'net1', mac: 'ca:fe:c0:ff:ee:01', sandbox: '/var/run/netns/t1' }],
  ips: [{ address: '10.56.217.2/24', gateway: '10.56.217.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }],
  dns: {},
};

// Everything 1.1.0 can say, dual stack.
const dualStack: CniResult = {
  interfaces: [
    { name: 'net1', mac: 'ca:fe:c0:ff:ee:01', mtu: 9000, sandbox: '/var/run/netns/t1', pciID: '0000:03:02.3' },
    { name: 'vhost0', socketPath: '/run/vhost0.sock' },
  ],
  ips: [
    { address: '10.56.217.2/24', gateway: '10.56.217.1', interface: 0 },
    { address: 'fd00::2/64', gateway: 'fd00::1', interface: 0 },
    { address: '10.56.218.2/24', interface: 0 },
  ],
  routes: [
    { dst: '0.0.0.0/0', gw: '10.56.217.1', mtu: 1400, advmss: 1360, priority: 100, table: 0, scope: 0 },
    { dst: '::/0', gw: 'fd00::1' },
    { dst: '192.168.0.0/16' },
  ],
  dns: {
    nameservers: ['10.56.217.1', 'fd00::1'],
    domain: 'example.org',
    search: ['example.org'],
    options: ['ndots:2'],
  },
};

test('the 1.0.0 example parses and formats back to itself', () => {
  const r = parseResult(JSON.stringify(example100));
  assert.deepEqual(formatResult(r, '1.0.0'), example100);
});

test('the 1.0.0 example in 0.3.x/0.4.0 gains ips[].version and keeps the rest', () => {
  const r = parseResult(example100);
  for (const v of ['0.3.0', '0.3.1', '0.4.0']) {
    assert.deepEqual(formatResult(r, v), {
      ...example100,
      cniVersion: v,
      ips: [{ version: '4', address: '10.56.217.2/24', gateway: '10.56.217.1', interface: 0 }],
    });
  }
});

test('the 1.0.0 example in 0.1.0/0.2.0 becomes ip4 with its routes', () => {
  const r = parseResult(example100);
  for (const v of ['0.1.0', '0.2.0']) {
    assert.deepEqual(formatResult(r, v), {
      cniVersion: v,
      ip4: { ip: '10.56.217.2/24', gateway: '10.56.217.1', routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }] },
      dns: {},
    });
  }
});

test('1.1.0 keeps every field, and parses back to the same internal result', () => {
  const out = formatResult(dualStack, '1.1.0');
  assert.deepEqual(out, { cniVersion: '1.1.0', ...dualStack });
  assert.deepEqual(parseResult(JSON.stringify(out)), dualStack);
});

test('1.0.0 drops the 1.1.0 interface and route fields', () => {
  const out = formatResult(dualStack, '1.0.0') as { interfaces: object[]; routes: object[]; ips: object[] };
  assert.deepEqual(out.interfaces, [
    { name: 'net1', mac: 'ca:fe:c0:ff:ee:01', sandbox: '/var/run/netns/t1' },
    { name: 'vhost0' },
  ]);
  assert.deepEqual(out.routes, [
    { dst: '0.0.0.0/0', gw: '10.56.217.1' },
    { dst: '::/0', gw: 'fd00::1' },
    { dst: '192.168.0.0/16' },
  ]);
  assert.ok(out.ips.every((ip) => !('version' in ip)));
});

test('0.4.0 labels each address with its family', () => {
  const out = formatResult(dualStack, '0.4.0') as { ips: { version: string; address: string }[] };
  assert.deepEqual(
    out.ips.map((ip) => [ip.version, ip.address]),
    [
      ['4', '10.56.217.2/24'],
      ['6', 'fd00::2/64'],
      ['4', '10.56.218.2/24'],
    ],
  );
});

test('dual stack in 0.2.0: first address of each family, routes split by family', () => {
  assert.deepEqual(formatResult(dualStack, '0.2.0'), {
    cniVersion: '0.2.0',
    ip4: {
      ip: '10.56.217.2/24',
      gateway: '10.56.217.1',
      routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }, { dst: '192.168.0.0/16' }],
    },
    ip6: { ip: 'fd00::2/64', gateway: 'fd00::1', routes: [{ dst: '::/0', gw: 'fd00::1' }] },
    dns: dualStack.dns,
  });
});

test('a legacy result parses into the internal form', () => {
  const legacy = {
    cniVersion: '0.2.0',
    ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0' }] },
    ip6: { ip: 'fd00::5/64', routes: [{ dst: '::/0', gw: 'fd00::1' }] },
    dns: { nameservers: ['10.1.0.1'] },
  };
  const r = parseResult(legacy);
  assert.deepEqual(r, {
    interfaces: [],
    ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
    routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1' }],
    dns: { nameservers: ['10.1.0.1'] },
  });
  assert.deepEqual(formatResult(r, '0.2.0'), legacy);
  assert.deepEqual(formatResult(r, '0.1.0'), { ...legacy, cniVersion: '0.1.0' });
});

test('every version reads back what it printed', () => {
  for (const v of SUPPORTED_VERSIONS) {
    const printed = formatResult(dualStack, v);
    assert.deepEqual(formatResult(parseResult(JSON.stringify(printed)), v), printed, v);
  }
});

test('converting up from 0.2.0 gives no interfaces and no ips[].interface', () => {
  const r = parseResult(formatResult(parseResult(example100), '0.2.0'));
  assert.deepEqual(formatResult(r, '1.1.0'), {
    cniVersion: '1.1.0',
    ips: [{ address: '10.56.217.2/24', gateway: '10.56.217.1' }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.56.217.1' }],
    dns: {},
  });
});

test('a result with no addresses (no IPAM) formats in every version', () => {
  const r: CniResult = { interfaces: [{ name: 'net1', sandbox: '/x' }], ips: [], routes: [], dns: {} };
  assert.deepEqual(formatResult(r, '0.2.0'), { cniVersion: '0.2.0', dns: {} });
  assert.deepEqual(formatResult(r, '1.0.0'), {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'net1', sandbox: '/x' }],
    dns: {},
  });
});

test('a result without cniVersion takes the fallback version', () => {
  const { cniVersion: _, ...noVersion } = example100;
  assert.deepEqual(parseResult(noVersion, '1.0.0'), parseResult(example100));
  const legacyNoVersion = { ip4: { ip: '10.0.0.2/8' } };
  assert.deepEqual(parseResult(legacyNoVersion, '0.2.0').ips, [{ address: '10.0.0.2/8' }]);
  // No version at all: the layout decides.
  assert.deepEqual(parseResult(legacyNoVersion).ips, [{ address: '10.0.0.2/8' }]);
  assert.deepEqual(parseResult(noVersion), parseResult(example100));
});

test('host-local 0.3.1 output without interfaces parses', () => {
  const r = parseResult(
    '{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.22.0.2/16","gateway":"10.22.0.1"}],"dns":{}}',
  );
  assert.deepEqual(r.ips, [{ address: '10.22.0.2/16', gateway: '10.22.0.1' }]);
});

test('0.3.0 results that say "ip" instead of "ips" are read', () => {
  const r = parseResult({ cniVersion: '0.3.0', ip: [{ version: '4', address: '10.0.0.2/24' }] });
  assert.deepEqual(r.ips, [{ address: '10.0.0.2/24' }]);
});

function decodeError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CniError);
    assert.equal(e.code, 6);
    assert.match(`${e.msg} ${e.details}`, pattern);
    return true;
  });
}

test('invalid results are rejected with code 6 naming the field', () => {
  const base = { cniVersion: '1.0.0', interfaces: [{ name: 'net1' }] };
  decodeError(() => parseResult('{nope'), /not JSON/);
  decodeError(() => parseResult('[]'), /result/);
  decodeError(() => parseResult({ ...base, ips: [{ address: '10.0.0.2' }] }), /ips\[0\]\.address.*CIDR/);
  decodeError(() => parseResult({ ...base, ips: [{ address: '10.0.0.2/33' }] }), /ips\[0\]\.address/);
  decodeError(() => parseResult({ ...base, ips: [{ address: 'fd00::2/129' }] }), /ips\[0\]\.address/);
  decodeError(() => parseResult({ ...base, ips: [{ address: 'x/24' }] }), /ips\[0\]\.address/);
  decodeError(
    () => parseResult({ ...base, ips: [{ address: '10.0.0.2/24', interface: 1 }] }),
    /ips\[0\]\.interface.*index 1/,
  );
  decodeError(() => parseResult({ ...base, ips: [{ address: '10.0.0.2/24', interface: -1 }] }), /ips\[0\]\.interface/);
  decodeError(
    () => parseResult({ ...base, ips: [{ address: '10.0.0.2/24', gateway: 'fd00::1' }] }),
    /ips\[0\]\.gateway/,
  );
  decodeError(
    () => parseResult({ ...base, cniVersion: '0.4.0', ips: [{ version: '6', address: '10.0.0.2/24' }] }),
    /ips\[0\]\.version/,
  );
  decodeError(() => parseResult({ ...base, routes: [{ dst: '0.0.0.0/0', gw: 'nope' }] }), /routes\[0\]\.gw/);
  decodeError(() => parseResult({ ...base, routes: [{ gw: '10.0.0.1' }] }), /routes\[0\]\.dst/);
  decodeError(() => parseResult({ ...base, interfaces: [{ mac: 'aa' }] }), /interfaces\[0\]\.name/);
  decodeError(() => parseResult({ ...base, ips: 'x' }), /ips/);
  decodeError(() => parseResult({ cniVersion: '0.2.0', ip4: { gateway: '10.0.0.1' } }), /ip4\.ip/);
});

test('an unknown result version is code 1', () => {
  assert.throws(
    () => parseResult({ cniVersion: '9.9.9' }),
    (e: unknown) => e instanceof CniError && e.code === 1,
  );
  assert.throws(
    () => formatResult(dualStack, '9.9.9'),
    (e: unknown) => e instanceof CniError && e.code === 1,
  );
});
