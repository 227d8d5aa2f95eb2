// Reads a Keystone v3 token (the body of GET /v3/auth/tokens) into the identity that
// keystonemiddleware's auth_token would put in the request headers: X-User-Id, X-User-Domain-Id,
// X-Project-Id, X-Project-Domain-Id, X-Domain-Id (domain-scoped), OpenStack-System-Scope
// (system-scoped), X-Roles, X-Is-Admin-Project.
import type { Identity } from '../identity.js';

/** A validated token as the cache holds it: the identity plus what revocation events refer to. */
export interface ValidatedToken {
  identity: Identity;
  expiresAt: number;
  issuedAt: number;
  auditIds: string[];
  roleIds: string[];
  trustId: string | null;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function parseTokenBody(body: unknown): ValidatedToken | null {
  const token = obj(obj(body)?.token);
  const user = obj(token?.user);
  const userId = str(user?.id);
  const expiresAt = Date.parse(str(token?.expires_at) ?? '');
  if (!token || !user || !userId || Number.isNaN(expiresAt)) return null;
  const project = obj(token.project);
  const domain = obj(token.domain);
  const system = obj(token.system);
  const roles = Array.isArray(token.roles) ? token.roles.map(obj).filter((r): r is Json => !!r) : [];
  const trust = obj(token['OS-TRUST:trust']);
  const identity: Identity = {
    userId,
    userDomainId: str(obj(user.domain)?.id),
    projectId: str(project?.id),
    projectDomainId: str(obj(project?.domain)?.id),
    domainId: str(domain?.id),
    // keystonemiddleware sets OpenStack-System-Scope to 'all' for a token scoped to the system.
    systemScope: system?.all === true ? 'all' : null,
    roles: roles.map((r) => str(r.name)).filter((n): n is string => !!n),
    // Absent unless Keystone is configured with an admin project; then oslo.context's default.
    isAdminProject: token.is_admin_project !== false,
  };
  const userName = str(user.name);
  if (userName) identity.userName = userName;
  const projectName = str(project?.name);
  if (projectName) identity.projectName = projectName;
  return {
    identity,
    expiresAt,
    issuedAt: Date.parse(str(token.issued_at) ?? '') || 0,
    auditIds: Array.isArray(token.audit_ids) ? token.audit_ids.filter((a): a is string => typeof a === 'string') : [],
    roleIds: roles.map((r) => str(r.id)).filter((n): n is string => !!n),
    trustId: str(trust?.id),
  };
}

/**
 * Whether a Keystone revocation event (GET /v3/OS-REVOKE/events) may concern this token.
 * It errs towards yes: a yes only drops the token from the cache, and the next request asks
 * Keystone again, which knows for certain.
 */
export function eventMayRevoke(event: Json, t: ValidatedToken): boolean {
  const issuedBefore = Date.parse(str(event.issued_before) ?? '');
  if (!Number.isNaN(issuedBefore) && t.issuedAt > issuedBefore) return false;
  const id = t.identity;
  const tests: Array<[string, (v: string) => boolean]> = [
    ['audit_id', (v) => t.auditIds.includes(v)],
    ['audit_chain_id', (v) => t.auditIds.includes(v)],
    ['user_id', (v) => v === id.userId],
    ['project_id', (v) => v === id.projectId],
    ['domain_id', (v) => v === id.userDomainId || v === id.projectDomainId || v === id.domainId],
    ['role_id', (v) => t.roleIds.includes(v)],
    ['trust_id', (v) => v === t.trustId],
  ];
  let named = false;
  for (const [field, matches] of tests) {
    const v = str(event[field]);
    if (v === null) continue;
    named = true;
    if (matches(v)) return true;
  }
  // An event naming nothing we know (say, only a consumer) might still be ours.
  return !named;
}
