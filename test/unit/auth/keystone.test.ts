// The Keystone authenticator against an in-memory Keystone that speaks the three calls:
// password tokens, token validation, revocation events. The real Keystone is in test/identity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeystoneAuthenticator } from '../../../src/auth/keystone/authenticator.js';
import type { FetchFn } from '../../../src/auth/keystone/client.js';
import { parseCredentialsFile } from '../../../src/auth/keystone/credentials.js';
import { parseTokenBody } from '../../../src/auth/keystone/token-body.js';

const PASSWORD = 'service-password-123';
const HOUR = 3600_000;

class FakeKeystone {
  now = Date.parse('2026-01-01T00:00:00Z');
  tokens = new Map<string, Record<string, unknown>>();
  events: Array<Record<string, unknown>> = [];
  calls: string[] = [];
  down = false;
  eventsForbidden = false;
  private n = 0;

  issue(user: string, extra: Record<string, unknown> = {}, ttl = HOUR): string {
    const t = `tok-${++this.n}-${user}`;
    this.tokens.set(t, {
      user: { id: `${user}-id`, name: user, domain: { id: 'default', name: 'Default' } },
      project: { id: `${user}-project`, name: 'p', domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r-reader', name: 'reader' }],
      issued_at: new Date(this.now).toISOString(),
      expires_at: new Date(this.now + ttl).toISOString(),
      audit_ids: [`audit-${this.n}`],
      ...extra,
    });
    return t;
  }

  revoke(t: string): void {
    const body = this.tokens.get(t)!;
    this.tokens.delete(t);
    this.events.push({ audit_id: (body.audit_ids as string[])[0], issued_before: new Date(this.now).toISOString() });
  }

  fetch: FetchFn = async (url, init) => {
    const u = new URL(url);
    this.calls.push(`${init.method} ${u.pathname}`);
    if (this.down) throw new TypeError('fetch failed');
    const reply = (status: number, body: unknown = {}, headers: Record<string, string> = {}) => ({
      status,
      headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
      json: async () => body,
    });
    const valid = (t: string | undefined) => {
      const b = t ? this.tokens.get(t) : undefined;
      return b && Date.parse(b.expires_at as string) > this.now ? b : undefined;
    };
    if (init.method === 'POST' && u.pathname === '/v3/auth/tokens') {
      const body = JSON.parse(init.body!);
      if (body.auth.identity.password.user.password !== PASSWORD) return reply(401);
      const t = this.issue('placement', { roles: [{ id: 'r-service', name: 'service' }] });
      return reply(201, { token: this.tokens.get(t) }, { 'x-subject-token': t });
    }
    if (!valid(init.headers['x-auth-token'])) return reply(401);
    if (u.pathname === '/v3/auth/tokens') {
      const b = valid(init.headers['x-subject-token']);
      return b ? reply(200, { token: b }) : reply(404);
    }
    if (u.pathname === '/v3/OS-REVOKE/events')
      return this.eventsForbidden ? reply(403) : reply(200, { events: this.events });
    return reply(404);
  };
}

function setup(over: Partial<ConstructorParameters<typeof KeystoneAuthenticator>[0]> = {}) {
  const ks = new FakeKeystone();
  const warnings: string[] = [];
  const credentials = parseCredentialsFile(
    `auth_url: http://keystone.test:5000/\nusername: placement\npassword: ${PASSWORD}\nproject_name: service\n`,
    'c.yaml',
  );
  const auth = new KeystoneAuthenticator({
    credentials,
    fetch: ks.fetch,
    now: () => ks.now,
    revocationCheckSeconds: 0,
    warn: (m) => warnings.push(m),
    ...over,
  });
  return { ks, auth, warnings };
}
const validations = (ks: FakeKeystone) => ks.calls.filter((c) => c === 'GET /v3/auth/tokens').length;

describe('keystone authenticator', () => {
  it("gives keystonemiddleware's identity and caches the validation", async () => {
    const { ks, auth } = setup({ revocationCheckSeconds: 60 });
    const t = ks.issue('alice');
    const a = await auth.authenticate({ 'x-auth-token': t });
    assert.ok(a.ok);
    assert.equal(a.identity.userId, 'alice-id');
    assert.equal(a.identity.projectId, 'alice-project');
    assert.equal(a.identity.userDomainId, 'default');
    assert.deepEqual(a.identity.roles, ['reader']);
    assert.equal(a.identity.systemScope, null);
    assert.ok((await auth.authenticate({ 'x-auth-token': t })).ok);
    assert.equal(validations(ks), 1);
  });

  it('refuses unknown tokens (and remembers), missing tokens', async () => {
    const { ks, auth } = setup();
    assert.deepEqual(await auth.authenticate({ 'x-auth-token': 'nope' }), {
      ok: false,
      status: 401,
      reason: 'token not valid',
    });
    assert.equal((await auth.authenticate({ 'x-auth-token': 'nope' })).ok, false);
    assert.equal(validations(ks), 1);
    assert.equal((await auth.authenticate({})).ok, false);
  });

  it('refuses a revoked token at once when the revocation events are read on every use', async () => {
    const { ks, auth } = setup();
    const t = ks.issue('bob');
    assert.ok((await auth.authenticate({ 'x-auth-token': t })).ok);
    ks.revoke(t);
    assert.deepEqual(await auth.authenticate({ 'x-auth-token': t }), {
      ok: false,
      status: 401,
      reason: 'token not valid',
    });
  });

  it('a revocation of one token leaves other cached tokens cached', async () => {
    const { ks, auth } = setup();
    const a = ks.issue('a');
    const b = ks.issue('b');
    await auth.authenticate({ 'x-auth-token': a });
    await auth.authenticate({ 'x-auth-token': b });
    ks.revoke(a);
    const before = validations(ks);
    assert.ok((await auth.authenticate({ 'x-auth-token': b })).ok);
    assert.equal(validations(ks), before);
  });

  it('trusts nothing cached when the revocation events cannot be read', async () => {
    const { ks, auth, warnings } = setup();
    ks.eventsForbidden = true;
    const t = ks.issue('carol');
    await auth.authenticate({ 'x-auth-token': t });
    await auth.authenticate({ 'x-auth-token': t });
    assert.equal(validations(ks), 2);
    assert.match(warnings.join('\n'), /cannot read revocation events/);
  });

  it('a cached token stops at its expiry', async () => {
    const { ks, auth } = setup({ revocationCheckSeconds: 3600 });
    const t = ks.issue('dave', {}, 60_000);
    assert.ok((await auth.authenticate({ 'x-auth-token': t })).ok);
    ks.now += 61_000;
    assert.equal((await auth.authenticate({ 'x-auth-token': t })).ok, false);
  });

  it('reads system and domain scope as keystonemiddleware sets them', () => {
    const sys = parseTokenBody({
      token: {
        user: { id: 'u', domain: { id: 'd' } },
        system: { all: true },
        roles: [{ id: '1', name: 'admin' }],
        expires_at: '2030-01-01T00:00:00Z',
      },
    })!;
    assert.equal(sys.identity.systemScope, 'all');
    assert.equal(sys.identity.projectId, null);
    const dom = parseTokenBody({
      token: { user: { id: 'u' }, domain: { id: 'dd' }, roles: [], expires_at: '2030-01-01T00:00:00Z' },
    })!;
    assert.equal(dom.identity.domainId, 'dd');
    assert.equal(parseTokenBody({ token: { user: {} } }), null);
  });

  it('answers 503 when Keystone is down, and says so without secrets', async () => {
    const { ks, auth, warnings } = setup();
    ks.down = true;
    const r = await auth.authenticate({ 'x-auth-token': 'tok-secret' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.status, 503);
    const said = `${warnings.join('\n')} ${!r.ok ? r.reason : ''}`;
    assert.doesNotMatch(said, /tok-secret|service-password/);
  });

  it('renews a service token Keystone no longer accepts', async () => {
    const { ks, auth } = setup({ revocationCheckSeconds: 3600 });
    await auth.authenticate({ 'x-auth-token': ks.issue('e') });
    for (const [k, v] of ks.tokens) if ((v.user as { name: string }).name === 'placement') ks.tokens.delete(k);
    assert.ok((await auth.authenticate({ 'x-auth-token': ks.issue('f') })).ok);
    assert.equal(ks.calls.filter((c) => c === 'POST /v3/auth/tokens').length, 2);
  });

  it('refuses bad service credentials as unavailable, not as the caller’s fault', async () => {
    const ks = new FakeKeystone();
    const credentials = parseCredentialsFile(
      'auth_url: http://k:5000/v3\nusername: placement\npassword: wrong\nproject_name: service\n',
      'c',
    );
    const auth = new KeystoneAuthenticator({ credentials, fetch: ks.fetch, now: () => ks.now });
    const r = await auth.authenticate({ 'x-auth-token': ks.issue('g') });
    assert.ok(!r.ok && r.status === 503 && !r.reason.includes('wrong'));
  });

  it('credentials files need the keystone_authtoken names', () => {
    assert.throws(
      () => parseCredentialsFile('auth_url: http://k\nusername: u\n', 'c.yaml'),
      /c.yaml: needs "password"/,
    );
    assert.throws(() => parseCredentialsFile('auth_url: k\nusername: u\npassword: p\nproject_name: s\n', 'c'), /http/);
    const c = parseCredentialsFile(
      'auth_url: http://k\nusername: u\npassword: p\nproject_name: s\nuser_domain_id: d1\n',
      'c',
    );
    assert.deepEqual(c.userDomain, { id: 'd1' });
    assert.deepEqual(c.projectDomain, { name: 'Default' });
  });
});
