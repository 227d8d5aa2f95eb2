// noauth2 as Placement's test middleware behaves, static tokens, the token cache, Host checks
// and policy files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultAllowedHosts, hostAllowed, hostOf, isLoopback } from '../../../src/auth/hosts.js';
import { authExempt } from '../../../src/auth/identity.js';
import { noauth2Authenticator, noauth2Identity } from '../../../src/auth/noauth2.js';
import { PolicyEnforcer } from '../../../src/auth/policy/enforcer.js';
import { openPolicyOverrides, PolicyFileError, parsePolicyFile } from '../../../src/auth/policy/policy-file.js';
import { policyRefusal } from '../../../src/auth/refusals.js';
import { parseTokenFile, staticTokenAuthenticator, TokenFileError } from '../../../src/auth/static-tokens.js';
import { TokenCache } from '../../../src/auth/token-cache.js';

describe('noauth2', () => {
  it('reads user[:project] from the token; admin is an admin, others have no role', () => {
    assert.deepEqual(
      { ...noauth2Identity({ 'x-auth-token': 'admin' }) },
      {
        userId: 'admin',
        userDomainId: null,
        projectId: 'admin',
        projectDomainId: null,
        domainId: null,
        systemScope: null,
        roles: ['admin'],
        isAdminProject: true,
      },
    );
    const u = noauth2Identity({ 'x-auth-token': 'alice:proj1' })!;
    assert.equal(u.userId, 'alice');
    assert.equal(u.projectId, 'proj1');
    assert.deepEqual(u.roles, []);
    assert.equal(noauth2Identity({ 'x-auth-token': 'admin:other' })!.projectId, 'other');
  });

  it('honours X-Roles (trimmed, comma separated), even for admin; an empty X-Roles is no role', () => {
    assert.deepEqual(noauth2Identity({ 'x-auth-token': 'user', 'x-roles': 'member, reader' })!.roles, [
      'member',
      'reader',
    ]);
    assert.deepEqual(noauth2Identity({ 'x-auth-token': 'admin', 'x-roles': 'reader' })!.roles, ['reader']);
    assert.deepEqual(noauth2Identity({ 'x-auth-token': 'admin', 'x-roles': '' })!.roles, []);
  });

  it("a client's X-Project-Id wins over the token's project; X-User-Id does not", () => {
    const id = noauth2Identity({
      'x-auth-token': 'user',
      'x-project-id': 'p2',
      'x-user-id': 'mallory',
      'x-tenant-id': 't',
    })!;
    assert.equal(id.projectId, 'p2');
    assert.equal(id.userId, 'user');
    assert.equal(noauth2Identity({ 'x-auth-token': 'user', 'x-tenant-id': 't' })!.projectId, 'user');
  });

  it('with OpenStack-System-Scope sets no project of its own', () => {
    const id = noauth2Identity({ 'x-auth-token': 'user', 'openstack-system-scope': 'all', 'x-roles': 'admin' })!;
    assert.equal(id.systemScope, 'all');
    assert.equal(id.projectId, null);
    assert.equal(
      noauth2Identity({ 'x-auth-token': 'u', 'openstack-system-scope': 'all', 'x-tenant-id': 't' })!.projectId,
      't',
    );
  });

  it('refuses a request without a token; GET / needs none', async () => {
    assert.deepEqual(await noauth2Authenticator().authenticate({}), {
      ok: false,
      status: 401,
      reason: 'no x-auth-token',
    });
    assert.equal(authExempt('/'), true);
    assert.equal(authExempt('/resource_providers'), false);
  });
});

describe('static tokens', () => {
  const token = 'e3b0c44298fc1c149afbf4c8996fb924';
  const other = 'another-secret-token-of-the-lab';
  const file = `tokens:
  - token: ${token}
    user: agent-1
    project: service
    roles: [service]
  - sha256: ${createHash('sha256').update(other).digest('hex')}
    user: ops
    project: admin
    roles: [admin, member, reader]
`;

  it('maps each token to its user, project and roles; the digest form works the same', async () => {
    const auth = staticTokenAuthenticator(parseTokenFile(file, 'tokens.yaml'));
    const a = await auth.authenticate({ 'x-auth-token': token });
    assert.ok(a.ok);
    assert.equal(a.identity.userId, 'agent-1');
    assert.deepEqual(a.identity.roles, ['service']);
    const b = await auth.authenticate({ 'x-auth-token': other });
    assert.ok(b.ok && b.identity.projectId === 'admin');
  });

  it('refuses unknown and missing tokens with no hint of the token', async () => {
    const auth = staticTokenAuthenticator(parseTokenFile(file, 'tokens.yaml'));
    const r = await auth.authenticate({ 'x-auth-token': `${token}x` });
    assert.deepEqual(r, { ok: false, status: 401, reason: 'unknown token' });
    assert.equal((await auth.authenticate({})).ok, false);
  });

  it('refuses weak or malformed files, naming the entry and never its token', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => parseTokenFile(text, 'f'),
        (e: Error) => e instanceof TokenFileError && re.test(e.message) && !e.message.includes('shorty'),
      );
    bad('tokens:\n  - token: shorty\n    user: u\n', /tokens\[0\]: a token needs at least 16/);
    bad('tokens: []\n', /non-empty/);
    bad(`tokens:\n  - token: ${token}\n`, /needs a "user"/);
    bad(`tokens:\n  - token: ${token}\n    sha256: "${'0'.repeat(64)}"\n    user: u\n`, /exactly one/);
    bad(`tokens:\n  - sha256: ${'0'.repeat(64)}\n    user: u\n`, /"sha256" must be a string \(quote it\)/);
    bad('tokens:\n  - sha256: abc\n    user: u\n', /64 hex/);
    bad(`tokens:\n  - token: ${token}\n    user: u\n    roles: admin\n`, /list of role names/);
  });
});

describe('token cache', () => {
  it('expires entries and drops the least recently used past its bound', () => {
    let now = 1000;
    const c = new TokenCache<string>(2, () => now);
    c.set('a', 'A', 2000);
    c.set('b', 'B', 5000);
    assert.equal(c.get('a'), 'A'); // a is now the most recent
    c.set('c', 'C', 5000);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.size, 2);
    now = 2000;
    assert.equal(c.get('a'), undefined);
    assert.equal(c.get('c'), 'C');
    c.set('d', 'D', 1500); // already expired: not kept
    assert.equal(c.get('d'), undefined);
    c.sweep((v) => v === 'C');
    assert.equal(c.size, 0);
  });
});

describe('Host header', () => {
  it('answers the loopback names on loopback, only the listed names elsewhere', () => {
    const lo = defaultAllowedHosts('127.0.0.1');
    assert.ok(hostAllowed('127.0.0.1:8778', lo));
    assert.ok(hostAllowed('localhost:8778', lo));
    assert.ok(hostAllowed('[::1]:8778', lo));
    assert.equal(hostAllowed('rebind.attacker.example:8778', lo), false);
    assert.equal(hostAllowed(undefined, lo), false);
    const any = defaultAllowedHosts('0.0.0.0', ['placement.example', '10.0.0.5']);
    assert.deepEqual(any, ['placement.example', '10.0.0.5']);
    assert.ok(hostAllowed('Placement.Example', any));
    assert.equal(hostAllowed('0.0.0.0:8778', any), false);
  });

  it('parses Host values and refuses malformed ones', () => {
    assert.equal(hostOf('Example.COM.:80'), 'example.com');
    assert.equal(hostOf('[fe80::1]'), 'fe80::1');
    assert.equal(hostOf('a b'), null);
    assert.equal(hostOf('[::1]x'), null);
    assert.equal(hostOf('host:99999999'), null);
  });

  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopback(h), false, h);
  });
});

describe('policy files', () => {
  it('reads YAML and JSON; refuses what is not a mapping of check strings', () => {
    assert.deepEqual(parsePolicyFile('# comment\n"placement:usages": "role:reader"\n', 'p.yaml'), {
      'placement:usages': 'role:reader',
    });
    assert.deepEqual(parsePolicyFile('{"admin_api": "role:admin or role:ops"}', 'p.json'), {
      admin_api: 'role:admin or role:ops',
    });
    assert.deepEqual(parsePolicyFile('', 'p.yaml'), {});
    assert.throws(() => parsePolicyFile('- a\n- b\n', 'p.yaml'), PolicyFileError);
    assert.throws(() => parsePolicyFile('x: 3\n', 'p.yaml'), /rule "x" must be a check string/);
    assert.throws(() => parsePolicyFile('x: [unclosed\n', 'p.yaml'), /not YAML or JSON/);
  });

  it('the open policy lets anyone with a token do anything but admin_api', () => {
    const names = new PolicyEnforcer({ defaults: 'secure' }).ruleNames();
    const open = openPolicyOverrides(names);
    assert.equal(open.admin_api, undefined);
    const e = new PolicyEnforcer({ defaults: 'secure', overrides: open });
    assert.equal(e.authorize('placement:resource_providers:create', {}, { roles: [] }).allowed, true);
  });

  it("refusals carry Placement's title and detail", () => {
    assert.deepEqual(policyRefusal('placement:usages'), {
      status: 403,
      title: 'Forbidden',
      detail: 'Access was denied to this resource.\n\n Policy does not allow placement:usages to be performed.  ',
    });
  });
});
