// Appends bytes to a list of chunks. Large JSON answers (megabytes of candidates) written this
// way cost no intermediate strings: appending to a JS string builds a rope of thousands of pieces
// that V8 must flatten and then encode again into a Buffer. The chunks stay at most 64 KiB, and
// full-size ones come from a pool and go back to it once the answer has been sent: a fresh
// multi-megabyte buffer per answer means faulting in new pages (which cost more than writing
// them) and new ArrayBuffers that keep V8's collector busy.
/** UTF-8 bytes in order (see ByteWriter) and their total length. */
export interface ByteChunks {
  chunks: Buffer[];
  length: number;
  /** Called once the chunks have been sent (or the connection is gone): their memory may be reused. */
  release?: () => void;
}

const FIRST_CHUNK = 1 << 12;
const MAX_CHUNK = 1 << 16;

/** Spare full-size chunks, shared by the answers of one server; at most `max` are kept. */
export class ChunkPool {
  private readonly spare: Buffer[] = [];

  constructor(private readonly max = 256) {}

  take(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(MAX_CHUNK);
  }

  /** Chunks nothing refers to any more (their answer has been sent). */
  give(chunks: Buffer[]): void {
    for (const c of chunks) if (this.spare.length < this.max) this.spare.push(c);
  }
}

export class ByteWriter {
  private readonly chunks: Buffer[] = [];
  /** The full-size chunks taken from the pool. */
  private readonly taken: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(FIRST_CHUNK);
  private len = 0;
  private total = 0;

  constructor(private readonly pool: ChunkPool | null = null) {}

  /**
   * Text that is ASCII in practice (JSON punctuation, validated names): copied code unit by code
   * unit. Anything else goes through UTF-8.
   */
  text(s: string): void {
    if (this.len + s.length > this.buf.length) this.next(s.length);
    const buf = this.buf;
    let at = this.len;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.len = at;
        this.bytes(Buffer.from(s.slice(i)));
        return;
      }
      buf[at++] = c;
    }
    this.len = at;
  }

  /** A non-negative integer below 2^31 in decimal, else whatever JavaScript prints. */
  int(n: number): void {
    if (!(n >= 0 && n < 0x80000000 && n === Math.floor(n))) {
      this.text(String(n));
      return;
    }
    if (this.len + 10 > this.buf.length) this.next(10);
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const buf = this.buf;
    let at = this.len + digits;
    this.len = at;
    do {
      buf[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  byte(c: number): void {
    if (this.len === this.buf.length) this.next(1);
    this.buf[this.len++] = c;
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.next(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /**
   * What was written, in order (do not write after taking it). Whoever sends the chunks calls
   * `release` once they have been sent, so that pooled chunks can be used again.
   */
  result(): ByteChunks {
    if (this.len > 0) this.chunks.push(this.buf.subarray(0, this.len));
    const { pool, taken } = this;
    return { chunks: this.chunks, length: this.total + this.len, release: () => pool?.give(taken) };
  }

  /** Closes the current chunk and starts one with room for `needed` bytes, each twice the last up to 64 KiB. */
  private next(needed: number): void {
    if (this.len > 0) this.chunks.push(this.buf.subarray(0, this.len));
    this.total += this.len;
    const size = Math.max(Math.min(this.buf.length * 2, MAX_CHUNK), needed);
    if (size === MAX_CHUNK && this.pool) {
      this.buf = this.pool.take();
      this.taken.push(this.buf);
    } else {
      this.buf = Buffer.allocUnsafe(size);
    }
    this.len = 0;
  }
}
