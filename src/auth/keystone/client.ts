// The three Keystone v3 calls vfnet makes: a service token by password, the validation of a
// caller's token with it (GET /v3/auth/tokens, X-Subject-Token), and the revocation events.
// No call ever puts a token or the password in an error message.
import type { ServiceCredentials } from './credentials.js';

export type FetchFn = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

export class KeystoneUnavailable extends Error {
  override name = 'KeystoneUnavailable';
}

/** The v3 root: `http://host:5000` and `http://host:5000/v3/` both become `http://host:5000/v3`. */
export function v3Root(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return u.endsWith('/v3') ? u : `${u}/v3`;
}

export class KeystoneClient {
  private readonly root: string;

  constructor(
    private readonly creds: ServiceCredentials,
    private readonly fetchFn: FetchFn,
    private readonly timeoutMs: number,
  ) {
    this.root = v3Root(creds.authUrl);
  }

  private async call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    try {
      const init: Parameters<FetchFn>[1] = {
        method,
        headers: { accept: 'application/json', ...headers },
        signal: AbortSignal.timeout(this.timeoutMs),
      };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers['content-type'] = 'application/json';
      }
      return await this.fetchFn(`${this.root}${path}`, init);
    } catch (e) {
      throw new KeystoneUnavailable(`identity service at ${this.root} unreachable: ${(e as Error).name}`);
    }
  }

  /** A project-scoped token for the service user, and when it expires (epoch ms). */
  async serviceToken(): Promise<{ token: string; expiresAt: number }> {
    const c = this.creds;
    const r = await this.call(
      'POST',
      '/auth/tokens?nocatalog',
      {},
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.username, domain: c.userDomain, password: c.password } },
          },
          scope: { project: { name: c.projectName, domain: c.projectDomain } },
        },
      },
    );
    const token = r.headers.get('x-subject-token');
    if (r.status !== 201 || !token) {
      throw new KeystoneUnavailable(
        `identity service refused the service credentials of ${c.username} (HTTP ${r.status})`,
      );
    }
    const body = (await r.json().catch(() => ({}))) as { token?: { expires_at?: string } };
    const expiresAt = Date.parse(body.token?.expires_at ?? '');
    return { token, expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt };
  }

  /** 'invalid' for a token Keystone does not accept (unknown, expired, revoked); 'unauthorized' when the service token itself is refused. */
  async validate(serviceToken: string, subject: string): Promise<{ body: unknown } | 'invalid' | 'unauthorized'> {
    const r = await this.call('GET', '/auth/tokens?nocatalog', {
      'x-auth-token': serviceToken,
      'x-subject-token': subject,
    });
    if (r.status === 200) return { body: await r.json() };
    if (r.status === 404) return 'invalid';
    if (r.status === 401 || r.status === 403) return 'unauthorized';
    throw new KeystoneUnavailable(`identity service answered HTTP ${r.status} to a token validation`);
  }

  /** Revocation events since `since` (ISO time); 'unauthorized' when the service token is refused. */
  async revocationEvents(
    serviceToken: string,
    since: string,
  ): Promise<Array<Record<string, unknown>> | 'unauthorized'> {
    const r = await this.call('GET', `/OS-REVOKE/events?since=${encodeURIComponent(since)}`, {
      'x-auth-token': serviceToken,
    });
    if (r.status === 401 || r.status === 403) return 'unauthorized';
    if (r.status !== 200)
      throw new KeystoneUnavailable(`identity service answered HTTP ${r.status} to the revocation events`);
    const body = (await r.json()) as { events?: unknown };
    return Array.isArray(body.events) ? (body.events as Array<Record<string, unknown>>) : [];
  }
}
