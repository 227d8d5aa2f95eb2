// The bytes of a snapshot's providers that every allocation-candidates answer copies, cached
// per snapshot. Apart from the renderer so the request context can own the cache without the
// context and the renderer importing each other.
import type { ProviderSnapshot, SnapshotProvider } from '../placement/snapshot.js';

/**
 * How many lists of pieces (one per summary shape, allocation entry shape or mapping key) one
 * snapshot keeps: each is an array as long as the snapshot, and the shapes come from requests,
 * so without a bound a client could grow the cache with every distinct query.
 */
const MAX_LISTS = 48;

/**
 * The JSON bytes the renderer copies again and again, per (immutable) snapshot: each provider's
 * quoted UUID, its allocation key (`"uuid":{"resources":{`), and lists of larger pieces by
 * provider position, one list per key: its summary member (`"uuid":{...}`) per microversion
 * shape, its whole allocation entry per class-and-amount shape, its mapping member per group
 * key. An answer is then mostly copies of cached Buffers, and the fewer and larger the copies,
 * the faster: each costs about as much as 20 bytes.
 */
export class SnapshotBytes {
  private readonly quoted: Array<Buffer | undefined>;
  private readonly allocationKeys: Array<Buffer | undefined>;
  private readonly lists = new Map<string, Array<Buffer | undefined>>();

  constructor(private readonly size: number) {
    this.quoted = new Array<Buffer | undefined>(size);
    this.allocationKeys = new Array<Buffer | undefined>(size);
  }

  quotedUuid(p: SnapshotProvider): Buffer {
    return (this.quoted[p.index] ??= Buffer.from(`"${p.uuid}"`));
  }

  allocationKey(p: SnapshotProvider): Buffer {
    return (this.allocationKeys[p.index] ??= Buffer.from(`"${p.uuid}":{"resources":{`));
  }

  /** Summary members of one shape, indexed by provider position, filled as providers are summarised. */
  summaryMembers(shape: string): Array<Buffer | undefined> {
    return this.list(`summary ${shape}`);
  }

  /**
   * Pieces by provider position under `key` (the caller fills them; a key names one content per
   * provider). Past MAX_LISTS keys every list is dropped and the cache starts again: lists
   * already handed out stay valid for their answer.
   */
  list(key: string): Array<Buffer | undefined> {
    let l = this.lists.get(key);
    if (l) return l;
    if (this.lists.size >= MAX_LISTS) this.lists.clear();
    this.lists.set(key, (l = new Array<Buffer | undefined>(this.size)));
    return l;
  }
}

/**
 * SnapshotBytes per snapshot, owned by one app (not the module): a snapshot is immutable, so its
 * bytes stay right for as long as the store hands the same snapshot out, and go with it.
 */
export class SnapshotBytesCache {
  private readonly bySnapshot = new WeakMap<ProviderSnapshot, SnapshotBytes>();

  of(snap: ProviderSnapshot): SnapshotBytes {
    let b = this.bySnapshot.get(snap);
    if (!b) this.bySnapshot.set(snap, (b = new SnapshotBytes(snap.providers.length)));
    return b;
  }
}
