// The answer writer: bytes in order across every growth of its buffer, and the pool that lends
// answer buffers out: a buffer comes back once its answer is sent, and the pool stays bounded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BufferPool, ByteWriter } from '../../../src/api/byte-writer.js';

function written(w: ByteWriter): string {
  return w.result().bytes.toString('utf8');
}

describe('ByteWriter', () => {
  for (const pool of [null, new BufferPool()]) {
    it(`writes text, integers, bytes and bytes across growths (${pool ? 'pooled' : 'no pool'})`, () => {
      const w = new ByteWriter(pool);
      let expected = '';
      for (let i = 0; i < 5000; i++) {
        const piece = randomBytes(1 + (i % 40)).toString('hex');
        w.bytes(Buffer.from(piece));
        w.byte(0x2c);
        w.int(i * 7919);
        w.text(i % 97 === 0 ? 'é∑' : 'x');
        expected += `${piece},${i * 7919}${i % 97 === 0 ? 'é∑' : 'x'}`;
      }
      w.int(-1.5);
      expected += '-1.5';
      assert.equal(written(w), expected);
    });
  }

  it('answers reuse a released buffer, and only once it is released', () => {
    const pool = new BufferPool();
    const a = new ByteWriter(pool);
    a.bytes(Buffer.alloc(100_000, 0x61));
    const first = a.result();
    const b = new ByteWriter(pool);
    b.text('b');
    const second = b.result();
    assert.notEqual(second.bytes.buffer, first.bytes.buffer, 'not lent twice');
    assert.equal(first.bytes[0], 0x61, 'the first answer is intact');
    first.release!();
    first.release!();
    const c = new ByteWriter(pool);
    c.text('c');
    assert.equal(c.result().bytes.buffer, first.bytes.buffer, 'the largest spare is taken first');
    const d = new ByteWriter(pool);
    d.text('d');
    assert.notEqual(d.result().bytes.buffer, first.bytes.buffer, 'a double release gave it back once');
  });

  it('keeps at most its bound of spare bytes, the largest ones', () => {
    const pool = new BufferPool(1 << 20, 8);
    for (const size of [1 << 10, 1 << 19, 1 << 18, 1 << 19, 1 << 21]) pool.give(Buffer.allocUnsafe(size));
    const kept = [pool.takeLargest(1), pool.takeLargest(1), pool.takeLargest(1)].map((b) => b.length);
    assert.deepEqual(kept.slice(0, 2), [1 << 19, 1 << 19], 'the two largest that fit the bound');
    assert.equal(kept[2], 1, 'nothing else was kept: a new buffer');
  });
});
