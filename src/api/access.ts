// Who may call the API, checked in the order Placement's middleware stack checks it, and before
// a request body is read (fastify's onRequest hook runs before the body parser): the Host
// header, then the token (401 without one, except for GET /), then, in the dispatcher, the
// route's policy rule. The identity found here is kept on the request for the policy check.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkPolicy, defaultTarget } from '../auth/access.js';
import { hostAllowed } from '../auth/hosts.js';
import { type Authenticator, authExempt, type Identity } from '../auth/identity.js';
import { noauth2Authenticator } from '../auth/noauth2.js';
import { DEFAULT_POLICY_DEFAULTS, PolicyEnforcer } from '../auth/policy/enforcer.js';
import {
  IDENTITY_UNAVAILABLE_BODY,
  KEYSTONE_UNAUTHORIZED_BODY,
  UNAUTHORIZED_BODY,
  wwwAuthenticate,
} from '../auth/refusals.js';
import { PlacementError } from '../placement/errors.js';
import type { Route } from './route-table.js';

export interface AccessOptions {
  authenticator: Authenticator;
  enforcer: PolicyEnforcer;
  /** Host names (lower case, no port) the server answers to; null: any (in-process use, tests). */
  allowedHosts: readonly string[] | null;
  /** Where a client gets a token, for WWW-Authenticate on a 401 (keystone mode). */
  authUri?: string;
}

/** Placement's test mode on the current defaults: what an app gets when nobody says otherwise. */
export function defaultAccess(): AccessOptions {
  return {
    authenticator: noauth2Authenticator(),
    enforcer: new PolicyEnforcer({ defaults: DEFAULT_POLICY_DEFAULTS }),
    allowedHosts: null,
  };
}

function one(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export interface AccessControl {
  /** Installs the Host and token checks (see installAccessChecks). */
  install(
    app: FastifyInstance,
    preflight: (req: FastifyRequest) => boolean,
    baseHeaders: (req: FastifyRequest) => Record<string, string>,
    publicPath?: (method: string, path: string) => boolean,
  ): void;
  /** Throws Placement's 403 unless the caller may use the route. */
  enforce(req: FastifyRequest, route: Route, query: Array<[string, string]>): void;
  /** Throws Placement's 403 unless the caller may perform `policy` (on the default target). */
  enforceRule(req: FastifyRequest, policy: string): void;
}

/** One app's access control; the identities it finds live as long as their requests. */
export function accessControl(access: AccessOptions): AccessControl {
  const identities = new WeakMap<FastifyRequest, Identity>();
  return {
    install: (app, preflight, baseHeaders, publicPath = () => false) =>
      installAccessChecks(app, access, identities, preflight, baseHeaders, publicPath),
    enforce: (req, route, query) => enforceRoutePolicy(access, identities.get(req), route, query),
    enforceRule: (req, policy) => enforceRule(access, identities.get(req), policy),
  };
}

/**
 * Installs the Host and token checks. `preflight` says whether a request is a CORS preflight,
 * which Placement's CORS middleware answers before authentication; `baseHeaders` gives the
 * headers every answer carries (request id, CORS), so refusals carry them too; `publicPath` names
 * the requests beside Placement's version document that need no token (GETs of the dashboard's
 * page shell).
 */
function installAccessChecks(
  app: FastifyInstance,
  access: AccessOptions,
  identities: WeakMap<FastifyRequest, Identity>,
  preflight: (req: FastifyRequest) => boolean,
  baseHeaders: (req: FastifyRequest) => Record<string, string>,
  publicPath: (method: string, path: string) => boolean,
): void {
  const refuse = (
    reply: FastifyReply,
    req: FastifyRequest,
    status: number,
    body: string,
    extra: Record<string, string> = {},
  ) => {
    reply.code(status).headers({ ...baseHeaders(req), ...extra, 'content-type': 'application/json' });
    // The connection cannot be reused: its unread body would be taken for the next request.
    if (req.headers['content-length'] || req.headers['transfer-encoding']) reply.header('connection', 'close');
    return reply.send(body);
  };
  app.addHook('onRequest', async (req, reply) => {
    if (access.allowedHosts && !hostAllowed(one(req.headers.host), access.allowedHosts)) {
      // Not the attacker's name back in the body: a fixed text.
      const e = new PlacementError(400, 'The Host header names no host this server answers to (see --allowed-host).');
      return refuse(
        reply,
        req,
        400,
        JSON.stringify({ errors: [{ status: 400, title: e.title, detail: e.detail, request_id: req.id }] }),
      );
    }
    const path = req.url.split('?')[0]!;
    if (authExempt(path) || publicPath(req.method, path) || preflight(req)) return;
    const outcome = await access.authenticator.authenticate(req.headers);
    if (outcome.ok) {
      identities.set(req, outcome.identity);
      return;
    }
    req.log.info({ reason: outcome.reason, status: outcome.status }, 'request refused');
    if (outcome.status === 503) return refuse(reply, req, 503, IDENTITY_UNAVAILABLE_BODY);
    // Each mode refuses in the shape of the middleware Placement would run: keystonemiddleware's
    // auth_token, or the noauth2 filter's plain webob 401.
    if (access.authenticator.mode === 'keystone') {
      return refuse(reply, req, 401, KEYSTONE_UNAUTHORIZED_BODY, {
        'www-authenticate': wwwAuthenticate(access.authUri),
      });
    }
    return refuse(reply, req, 401, UNAUTHORIZED_BODY);
  });
}

/**
 * The route's policy check, as a thrown 403 (Placement's handlers raise PolicyNotAuthorized).
 * GET /usages is checked against the project it asks about, like Placement's handler does.
 */
function enforceRoutePolicy(
  access: AccessOptions,
  id: Identity | undefined,
  route: Route,
  query: Array<[string, string]>,
): void {
  if (route.public) return;
  if (!route.policy) throw new Error(`route ${route.method} ${route.path} names no policy`);
  if (!id) throw new PlacementError(403, `Policy does not allow ${route.policy} to be performed.`);
  let target = defaultTarget(id);
  if (route.policy === 'placement:usages') {
    const asked = query.filter(([k]) => k === 'project_id').at(-1)?.[1];
    target = { project_id: asked ?? null };
  }
  const refusal = checkPolicy(access.enforcer, route.policy, id, target);
  if (refusal) throw new PlacementError(403, `Policy does not allow ${route.policy} to be performed.`);
}

/** One rule on the caller's own project and user: what the dashboard's data endpoints check. */
function enforceRule(access: AccessOptions, id: Identity | undefined, policy: string): void {
  const refusal = id ? checkPolicy(access.enforcer, policy, id, defaultTarget(id)) : true;
  if (refusal) throw new PlacementError(403, `Policy does not allow ${policy} to be performed.`);
}
