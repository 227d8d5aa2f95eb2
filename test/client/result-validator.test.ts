// The client suites trust test/support/cni-result.ts to say whether a runtime's result is valid
// for its version; these cases show it rejects what the spec forbids, so a suite that passes
// because of a lax validator cannot go unnoticed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrFamily, inSubnet, resultErrors } from '../support/cni-result.js';

const iface = { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/var/run/netns/x' };

const v04 = {
  cniVersion: '0.4.0',
  interfaces: [iface],
  ips: [{ version: '4', address: '10.1.2.3/24', gateway: '10.1.2.1', interface: 0 }],
  routes: [{ dst: '0.0.0.0/0', gw: '10.1.2.1' }],
  dns: {},
};
const v100 = { ...v04, cniVersion: '1.0.0', ips: [{ address: '10.1.2.3/24', gateway: '10.1.2.1', interface: 0 }] };

test('valid results for 0.3.1, 0.4.0, 1.0.0 and 1.1.0 pass', () => {
  assert.deepEqual(resultErrors('0.3.1', { ...v04, cniVersion: '0.3.1' }), []);
  assert.deepEqual(resultErrors('0.4.0', v04), []);
  assert.deepEqual(resultErrors('1.0.0', v100), []);
  assert.deepEqual(
    resultErrors('1.1.0', {
      ...v100,
      cniVersion: '1.1.0',
      interfaces: [{ ...iface, mtu: 1500, pciID: '0000:3b:10.0' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.1.2.1', priority: 100 }],
    }),
    [],
  );
  assert.deepEqual(resultErrors('0.2.0', { cniVersion: '0.2.0', ip4: { ip: '10.1.2.3/24', gateway: '10.1.2.1' } }), []);
});

test('ips[].version is required before 1.0.0 and forbidden from 1.0.0 on', () => {
  assert.match(
    resultErrors('0.4.0', { ...v04, ips: [{ address: '10.1.2.3/24', interface: 0 }] }).join(),
    /ips\[0\]\.version must be "4" or "6"/,
  );
  assert.match(
    resultErrors('1.0.0', { ...v100, ips: [{ version: '4', address: '10.1.2.3/24' }] }).join(),
    /ips\[0\]\.version must not exist/,
  );
  assert.match(
    resultErrors('0.3.1', { ...v04, cniVersion: '0.3.1', ips: [{ version: '6', address: '10.1.2.3/24' }] }).join(),
    /does not match the address/,
  );
});

test('addresses must be CIDRs and interface indexes must be in range', () => {
  assert.match(resultErrors('1.0.0', { ...v100, ips: [{ address: '10.1.2.3' }] }).join(), /is not a CIDR/);
  assert.match(resultErrors('1.0.0', { ...v100, ips: [{ address: '10.1.2.3/33' }] }).join(), /is not a CIDR/);
  assert.match(
    resultErrors('1.0.0', { ...v100, ips: [{ address: '10.1.2.3/24', interface: 1 }] }).join(),
    /not an index into interfaces/,
  );
  assert.match(
    resultErrors('1.0.0', { ...v100, ips: [{ address: '10.1.2.3/24', interface: -1 }] }).join(),
    /not an index/,
  );
  assert.match(resultErrors('1.0.0', { ...v100, routes: [{ dst: 'default' }] }).join(), /routes\[0\]\.dst/);
});

test('interfaces need a name, a MAC and a sandbox', () => {
  assert.match(
    resultErrors('1.0.0', { ...v100, interfaces: [{ ...iface, name: '' }] }).join(),
    /name must be a non-empty string/,
  );
  assert.match(
    resultErrors('1.0.0', { ...v100, interfaces: [{ ...iface, mac: 'zz:00:00:00:00:01' }] }).join(),
    /is not a MAC address/,
  );
  assert.match(resultErrors('1.0.0', { ...v100, interfaces: [{ name: 'eth0', mac: iface.mac }] }).join(), /sandbox/);
  // The spec leaves mac and sandbox optional; the lenient mode follows it.
  assert.deepEqual(resultErrors('1.0.0', { ...v100, interfaces: [{ name: 'eth0' }] }, false), []);
});

test('the result version must be the requested one, and legacy keys belong to legacy versions', () => {
  assert.match(resultErrors('1.0.0', v04).join(), /cniVersion is "0.4.0", expected "1.0.0"/);
  assert.match(resultErrors('1.0.0', { ...v100, ip4: { ip: '10.1.2.3/24' } }).join(), /ip4 exists only before 0.3.0/);
  assert.match(resultErrors('0.2.0', { cniVersion: '0.2.0', ips: [] }).join(), /ips does not exist before 0.3.0/);
  assert.match(
    resultErrors('1.0.0', { ...v100, routes: [{ dst: '0.0.0.0/0', table: 5 }] }).join(),
    /exists only from 1.1.0 on/,
  );
  assert.deepEqual(resultErrors('1.0.0', 'nope'), ['result must be a JSON object']);
});

test('CIDR and subnet helpers', () => {
  assert.equal(cidrFamily('fd00::1/64'), 6);
  assert.equal(cidrFamily('fd00::1/129'), 0);
  assert.ok(inSubnet('10.1.2.200/24', '10.1.2.0/24'));
  assert.ok(!inSubnet('10.1.3.1/24', '10.1.2.0/24'));
});
