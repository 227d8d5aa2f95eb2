// can_split (vfnet's extension): how one class's amount is spread over several providers of a
// tree (the fewest providers, as evenly as their inventories allow), and how split candidates
// are ranked (fewest providers first, then the most even split).
import { fits, unitsOk } from './capacity.js';
import { type CandidateTable, IntList } from './candidate-table.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';

const MAX_SPLIT_SUBSETS = 64;

/**
 * can_split: the providers of one tree that can take part of `amount`, as pieces (each a list
 * of shares). If single providers can take all of it, those alone (Placement's answer); else
 * the smallest provider count that can, each subset split as evenly as the inventories allow.
 */
export function splitPieces(snap: ProviderSnapshot, provs: SnapshotProvider[], rc: string, amount: number): Share[][] {
  const singles = provs.filter((p) => canServe(p, snap, rc, amount));
  if (singles.length > 0) return singles.map((p) => [{ provider: p, amount }]);
  const room = (p: SnapshotProvider) => {
    const inv = p.inventories.get(rc)!;
    const free = Math.floor((inv.total - inv.reserved) * inv.allocationRatio) - snap.used(p, rc);
    const most = Math.min(free, inv.maxUnit);
    return most - (most % inv.stepSize);
  };
  const rooms = provs.map((p) => ({ p, room: room(p) })).filter((x) => x.room >= x.p.inventories.get(rc)!.minUnit);
  const sortedRooms = [...rooms].sort((a, b) => b.room - a.room);
  let m = 0;
  for (let acc = 0; m < sortedRooms.length && acc < amount; m++) acc += sortedRooms[m]!.room;
  if (sortedRooms.slice(0, m).reduce((s, x) => s + x.room, 0) < amount) return [];
  for (let size = Math.max(m, 2); size <= rooms.length; size++) {
    const found: Share[][] = [];
    for (const subset of combinations(rooms, size, MAX_SPLIT_SUBSETS * 4)) {
      const amounts = evenSplit(amount, subset.map((x) => ({ room: x.room, inv: x.p.inventories.get(rc)! })));
      if (!amounts) continue;
      found.push(subset.map((x, i) => ({ provider: x.p, amount: amounts[i]! })));
      if (found.length >= MAX_SPLIT_SUBSETS) break;
    }
    if (found.length > 0) return found;
  }
  return [];
}

export interface Share {
  provider: SnapshotProvider;
  amount: number;
}

/** Water-filling: as even as each provider's room, min_unit and step_size allow; null if impossible. */
export function evenSplit(amount: number, slots: Array<{ room: number; inv: { minUnit: number; stepSize: number } }>): number[] | null {
  const n = slots.length;
  const order = slots.map((_, i) => i).sort((a, b) => slots[a]!.room - slots[b]!.room);
  const out = new Array<number>(n).fill(0);
  let left = amount;
  order.forEach((i, k) => {
    const share = Math.ceil(left / (n - k));
    const step = slots[i]!.inv.stepSize;
    let give = Math.min(slots[i]!.room, share);
    give -= give % step;
    out[i] = give;
    left -= give;
  });
  // Whatever rounding left over goes to the providers with room to spare.
  for (const i of [...order].reverse()) {
    if (left <= 0) break;
    const step = slots[i]!.inv.stepSize;
    const extra = Math.min(slots[i]!.room - out[i]!, left);
    const add = extra - (extra % step);
    out[i]! += add;
    left -= add;
  }
  if (left !== 0) return null;
  if (out.some((a, i) => a < slots[i]!.inv.minUnit)) return null;
  return out;
}

function* combinations<T>(xs: T[], k: number, max: number): Generator<T[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  let produced = 0;
  if (k > xs.length) return;
  for (;;) {
    yield idx.map((i) => xs[i]!);
    if (++produced >= max) return;
    let i = k - 1;
    while (i >= 0 && idx[i] === xs.length - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

function canServe(p: SnapshotProvider, snap: ProviderSnapshot, rc: string, amount: number): boolean {
  const inv = p.inventories.get(rc);
  return !!inv && unitsOk(inv, amount) && fits(inv, snap.used(p, rc), amount);
}

/** can_split: fewest providers first, then the most even split; stable otherwise. */
export function sortBySplitRank(table: CandidateTable): void {
  const n = table.count;
  const count = new Array<number>(n).fill(0);
  const spread = new Array<number>(n).fill(0);
  for (let c = 0; c < n; c++) {
    for (let g = 0; g < table.groupCount; g++) {
      count[c]! += table.splitCount[table.option(c, g)]!;
      spread[c]! += table.splitSpread[table.option(c, g)]!;
    }
  }
  const order = Array.from({ length: n }, (_, c) => c);
  order.sort((a, b) => count[a]! - count[b]! || spread[a]! - spread[b]!);
  const sorted = new IntList();
  for (const c of order) for (let g = 0; g < table.groupCount; g++) sorted.push(table.option(c, g));
  table.candidateOptions = sorted;
}
