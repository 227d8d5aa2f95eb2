// Who is calling: what Placement's request context holds after keystonemiddleware (or the
// noauth2 test middleware) has run, and the policy credentials oslo.context derives from it.

export interface Identity {
  userId: string;
  userName?: string;
  userDomainId: string | null;
  projectId: string | null;
  projectName?: string;
  projectDomainId: string | null;
  /** Set for a domain-scoped token. */
  domainId: string | null;
  /** 'all' for a system-scoped token. */
  systemScope: string | null;
  roles: string[];
  isAdminProject: boolean;
}

/** Request headers as Node gives them: lower-case names. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** oslo.context's to_policy_values(): what policy checks such as role: and project_id: read. */
export function policyCredentials(id: Identity): Record<string, unknown> {
  return {
    user_id: id.userId,
    user_domain_id: id.userDomainId,
    system_scope: id.systemScope,
    domain_id: id.domainId,
    project_id: id.projectId,
    project_domain_id: id.projectDomainId,
    roles: id.roles,
    is_admin_project: id.isAdminProject,
  };
}

/** The result of authenticating one request. */
export type AuthOutcome =
  | { ok: true; identity: Identity }
  /** 401: no token, or one that is not (or no longer) valid. `reason` is for the log, never the token. */
  | { ok: false; status: 401; reason: string }
  /** 503: the identity service could not be asked (keystonemiddleware answers the same). */
  | { ok: false; status: 503; reason: string };

export interface Authenticator {
  /** The mode's name, for the start banner and the log. */
  readonly mode: 'noauth2' | 'token' | 'keystone';
  authenticate(headers: Headers): Promise<AuthOutcome>;
}

/** Placement lets `GET /` (the version document) through without a token. */
export function authExempt(path: string): boolean {
  return path === '/' || path === '';
}
