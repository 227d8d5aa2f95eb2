// One request's access decision, as Placement's handlers make it: the caller's identity from the
// authenticator, then `context.can(action, target)` against the policy.
import { type Identity, policyCredentials } from './identity.js';
import type { PolicyEnforcer, Target } from './policy/enforcer.js';
import { policyRefusal } from './refusals.js';

/**
 * Placement's default target when a handler gives none: the caller's own project and user
 * (placement/context.py). GET /usages passes `{project_id: <the query's project_id>}` instead.
 */
export function defaultTarget(id: Identity): Target {
  return { project_id: id.projectId, user_id: id.userId };
}

/** null when allowed, else the 403 Placement would send. */
export function checkPolicy(
  enforcer: PolicyEnforcer,
  action: string,
  id: Identity,
  target: Target = defaultTarget(id),
) {
  const d = enforcer.authorize(action, target, policyCredentials(id));
  return d.allowed ? null : policyRefusal(action);
}
