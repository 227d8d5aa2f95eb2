// SHA-1 for the name-based UUIDs of ids.ts (not for anything secret), from the runtime itself: in
// the Bun-compiled plugin, Bun's native hasher, because importing node:crypto there evaluates
// Node's streams with it (about 2.5 ms of every ADD and DEL, for one 40-byte hash); under Node
// (the CLI, the service), node:crypto, fetched only when first needed.
// test/unit/accounting/sha1.contract.test.ts runs under both.

interface BunHasher {
  update(data: Uint8Array): BunHasher;
  digest(): Uint8Array;
}
type BunGlobal = { CryptoHasher: new (algorithm: 'sha1') => BunHasher };

/** The 20-byte SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Uint8Array {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun) return new bun.CryptoHasher('sha1').update(data).digest();
  return process.getBuiltinModule('node:crypto').createHash('sha1').update(data).digest();
}
