// provider_summaries: which providers a result describes.
import type { CandidateTable } from './candidate-table.js';
import type { ProviderSnapshot, SnapshotProvider } from './snapshot.js';

/**
 * The providers to summarise, in snapshot order: before 1.29 those allocated from; from 1.29 on
 * every provider of each tree that a candidate allocates from or maps a group to.
 */
export function summarise(snap: ProviderSnapshot, table: CandidateTable, nestedAware: boolean): SnapshotProvider[] {
  const marked = new Uint8Array(snap.providers.length);
  // Options recur in many candidates; each is looked at once.
  const seen = new Uint8Array(table.optionCount);
  for (let n = 0; n < table.candidateOptions.length; n++) {
    const o = table.candidateOptions.at(n);
    if (seen[o]) continue;
    seen[o] = 1;
    for (let i = table.partStart[o]!; i < table.partEnd[o]!; i++) {
      const p = table.partProvider[i]!;
      marked[nestedAware ? p.root.index : p.index] = 1;
    }
    if (!nestedAware) continue;
    for (let i = table.providerStart[o]!; i < table.providerEnd[o]!; i++) marked[table.optionProviders[i]!.root.index] = 1;
  }
  const out: SnapshotProvider[] = [];
  for (const p of snap.providers) if (marked[nestedAware ? p.root.index : p.index]) out.push(p);
  return out;
}
