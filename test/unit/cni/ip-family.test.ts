// ipFamily must answer exactly as node:net's isIP, which the results' validation used before
// (src/cni/ip-family.ts says why it is written out): hand-picked edge cases, then many random
// strings built from the characters addresses are made of.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { ipFamily } from '../../../src/cni/ip-family.js';

const CASES = [
  '',
  '0.0.0.0',
  '255.255.255.255',
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  '01.2.3.4',
  '1.2.3.04',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '1..3.4',
  '10.0.0.1/24',
  '::',
  '::1',
  '1::',
  ':::',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1:2:3:4::5:6:7:8',
  '1::2::3',
  '12345::',
  'g::1',
  'fe80::1%eth0',
  'fe80::1%',
  'fe80::1%a b',
  'fe80::1%eth0%1',
  '::ffff:1.2.3.4',
  '::1.2.3.4',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1:2:3:4:5::1.2.3.4',
  '1.2.3.4::',
  '::1.2.3.4:1',
  '1::1.2.3.04',
  'FD00::ABCD',
  ':1',
  '1:',
  '1.2.3.4%eth0',
];

test('ipFamily answers as node:net isIP on edge cases', () => {
  for (const s of CASES) assert.equal(ipFamily(s), isIP(s), JSON.stringify(s));
});

test('ipFamily answers as node:net isIP on random address-like strings', () => {
  const alphabet = '0123456789abcdefABCDEF.:%::..g';
  const bytes = randomBytes(200_000);
  let disagreements = 0;
  let valid = 0;
  for (let i = 0, k = 0; i < 20_000; i++) {
    const len = 1 + (bytes[k++]! % 24);
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[bytes[k++ % bytes.length]! % alphabet.length];
    if (isIP(s) !== 0) valid++;
    if (ipFamily(s) !== isIP(s)) {
      disagreements++;
      assert.equal(ipFamily(s), isIP(s), JSON.stringify(s));
    }
  }
  assert.equal(disagreements, 0);
  assert.ok(valid > 0, 'the corpus holds some valid addresses');
});

test('ipFamily answers as node:net isIP on mutated valid addresses', () => {
  const seeds = ['10.1.2.3', '192.168.100.254', 'fd00::1', '2001:db8:0:0:1:0:0:1', '::ffff:10.0.0.1', 'fe80::a%eth0'];
  const bytes = randomBytes(60_000);
  for (let i = 0, k = 0; i < 10_000; i++) {
    const seed = seeds[bytes[k++]! % seeds.length]!;
    const at = bytes[k++]! % (seed.length + 1);
    const ch = '0123456789abcdef.:%'[bytes[k++]! % 19]!;
    const op = bytes[k++ % bytes.length]! % 3;
    const s =
      op === 0
        ? seed.slice(0, at) + ch + seed.slice(at)
        : op === 1
          ? seed.slice(0, at) + seed.slice(at + 1)
          : seed.slice(0, at) + ch + seed.slice(at + 1);
    assert.equal(ipFamily(s), isIP(s), JSON.stringify(s));
  }
});
