// Which Placement rule guards a method and path, from the operations Placement documents for
// each rule. The route table names its rules itself; this is for callers that only have a URL
// (tests that replay Placement's RBAC files, tools that explain a refusal).
import { PLACEMENT_RULES, type PlacementRule } from './placement-rules.js';

interface Pattern {
  method: string;
  parts: string[];
  action: string;
}

function compile(rules: readonly PlacementRule[]): Pattern[] {
  return rules.flatMap((r) =>
    (r.operations ?? []).map((op) => ({ method: op.method, parts: op.path.split('/').slice(1), action: r.name })),
  );
}

const PATTERNS = compile(PLACEMENT_RULES);

/** The rule name for `method path` (path without query), or undefined (`/`, unknown routes). */
export function actionFor(method: string, path: string): string | undefined {
  const parts = path.replace(/\/+$/, '').split('/').slice(1);
  for (const p of PATTERNS) {
    if (p.method !== method || p.parts.length !== parts.length) continue;
    if (p.parts.every((seg, i) => seg.startsWith('{') || seg === parts[i])) return p.action;
  }
  return undefined;
}
