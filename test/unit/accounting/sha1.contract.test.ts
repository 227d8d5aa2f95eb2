// The runtime's SHA-1 as src/accounting/sha1.ts reaches it (Bun's hasher under `bun test`, node:crypto
// under Node): the standard's examples, every length around the padding boundaries, random inputs.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha1 } from '../../../src/accounting/sha1.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const reference = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

test('sha1 of FIPS 180 examples', () => {
  // Under bun test the Bun path must be the one taken (the plugin's), not node:crypto.
  assert.equal(typeof (globalThis as { Bun?: unknown }).Bun === 'object', !!process.versions.bun);
  assert.equal(hex(sha1(Buffer.from('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(hex(sha1(Buffer.from(''))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(
    hex(sha1(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  );
});

test('sha1 equals node:crypto for every length from 0 to 300 bytes', () => {
  const data = randomBytes(300);
  for (let n = 0; n <= 300; n++)
    assert.equal(hex(sha1(data.subarray(0, n))), reference(data.subarray(0, n)), `length ${n}`);
});

test('sha1 equals node:crypto on random inputs up to 64 KiB', () => {
  for (let i = 0; i < 50; i++) {
    const data = randomBytes(randomBytes(2).readUInt16BE(0));
    assert.equal(hex(sha1(data)), reference(data), `length ${data.length}`);
  }
});
