// What the allocation-candidates engine is asked (request groups and the request's options, as
// the API layer has already parsed and validated them) and what it answers.
import type { CandidateTable } from './candidate-table.js';
import type { SnapshotProvider } from './snapshot.js';

export interface RequestGroup {
  /** '' for the unsuffixed group. */
  suffix: string;
  resources: Map<string, number>;
  /** Each inner list is an any-of set; a plain required trait is a set of one. */
  required: string[][];
  forbidden: string[];
  /** AND of OR-lists of aggregate UUIDs. */
  memberOf: string[][];
  forbiddenAggregates: string[];
  /** Provider UUID whose tree the group is restricted to; unknown UUIDs give no candidates. */
  inTree: string | null;
}

export interface CandidateRequest {
  groups: RequestGroup[];
  groupPolicy: 'none' | 'isolate' | null;
  limit: number | null;
  rootRequired: string[];
  rootForbidden: string[];
  sameSubtrees: string[][];
  /** Microversion 1.29+: a candidate may combine several providers of one tree. */
  nestedAware: boolean;
  /** vfnet's extension: classes whose amount may be spread over several providers of a tree. */
  canSplit: ReadonlySet<string>;
  /** A hard cap on generated candidates (Placement's max_allocation_candidates); null = none. */
  maxCandidates?: number | null;
}

export interface CandidateResult {
  candidates: CandidateTable;
  /** The request's group suffixes, in the order of each candidate's options (the `mappings` keys). */
  suffixes: string[];
  /** Providers to summarise, in snapshot order. */
  summaries: SnapshotProvider[];
}
