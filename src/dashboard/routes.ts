// The dashboard's HTTP face, an extension of the Placement app (src/api/app.ts) composed by
// `vfnet serve`: the page shell (HTML, CSS, the bundled script; no data, so no token, as
// Placement's version document), and two data endpoints under the API's own rules: the token
// checked by the app before any route (401), then the policy rules of the GETs that show the
// same data (403 in Placement's body), so the dashboard shows nobody more than the API would.
//   GET /dashboard/api/state    the view model (view-model.ts) as JSON
//   GET /dashboard/api/events   the same, as a text/event-stream of `state` events (live-feed.ts)
// Candidates are asked of GET /allocation_candidates itself by the page.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppExtension, ExtensionApi } from '../api/app.js';
import { type FeedClient, LiveFeed } from './live-feed.js';
import { PAGE_CSS, pageHtml } from './page-shell.js';
import { dashboardView } from './state.js';

/**
 * The rules of GET /resource_providers, .../inventories, .../usages, .../traits, .../allocations,
 * and GET /allocations/{consumer} (a holder's project and user: a container's network).
 */
export const DASHBOARD_POLICIES = [
  'placement:resource_providers:list',
  'placement:resource_providers:inventories:list',
  'placement:resource_providers:usages',
  'placement:resource_providers:traits:list',
  'placement:resource_providers:allocations:list',
  'placement:allocations:list',
] as const;

export interface DashboardOptions {
  /** How often the change counter is read while a page watches. */
  pollMs?: number;
  heartbeatMs?: number;
  maxClients?: number;
  stallMs?: number;
  /** The bundled page script; default: dist/dashboard/app.js, built by scripts/build.mjs. */
  script?: string | null;
  /** noauth2 only: the token the page sends until one is typed in (a name there, not a secret). */
  noauthToken?: string | null;
  onError?: (e: unknown) => void;
}

const SHELL_PATHS = new Set(['/dashboard', '/dashboard/', '/dashboard/app.js', '/dashboard/app.css']);

/** No inline script or style, nothing from elsewhere, no framing, no form posts. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SHELL_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/**
 * Where the build put the page script: beside the transpiled sources (dist/src/dashboard/routes.js
 * → dist/dashboard/app.js), or, for vfnet compiled into one executable (deploy/compile-vfnet.sh:
 * the Debian package, the image), in ../lib/vfnet/dashboard/ beside the executable.
 */
function bundledScript(): string | null {
  const places = [
    new URL('../../dashboard/app.js', import.meta.url),
    join(dirname(process.execPath), '..', 'lib', 'vfnet', 'dashboard', 'app.js'),
  ];
  for (const place of places) {
    try {
      return readFileSync(place, 'utf8');
    } catch {
      // the next place
    }
  }
  return null;
}

export function dashboardExtension(o: DashboardOptions = {}): AppExtension & { feed(): LiveFeed | null } {
  let feed: LiveFeed | null = null;
  return {
    publicPath: (path) => SHELL_PATHS.has(path),
    feed: () => feed,
    install(app: FastifyInstance, api: ExtensionApi) {
      const script = o.script === undefined ? bundledScript() : o.script;
      const onError = o.onError ?? ((e) => app.log.error({ err: e }, 'dashboard: reading the state failed'));
      const render = async () => {
        const h = await api.store.holdings();
        return { counter: h.counter, json: JSON.stringify(dashboardView(h)) };
      };
      const live = new LiveFeed({
        counter: () => api.store.changeCounter(),
        render,
        pollMs: o.pollMs ?? 200,
        heartbeatMs: o.heartbeatMs ?? 15_000,
        maxClients: o.maxClients ?? 32,
        stallMs: o.stallMs ?? 30_000,
        onError,
        timers: {
          setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
          clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
          now: Date.now,
        },
      });
      feed = live;
      app.addHook('onClose', async () => live.closeAll());

      const html = pageHtml(o.noauthToken ?? null);
      const page = (_: unknown, reply: import('fastify').FastifyReply) =>
        reply.headers({ ...SHELL_HEADERS, 'content-type': 'text/html; charset=utf-8' }).send(html);
      app.get('/dashboard', page);
      app.get('/dashboard/', page);
      app.get('/dashboard/app.css', (_, reply) =>
        reply.headers({ ...SHELL_HEADERS, 'content-type': 'text/css; charset=utf-8' }).send(PAGE_CSS),
      );
      app.get('/dashboard/app.js', (req, reply) => {
        if (script === null) return api.sendError(req, reply, 404, 'The dashboard script is not part of this build.');
        return reply.headers({ ...SHELL_HEADERS, 'content-type': 'text/javascript; charset=utf-8' }).send(script);
      });

      app.get('/dashboard/api/state', async (req, reply) => {
        if (!api.guard(req, reply, DASHBOARD_POLICIES)) return reply;
        const { json } = await render();
        return reply.headers({ 'content-type': 'application/json', 'cache-control': 'no-store' }).send(json);
      });

      app.get('/dashboard/api/events', (req, reply) => {
        if (!api.guard(req, reply, DASHBOARD_POLICIES)) return reply;
        if (live.size >= (o.maxClients ?? 32)) {
          reply.header('retry-after', '5');
          return api.sendError(
            req,
            reply,
            503,
            'The dashboard has as many live pages open as it serves; try again later.',
          );
        }
        const res = reply.raw;
        reply.hijack();
        res.writeHead(200, {
          ...(reply.getHeaders() as Record<string, string>),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          // A buffering proxy would hold the updates back.
          'x-accel-buffering': 'no',
        });
        res.flushHeaders();
        const client: FeedClient = {
          write: (chunk) => res.write(chunk),
          onDrain: (cb) => res.once('drain', cb),
          close: () => res.end(),
        };
        res.on('close', () => live.remove(client));
        // Full since the check above (another page came in between): end, the page retries.
        if (!live.add(client)) res.end();
      });
    },
  };
}
