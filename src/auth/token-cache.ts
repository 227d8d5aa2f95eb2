// A bounded cache of validated tokens, keyed by the token's SHA-256 (the token itself is never
// kept as a key). Entries leave when they expire or, past `max`, the least recently used first,
// so a flood of distinct tokens costs a fixed amount of memory.

export class TokenCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {
    if (!(max >= 1)) throw new Error('a token cache needs room for at least one entry');
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expiresAt <= this.now()) return undefined;
    this.entries.set(key, e); // most recently used last
    return e.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    if (expiresAt <= this.now()) return;
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Removes every entry `drop` says yes to. */
  sweep(drop: (value: V) => boolean): void {
    for (const [k, e] of this.entries) if (drop(e.value)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
