// `--auth keystone`: X-Auth-Token validated against Keystone v3, as keystonemiddleware's
// auth_token does it, with one difference on purpose.
//
// keystonemiddleware caches a validated token for token_cache_time (300 s) and no longer reads
// revocation lists, so a revoked token keeps working from its cache for up to five minutes.
// Here a cached token is trusted only while the revocation events Keystone publishes
// (GET /v3/OS-REVOKE/events) have been read within `revocationCheckSeconds`: reading them is
// one small request per interval whatever the traffic, and any event that may concern a cached
// token drops it, so the next request asks Keystone, which then refuses a revoked token.
// If the events cannot be read, nothing cached is trusted: every token is validated again.
// An entry also never outlives the token's own expires_at.
import { createHash } from 'node:crypto';
import type { Authenticator, AuthOutcome, Headers } from '../identity.js';
import { header } from '../identity.js';
import { TokenCache } from '../token-cache.js';
import { type FetchFn, KeystoneClient, KeystoneUnavailable } from './client.js';
import type { ServiceCredentials } from './credentials.js';
import { eventMayRevoke, parseTokenBody, type ValidatedToken } from './token-body.js';

export interface KeystoneOptions {
  credentials: ServiceCredentials;
  /** How long a validated token is reused without asking Keystone (keystonemiddleware: 300). */
  cacheSeconds?: number;
  /** Bound on cached tokens (valid and invalid). */
  maxCachedTokens?: number;
  /** How stale the revocation events may be before a cached token is trusted (0: read on every use). */
  revocationCheckSeconds?: number;
  timeoutMs?: number;
  fetch?: FetchFn;
  now?: () => number;
  /** Told, without secrets, when Keystone misbehaves (the server logs it). */
  warn?: (msg: string) => void;
}

type Cached = { valid: true; token: ValidatedToken } | { valid: false };

// Keystone's clock and ours differ; events are read from this much before the last read.
const CLOCK_SKEW_MS = 60_000;
// The service token is renewed this long before it expires, or at three quarters of its life
// when Keystone issues short-lived tokens.
const RENEW_MARGIN_MS = 60_000;

export class KeystoneAuthenticator implements Authenticator {
  readonly mode = 'keystone' as const;
  private readonly client: KeystoneClient;
  private readonly cache: TokenCache<Cached>;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly revocationMs: number;
  private service: { token: string; expiresAt: number; renewAt: number } | null = null;
  private servicePending: Promise<string> | null = null;
  private eventsReadAt: number | null = null;
  private eventsPending: Promise<void> | null = null;
  private readonly seenEvents = new Map<string, number>();

  constructor(private readonly opts: KeystoneOptions) {
    this.now = opts.now ?? Date.now;
    this.client = new KeystoneClient(
      opts.credentials,
      opts.fetch ?? (fetch as unknown as FetchFn),
      opts.timeoutMs ?? 10_000,
    );
    this.cache = new TokenCache(opts.maxCachedTokens ?? 10_000, this.now);
    this.cacheMs = (opts.cacheSeconds ?? 300) * 1000;
    this.revocationMs = (opts.revocationCheckSeconds ?? 10) * 1000;
  }

  async authenticate(headers: Headers): Promise<AuthOutcome> {
    const token = header(headers, 'x-auth-token');
    if (!token) return { ok: false, status: 401, reason: 'no x-auth-token' };
    const key = createHash('sha256').update(token).digest('hex');
    try {
      const cached = this.cache.get(key);
      if (cached && !cached.valid) return { ok: false, status: 401, reason: 'token not valid (cached)' };
      if (cached?.valid) {
        await this.refreshRevocations();
        const still = this.cache.get(key);
        if (still?.valid && still.token.expiresAt > this.now()) return { ok: true, identity: still.token.identity };
      }
      return await this.validate(key, token);
    } catch (e) {
      if (e instanceof KeystoneUnavailable) {
        this.opts.warn?.(e.message);
        return { ok: false, status: 503, reason: e.message };
      }
      throw e;
    }
  }

  private async validate(key: string, token: string): Promise<AuthOutcome> {
    let answer = await this.client.validate(await this.serviceToken(), token);
    if (answer === 'unauthorized') {
      this.service = null; // expired or revoked service token: get a new one, once
      answer = await this.client.validate(await this.serviceToken(), token);
      if (answer === 'unauthorized') throw new KeystoneUnavailable('identity service refuses the service token');
    }
    const now = this.now();
    if (answer === 'invalid') {
      this.cache.set(key, { valid: false }, now + this.cacheMs);
      return { ok: false, status: 401, reason: 'token not valid' };
    }
    const parsed = parseTokenBody(answer.body);
    if (!parsed || parsed.expiresAt <= now) return { ok: false, status: 401, reason: 'token not valid' };
    this.cache.set(key, { valid: true, token: parsed }, Math.min(parsed.expiresAt, now + this.cacheMs));
    return { ok: true, identity: parsed.identity };
  }

  private async serviceToken(): Promise<string> {
    if (this.service && this.service.renewAt > this.now()) return this.service.token;
    const asked = this.now();
    this.servicePending ??= this.client
      .serviceToken()
      .then((s) => {
        const margin = Math.min(RENEW_MARGIN_MS, (s.expiresAt - asked) / 4);
        this.service = { ...s, renewAt: s.expiresAt - margin };
        return s.token;
      })
      .finally(() => {
        this.servicePending = null;
      });
    return this.servicePending;
  }

  /** Reads the revocation events if the last read is older than the interval (one read at a time). */
  private async refreshRevocations(): Promise<void> {
    const now = this.now();
    if (this.eventsReadAt !== null && now - this.eventsReadAt < this.revocationMs && this.revocationMs > 0) return;
    this.eventsPending ??= this.readRevocations(now).finally(() => {
      this.eventsPending = null;
    });
    return this.eventsPending;
  }

  private async readRevocations(startedAt: number): Promise<void> {
    const since = new Date((this.eventsReadAt ?? startedAt - this.cacheMs) - CLOCK_SKEW_MS).toISOString();
    let events = await this.client.revocationEvents(await this.serviceToken(), since).catch((e: unknown) => e as Error);
    if (events === 'unauthorized') {
      this.service = null;
      events = await this.client.revocationEvents(await this.serviceToken(), since).catch((e: unknown) => e as Error);
    }
    if (!Array.isArray(events)) {
      // Unknown revocations: trust nothing cached, and try the events again next time.
      this.opts.warn?.(
        `cannot read revocation events, validating every token again: ${events === 'unauthorized' ? 'refused' : events.message}`,
      );
      this.cache.sweep((c) => c.valid);
      this.eventsReadAt = null;
      return;
    }
    for (const ev of events) {
      const id = JSON.stringify(ev);
      if (this.seenEvents.has(id)) continue;
      this.seenEvents.set(id, startedAt);
      this.cache.sweep((c) => c.valid && eventMayRevoke(ev, c.token));
    }
    // An event older than the read window will not come back; forget it.
    for (const [id, at] of this.seenEvents)
      if (at < startedAt - 2 * CLOCK_SKEW_MS - this.revocationMs) this.seenEvents.delete(id);
    this.eventsReadAt = startedAt;
  }
}
