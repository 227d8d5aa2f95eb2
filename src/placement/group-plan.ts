// Per request group, what every anchor's option search needs, worked out once per request: the
// group's classes and amounts, its snapshot columns, its traits as columns, its in_tree root,
// which classes may be split, and whether an earlier group has the very same options.
import type { CandidateRequest, RequestGroup } from './candidate-request.js';
import type { ClassColumn, ProviderSnapshot, SnapshotProvider } from './snapshot.js';

/** A request group with what every anchor's search needs worked out once per request. */
export interface GroupPlan {
  group: RequestGroup;
  suffixed: boolean;
  /** The in_tree root, or null when the group has no in_tree. */
  treeRoot: SnapshotProvider | null;
  classes: string[];
  amounts: number[];
  /** Per class: its inventories and usages by provider position. */
  columns: ClassColumn[];
  /** The group's required (any-of lists) and forbidden traits as provider-position columns. */
  requiredTraits: Uint8Array[][];
  forbiddenTraits: Uint8Array[];
  /** Per class: may the amount be spread over several providers (can_split at 1.29+)? */
  split: boolean[];
  /** Per class: named by can_split at all (the ranking and the one-provider rule look at this). */
  splittable: boolean[];
  /** Unsuffixed groups with resources combine providers; the others need one provider (see `OptionBuilder`). */
  combines: boolean;
  /** Some class is split (only for groups that do not combine). */
  anySplit: boolean;
  /**
   * An earlier group whose options are the same as this one's (every field above but the suffix
   * is equal: e.g. one group per port of a VM), or -1. Its options are used again.
   */
  sameOptionsAs: number;
}

/** The plans of the request's groups, in order; null when some in_tree names an unknown provider (no candidates). */
export function planGroups(snap: ProviderSnapshot, req: CandidateRequest): GroupPlan[] | null {
  const plans: GroupPlan[] = [];
  const signatures: string[] = [];
  for (const g of req.groups) {
    const root = treeRootOf(snap, g);
    if (root === null) return null;
    const plan = planOf(snap, g, root ?? null, req);
    const signature = optionsSignature(plan);
    plan.sameOptionsAs = signatures.indexOf(signature);
    signatures.push(signature);
    plans.push(plan);
  }
  return plans;
}

function planOf(snap: ProviderSnapshot, g: RequestGroup, treeRoot: SnapshotProvider | null, req: CandidateRequest): GroupPlan {
  const classes = [...g.resources.keys()];
  const split = classes.map((rc) => req.nestedAware && req.canSplit.has(rc));
  const combines = g.suffix === '' && g.resources.size > 0;
  return {
    group: g, suffixed: g.suffix !== '', treeRoot, classes,
    amounts: classes.map((rc) => g.resources.get(rc)!),
    columns: classes.map((rc) => snap.classColumn(rc)),
    requiredTraits: g.required.map((anyOf) => anyOf.map((t) => snap.traitColumn(t))),
    forbiddenTraits: g.forbidden.map((t) => snap.traitColumn(t)),
    split, splittable: classes.map((rc) => req.canSplit.has(rc)),
    combines, anySplit: !combines && split.includes(true), sameOptionsAs: -1,
  };
}

/** Everything a group's options depend on (besides the snapshot and the anchor), as text. */
function optionsSignature(plan: GroupPlan): string {
  const g = plan.group;
  return JSON.stringify([plan.treeRoot?.index ?? null, plan.classes, plan.amounts, plan.split, plan.splittable,
    plan.combines, g.required, g.forbidden, g.memberOf, g.forbiddenAggregates]);
}

/** undefined = no in_tree; null = in_tree names an unknown provider (no candidates). */
function treeRootOf(snap: ProviderSnapshot, g: RequestGroup): SnapshotProvider | null | undefined {
  if (g.inTree === null) return undefined;
  return snap.get(g.inTree)?.root ?? null;
}
