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
  /** The order trees are visited in when a cap or limit cuts the answer (Placement's allocation_candidates_generation_strategy). */
  strategy?: 'depth-first' | 'breadth-first';
  /** Time and memory the generation may take; once spent, the answer holds what was found. */
  budget?: WorkBudget | null;
}

/** A bound on one generation's work, looked at every few thousand steps of the search. */
export interface WorkBudget {
  spent(table: CandidateTable): boolean;
}

export interface CandidateResult {
  candidates: CandidateTable;
  /** The request's group suffixes, in the order of each candidate's options (the `mappings` keys). */
  suffixes: string[];
  /** Providers to summarise, in snapshot order. */
  summaries: SnapshotProvider[];
  /** Why the generation stopped short of every candidate: the cap (max_allocation_candidates) or the budget; null otherwise (a limit is not a truncation). */
  truncated: 'cap' | 'budget' | null;
}
