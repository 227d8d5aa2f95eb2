// A time and memory budget for one candidate generation. Memory is estimated from the table's
// sizes (what the candidates and their answer will take), not measured: the heap is shared with
// every other request, and a per-request figure is what the bound is about.

import type { WorkBudget } from './candidate-request.js';
import type { CandidateTable } from './candidate-table.js';

/** Bytes per option (parts, providers, flags) and per candidate per group (its option index and its share of the JSON answer). */
const OPTION_BYTES = 200;
const CANDIDATE_GROUP_BYTES = 160;

export function estimatedBytes(table: CandidateTable): number {
  return table.optionCount * OPTION_BYTES + table.candidateOptions.length * CANDIDATE_GROUP_BYTES;
}

/** A budget of `ms` from now (by `now`, a monotonic clock) and `bytes` of estimated memory; 0 means no bound. */
export function timeAndMemoryBudget(ms: number, bytes: number, now: () => number): WorkBudget | null {
  if (ms <= 0 && bytes <= 0) return null;
  const deadline = ms > 0 ? now() + ms : Number.POSITIVE_INFINITY;
  return {
    spent: (table) => (bytes > 0 && estimatedBytes(table) > bytes) || (ms > 0 && now() > deadline),
  };
}
