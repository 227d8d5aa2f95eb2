// The Placement-compatible HTTP application. Fastify does the HTTP; every request then passes
// the same stages as in Placement: the Host check and authentication (access.ts, before the body
// is read), request id, CORS, microversion negotiation, the content-length/content-type rule,
// routing (404/405, from route-table.ts), the version gate of the method, media-type checks, the
// route's policy rule, and the handler.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PlacementError } from '../placement/errors.js';
import type { PlacementStore } from '../store/port.js';
import { type AccessOptions, accessControl, defaultAccess } from './access.js';
import { boundedBodyParser, RejectedBody } from './body-reader.js';
import { type AnswerBytes, BufferPool } from './byte-writer.js';
import { clientErrorAnswer, guardConnections, httpServerOptions } from './connection-guard.js';
import { type Ctx, httpDate, parseJson, RawJson } from './context.js';
import { mayHoldSurrogateEscape, rejectLoneSurrogates } from './json-guard.js';
import { SchemaValidator } from './json-schema.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.js';
import { atLeast, type Microversion, MV, parseVersionHeader, type Version, versionString } from './microversion.js';
import { type Method, ROUTES, type Route } from './route-table.js';
import { SnapshotBytesCache } from './snapshot-bytes.js';

export interface PlacementAppOptions {
  store: PlacementStore;
  /** A pino logger (fastify's), or false for none. */
  logger?: FastifyBaseLogger | false;
  /** Enables CORS for exactly this origin; otherwise OPTIONS is a 405 like any unknown method. */
  corsAllowedOrigin?: string | null;
  /** Extra headers CORS allows (Placement's test configuration allows openstack-api-version). */
  corsAllowedHeaders?: string[];
  /** Authentication, policy and Host names; default: noauth2 on the secure defaults, any Host. */
  access?: AccessOptions;
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Bounds on each request's work and on connections (limits.ts); DEFAULT_LIMITS for what is not given. */
  limits?: Partial<RequestLimits>;
  /** Routes beside Placement's (the dashboard), composed by the CLI: the API knows none of them. */
  extensions?: readonly AppExtension[];
}

/** What the app lends an extension's routes: the API's own access rules and error bodies. */
export interface ExtensionApi {
  /**
   * Checks each policy rule for the caller (whose token the app's onRequest hook already
   * checked: 401 before this) and answers Placement's 403 when one is refused; false then, and
   * the route must not answer. Also negotiates the microversion, as a Placement GET does.
   */
  guard(req: FastifyRequest, reply: FastifyReply, policies: readonly string[]): boolean;
  /** Answers with Placement's error body (status, title, detail, code, request_id). */
  sendError(req: FastifyRequest, reply: FastifyReply, status: number, detail: string): FastifyReply;
  readonly store: PlacementStore;
}

export interface AppExtension {
  /** Paths whose GET needs no token (static files without data); everything else passes the token check. */
  publicPath(path: string): boolean;
  install(app: FastifyInstance, api: ExtensionApi): void;
}

/** The methods of one path, in the route table's order (the order of a 405's `allow`). */
type PathMethods = ReadonlyMap<Method, Route>;

function byPath(routes: readonly Route[]): Map<string, Map<Method, Route>> {
  const out = new Map<string, Map<Method, Route>>();
  for (const r of routes) {
    let methods = out.get(r.path);
    if (!methods) out.set(r.path, (methods = new Map()));
    methods.set(r.method, r);
  }
  return out;
}

const ALL_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'] as const;

/** True when `accept` admits `type` (RFC 7231 media ranges, q > 0). */
function accepts(accept: string | undefined, type: string): boolean {
  if (!accept) return true;
  const [major] = type.split('/');
  return accept.split(',').some((range) => {
    const [media, ...params] = range
      .trim()
      .split(';')
      .map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) <= 0) return false;
    return media === type || media === '*/*' || media === `${major}/*`;
  });
}

/** webob renders errors as HTML when the client prefers text/html over JSON. */
function wantsHtml(accept: string | undefined): boolean {
  if (!accept || accept.trim() === '*/*') return false;
  const first = accept.split(',').map((r) => r.trim().split(';')[0]!.trim());
  const html = first.indexOf('text/html');
  const json = first.findIndex((m) => m === 'application/json' || m === 'application/*');
  return html !== -1 && (json === -1 || html < json);
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function parseQuery(url: string): Array<[string, string]> {
  const i = url.indexOf('?');
  if (i < 0) return [];
  return [...new URLSearchParams(url.slice(i + 1))];
}

export function createPlacementApp(opts: PlacementAppOptions): FastifyInstance {
  const schemas = new SchemaValidator();
  const bufferPool = new BufferPool();
  const snapshotBytes = new SnapshotBytesCache();
  const store = opts.store;
  const access = accessControl(opts.access ?? defaultAccess());
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const fastifyOpts: Record<string, unknown> = {
    genReqId: () => `req-${randomUUID()}`,
    requestIdHeader: false,
    routerOptions: { maxParamLength: 10000 },
    bodyLimit: limits.maxBodyBytes,
    // Fastify sets these two on the server itself, over http's.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: httpServerOptions(limits),
    exposeHeadRoutes: false,
    return503OnClosing: false,
    // Node's parser rejects a non-integer content-length before fastify sees the request.
    clientErrorHandler: (err: Error & { code?: string }, socket: import('node:net').Socket) => {
      if (!socket.writable) return;
      const e = clientErrorAnswer(err.code);
      const body = JSON.stringify({
        errors: [
          {
            status: e.status,
            title: e.title,
            detail: e.detail,
            code: 'placement.undefined_code',
            request_id: `req-${randomUUID()}`,
          },
        ],
      });
      socket.end(
        `HTTP/1.1 ${e.status} ${e.title}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  };
  if (opts.logger) fastifyOpts.loggerInstance = opts.logger;
  if (opts.tls) fastifyOpts.https = { cert: opts.tls.cert, key: opts.tls.key };
  const app = Fastify(fastifyOpts);

  app.removeAllContentTypeParsers();
  // Bodies are read within the limits, after the onRequest hooks, and decoded strictly (body-reader.ts).
  app.addContentTypeParser('*', boundedBodyParser(limits));
  guardConnections(app.server, limits);
  // Checked before a body is read: a long target (414).
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.length > limits.maxUrlBytes) {
      return sendError(
        req,
        reply,
        new PlacementError(414, `Limit: ${limits.maxUrlBytes} bytes.`),
        { 'x-openstack-request-id': req.id },
        null,
      );
    }
    // Who may send a body at all is access.ts's onRequest hook (installed below): it answers 401
    // before any body is read.
  });

  const send = (
    reply: FastifyReply,
    status: number,
    headers: Record<string, string>,
    payload?: string | AnswerBytes,
    contentType = 'application/json',
  ) => {
    reply.code(status);
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    if (payload === undefined) return reply.send();
    reply.header('content-type', contentType);
    if (typeof payload === 'string') return reply.send(Buffer.from(payload));
    // 'close' comes after the last byte was handed to the socket, or when the connection is gone.
    reply.raw.once('close', payload.release);
    return reply.send(payload.bytes);
  };

  const sendError = (
    req: FastifyRequest,
    reply: FastifyReply,
    e: PlacementError,
    headers: Record<string, string>,
    version: Version | null,
  ) => {
    const accept = headerValue(req.headers.accept);
    const h = { ...headers, ...e.headers };
    if (wantsHtml(accept)) {
      const html = `<html>\n <head>\n  <title>${e.status} ${e.title}</title>\n </head>\n <body>\n  <h1>${e.status} ${e.title}</h1>\n  ${e.detail.replace(/&/g, '&amp;').replace(/</g, '&lt;')}<br /><br />\n\n\n\n </body>\n</html>`;
      return send(reply, e.status, h, html, 'text/html; charset=UTF-8');
    }
    const { noCode, ...extra } = e.extra as { noCode?: boolean } & Record<string, unknown>;
    const err: Record<string, unknown> = { status: e.status, title: e.title, detail: e.detail, request_id: req.id };
    if (!noCode && version && atLeast(version, MV.ERROR_CODES)) err.code = e.code;
    Object.assign(err, extra);
    return send(reply, e.status, h, JSON.stringify({ errors: [err] }));
  };

  const cors = !!opts.corsAllowedOrigin;
  const isPreflight = (req: FastifyRequest) =>
    cors && req.method === 'OPTIONS' && !!req.headers['access-control-request-method'];
  const baseHeaders = (req: FastifyRequest): Record<string, string> => {
    const h: Record<string, string> = { 'x-openstack-request-id': req.id };
    if (cors && headerValue(req.headers.origin) === opts.corsAllowedOrigin)
      h['access-control-allow-origin'] = opts.corsAllowedOrigin!;
    return h;
  };
  const extensions = opts.extensions ?? [];
  // Only GETs: a body sent to a public path is refused (401) before it is read, as anywhere else.
  access.install(
    app,
    isPreflight,
    baseHeaders,
    (method, path) => method === 'GET' && extensions.some((x) => x.publicPath(path)),
  );

  const dispatch = async (route: PathMethods | null, req: FastifyRequest, reply: FastifyReply) => {
    const headers = baseHeaders(req);
    const method = req.method.toUpperCase();
    const origin = headerValue(req.headers.origin);
    if (cors && origin === opts.corsAllowedOrigin) {
      if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
        const allowHeaders = opts.corsAllowedHeaders ?? ['openstack-api-version'];
        const requested = (headerValue(req.headers['access-control-request-headers']) ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean);
        headers['access-control-allow-methods'] = 'GET, PUT, POST, DELETE, PATCH';
        if (requested.length)
          headers['access-control-allow-headers'] = requested.filter((r) => allowHeaders.includes(r)).join(',');
        return send(reply, 200, headers, '');
      }
    } else if (cors && method === 'OPTIONS' && req.headers['access-control-request-method']) {
      return send(reply, 200, headers, '');
    }

    let version: Version;
    try {
      version = parseVersionHeader(headerValue(req.headers['openstack-api-version']));
    } catch (e) {
      if (e instanceof PlacementError) return sendError(req, reply, e, headers, null);
      throw e;
    }
    headers['openstack-api-version'] = `placement ${versionString(version)}`;
    headers.vary = 'openstack-api-version';

    try {
      const clen = headerValue(req.headers['content-length']);
      if (clen && Number(clen) > 0 && !req.headers['content-type']) {
        throw new PlacementError(400, 'content-type header required when content-length > 0');
      }
      if (!route) throw new PlacementError(404, '');
      const spec = route.get(method as Method);
      if (!spec) {
        const allow = [...route.keys()].join(', ');
        throw new PlacementError(
          405,
          `The method ${method} is not allowed for this resource.\n\n The method specified is not allowed for this resource.`,
          undefined,
          { headers: { allow }, rawDetail: true },
        );
      }
      if (spec.since !== undefined && !atLeast(version, spec.since)) {
        if (spec.belowSince === 405) {
          throw new PlacementError(
            405,
            `The method ${method} is not allowed for this resource.\n\n The method specified is not allowed for this resource.`,
            undefined,
            { rawDetail: true },
          );
        }
        throw new PlacementError(404, '');
      }
      const accept = headerValue(req.headers.accept);
      if (method === 'GET' && !accepts(accept, 'application/json')) {
        throw new PlacementError(406, 'Only application/json is provided', undefined, { rawDetail: false });
      }
      const needsJson = spec.jsonBody || (spec.jsonBodyBelow !== undefined && !atLeast(version, spec.jsonBodyBelow));
      if (needsJson) {
        const ct = (headerValue(req.headers['content-type']) ?? '').split(';')[0]!.trim();
        if (ct !== 'application/json') {
          throw new PlacementError(415, `The media type ${ct || 'None'} is not supported, use application/json`);
        }
      }
      const query = parseQuery(req.url);
      access.enforce(req, spec, query);
      if (req.body instanceof RejectedBody && req.body.status === 413) throw new PlacementError(413, req.body.detail);
      const rawBody = typeof req.body === 'string' ? req.body : undefined;
      const ctx: Ctx = {
        version,
        atLeast: (mv: Microversion) => atLeast(version, mv),
        params: req.params as Record<string, string>,
        query,
        rawBody,
        headers: req.headers,
        store,
        schemas,
        bufferPool,
        snapshotBytes,
        limits,
        json: () => {
          if (req.body instanceof RejectedBody) throw new PlacementError(req.body.status, req.body.detail);
          const value = parseJson(rawBody);
          if (rawBody !== undefined && mayHoldSurrogateEscape(rawBody)) rejectLoneSurrogates(value);
          return value;
        },
      };
      const out = await spec.handler(ctx);
      const h = { ...headers, ...(out.headers ?? {}) };
      // Placement's locations are absolute (wsgiref's application_uri).
      if (h.location?.startsWith('/'))
        h.location = `${opts.tls ? 'https' : 'http'}://${headerValue(req.headers.host) ?? 'localhost'}${h.location}`;
      if (atLeast(version, MV.LAST_MODIFIED) && out.lastModified !== undefined) {
        h['last-modified'] = httpDate(out.lastModified === 'now' ? Date.now() : out.lastModified);
        h['cache-control'] = 'no-cache';
      }
      const text =
        out.body === undefined ? undefined : out.body instanceof RawJson ? out.body.json : JSON.stringify(out.body);
      return send(reply, out.status, h, text);
    } catch (e) {
      if (e instanceof PlacementError) return sendError(req, reply, e, headers, version);
      req.log.error({ err: e }, 'unexpected error');
      return sendError(req, reply, new PlacementError(500, 'An unexpected error occurred.'), headers, version);
    }
  };

  const extensionApi: ExtensionApi = {
    store,
    guard: (req, reply, policies) => {
      const headers = baseHeaders(req);
      let version: Version | null = null;
      try {
        version = parseVersionHeader(headerValue(req.headers['openstack-api-version']));
        for (const p of policies) access.enforceRule(req, p);
        reply.headers(headers);
        return true;
      } catch (e) {
        if (!(e instanceof PlacementError)) throw e;
        sendError(req, reply, e, headers, version);
        return false;
      }
    },
    sendError: (req, reply, status, detail) => {
      const version = (() => {
        try {
          return parseVersionHeader(headerValue(req.headers['openstack-api-version']));
        } catch {
          return null;
        }
      })();
      return sendError(req, reply, new PlacementError(status, detail), baseHeaders(req), version);
    },
  };
  for (const x of extensions) x.install(app, extensionApi);

  // Each path takes every method, so that a known path with an unknown method is our 405.
  for (const [path, methods] of byPath(ROUTES)) {
    app.route({ method: [...ALL_METHODS], url: path, handler: (req, reply) => dispatch(methods, req, reply) });
  }
  app.setNotFoundHandler((req, reply) => dispatch(null, req, reply));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return sendError(req, reply, new PlacementError(status, err.message), { 'x-openstack-request-id': req.id }, null);
  });
  return app;
}
