// Placement's noauth2 mode, as its test middleware (placement/auth.py NoAuthMiddleware) and
// oslo.context's from_environ() together behave:
// - no X-Auth-Token: 401; the token is `user[:project]`, project defaulting to the user;
// - roles: X-Roles when the header is there (split on commas, each trimmed; empty: none),
//   else `admin` for the user `admin`, else none;
// - the user always comes from the token (the middleware overwrites X-User-Id);
// - the project: a client's X-Project-Id wins (oslo reads it before X-Tenant-Id, which is where
//   the middleware puts the token's project); with OpenStack-System-Scope the middleware sets no
//   project, so only a client-sent X-Project-Id / X-Tenant-Id / X-Tenant gives one;
// - the domain headers and X-Is-Admin-Project pass through from the client.
// It trusts the caller completely, which is why the server allows it only on loopback.
import { type Authenticator, type AuthOutcome, type Headers, header, type Identity } from './identity.js';

export function noauth2Identity(headers: Headers): Identity | null {
  const token = header(headers, 'x-auth-token');
  if (token === undefined) return null;
  const colon = token.indexOf(':');
  const userId = colon < 0 ? token : token.slice(0, colon);
  const tokenProject = (colon < 0 ? '' : token.slice(colon + 1)) || userId;

  const rolesHeader = header(headers, 'x-roles');
  let roles: string[];
  if (rolesHeader !== undefined) roles = rolesHeader ? rolesHeader.split(',').map((r) => r.trim()) : [];
  else roles = userId === 'admin' ? ['admin'] : [];

  const systemScope = header(headers, 'openstack-system-scope');
  const clientProject =
    header(headers, 'x-project-id') ??
    (systemScope ? (header(headers, 'x-tenant-id') ?? header(headers, 'x-tenant')) : undefined);
  const projectId = clientProject ?? (systemScope ? null : tokenProject);

  return {
    userId,
    userDomainId: header(headers, 'x-user-domain-id') ?? null,
    projectId,
    projectDomainId: header(headers, 'x-project-domain-id') ?? null,
    domainId: header(headers, 'x-domain-id') ?? null,
    systemScope: systemScope || null,
    roles,
    isAdminProject: (header(headers, 'x-is-admin-project') ?? 'true').toLowerCase() === 'true',
  };
}

export function noauth2Authenticator(): Authenticator {
  return {
    mode: 'noauth2',
    async authenticate(headers: Headers): Promise<AuthOutcome> {
      const identity = noauth2Identity(headers);
      return identity ? { ok: true, identity } : { ok: false, status: 401, reason: 'no x-auth-token' };
    },
  };
}
