// The Placement API without a socket: `fetch` answered by the app in this process (fastify's
// inject). `vfnet agent --db` writes the provider tree through it, so the embedded store gets
// exactly the validation, generations and error bodies a `vfnet serve` would give over HTTP.
import type { PlacementStore } from '../store/port.js';
import { createPlacementApp } from './app.js';

/** The base URL requests are addressed to; anything after it is the API path. */
export const IN_PROCESS_URL = 'http://in-process';

export interface InProcessPlacement {
  fetch: typeof fetch;
  close(): Promise<void>;
}

export function inProcessPlacement(store: PlacementStore): InProcessPlacement {
  const app = createPlacementApp({ store, logger: false, corsAllowedOrigin: null });
  const answer = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const res = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: `${url.pathname}${url.search}`,
      headers,
      ...(init.body !== undefined && init.body !== null ? { payload: init.body as string } : {}),
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    // A 204 or 304 must not carry a body, even an empty one.
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : res.rawPayload, {
      status: res.statusCode,
      headers: out,
    });
  };
  return { fetch: answer as typeof fetch, close: () => app.close() };
}
