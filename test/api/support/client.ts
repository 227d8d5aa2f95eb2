// A minimal Placement HTTP client for the tests: noauth token, a chosen microversion, raw bodies
// allowed (the bad-input suite sends text that is not JSON on purpose).
import { recordResponse } from '../../support/secret-audit.js';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** the parsed body, or undefined when it is empty or not JSON */
  json: any;
}

export interface RequestOptions {
  /** an object is sent as JSON; a string or Buffer is sent as it is */
  body?: unknown;
  /** the microversion; null sends no openstack-api-version header */
  version?: string | null;
  /** extra headers; null removes a default one (e.g. x-auth-token) */
  headers?: Record<string, string | null>;
}

export class PlacementClient {
  constructor(
    readonly url: string,
    readonly version = '1.39',
  ) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'x-auth-token': 'admin', accept: 'application/json' };
    const version = opts.version === undefined ? this.version : opts.version;
    if (version !== null) headers['openstack-api-version'] = `placement ${version}`;
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (v === null) delete headers[k];
      else headers[k] = v;
    }
    // A bound on every request, so a hung server fails a test instead of stalling the suite.
    const r = await fetch(this.url + path, { method, headers, body, signal: AbortSignal.timeout(120_000) });
    const text = await r.text();
    // Every error answer goes to the secret audit (test/support/secret-audit.ts).
    recordResponse(`${method} ${path}`, r.status, text);
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, headers: r.headers, text, json };
  }

  /** A request that must succeed; anything else throws with the server's answer. */
  async ok(method: string, path: string, opts: RequestOptions = {}): Promise<any> {
    const r = await this.request(method, path, opts);
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status} ${r.text.slice(0, 500)}`);
    return r.json;
  }
}
