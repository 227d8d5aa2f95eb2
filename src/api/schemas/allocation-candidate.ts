// The query of GET /allocation_candidates, in Placement's bands (GET_SCHEMA_1_10 ... 1_36) plus
// vfnet's can_split from 1.29 (design §5.3).
import { MV, VFNET, type Microversion } from '../microversion.js';
import type { Schema, Versioned } from './common.js';

/** The schema as it stands at `since`; built once per band at load. */
function querySchema(since: Microversion): Schema {
  const str = { type: 'string' };
  const props: Record<string, unknown> = { resources: str };
  if (since >= MV.CANDIDATES_LIMIT) props.limit = { type: 'string', pattern: '^[1-9][0-9]*$' };
  if (since >= MV.CANDIDATES_REQUIRED) props.required = str;
  if (since >= MV.CANDIDATES_MEMBER_OF) props.member_of = str;
  let s: Schema;
  if (since < MV.GRANULAR_GROUPS) {
    s = { type: 'object', properties: props, required: ['resources'], additionalProperties: false };
  } else {
    // From 1.25 the group keys are patterns: `resources`, `resources1`, and (1.33) `resources_X`.
    const suffix = since >= MV.STRING_SUFFIXES ? '([a-zA-Z0-9_-]{1,64})?' : '([1-9][0-9]*)?';
    const keys = ['resources', 'required', 'member_of', ...(since >= MV.CANDIDATES_IN_TREE ? ['in_tree'] : [])];
    const patternProperties = Object.fromEntries(keys.map((k) => [`^${k}${suffix}$`, str]));
    const properties: Record<string, unknown> = {
      group_policy: { type: 'string', enum: ['none', 'isolate'] },
      limit: { type: 'string', pattern: '^[1-9][0-9]*$' },
    };
    if (since >= MV.ROOT_REQUIRED) properties.root_required = str;
    if (since >= MV.SAME_SUBTREE) properties.same_subtree = str;
    s = { type: 'object', properties, patternProperties, additionalProperties: false };
  }
  if (since >= VFNET.CAN_SPLIT) (s.properties as Record<string, unknown>).can_split = str;
  return s;
}

export const GET_ALLOCATION_CANDIDATES: Versioned = [
  MV.ALLOCATION_CANDIDATES, MV.CANDIDATES_LIMIT, MV.CANDIDATES_REQUIRED, MV.CANDIDATES_MEMBER_OF,
  MV.GRANULAR_GROUPS, VFNET.CAN_SPLIT, MV.CANDIDATES_IN_TREE, MV.STRING_SUFFIXES, MV.ROOT_REQUIRED, MV.SAME_SUBTREE,
].map((since) => [since, querySchema(since)] as const);
