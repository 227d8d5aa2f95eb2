// Placement's defaults, checked against Placement's own RBAC gabbi files: for every request in
// the 18 *-secure-rbac.yaml / *-legacy-rbac.yaml files that expects 403 or a success, the
// noauth2 identity its headers give, the rule its method and path name, and the defaults its
// file's fixture sets must agree with the expectation. This is the policy half of those files
// without a server; test/api/rbac-conformance.test.ts runs them against one.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { checkPolicy } from '../../../src/auth/access.js';
import { noauth2Identity } from '../../../src/auth/noauth2.js';
import { actionFor } from '../../../src/auth/policy/actions.js';
import { DEFAULT_POLICY_DEFAULTS, PolicyEnforcer } from '../../../src/auth/policy/enforcer.js';
import { PLACEMENT_RULES } from '../../../src/auth/policy/placement-rules.js';
import { apiPaths } from '../../api/support/paths.js';

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];

describe("Placement's policy rules", () => {
  it('registers every rule of placement/policies (38), admin_api first', () => {
    assert.equal(PLACEMENT_RULES.length, 38);
    assert.equal(PLACEMENT_RULES[0]!.name, 'admin_api');
    assert.equal(new Set(PLACEMENT_RULES.map((r) => r.name)).size, PLACEMENT_RULES.length);
  });

  it('defaults to the secure (new) defaults, as current Placement does', () => {
    assert.equal(DEFAULT_POLICY_DEFAULTS, 'secure');
  });

  it('legacy lets a project admin reshape; secure asks for the service role', () => {
    const admin = { roles: ['admin'], project_id: 'p' };
    const service = { roles: ['service'], project_id: 's' };
    const legacy = new PolicyEnforcer({ defaults: 'legacy' });
    const secure = new PolicyEnforcer({ defaults: 'secure' });
    assert.equal(legacy.authorize('placement:reshaper:reshape', {}, admin).allowed, true);
    assert.equal(secure.authorize('placement:reshaper:reshape', {}, admin).allowed, false);
    assert.equal(secure.authorize('placement:reshaper:reshape', {}, service).allowed, true);
  });

  it('refuses system- and domain-scoped tokens (every rule is project scope)', () => {
    const e = new PolicyEnforcer({ defaults: 'legacy' });
    assert.deepEqual(e.authorize('placement:resource_providers:list', {}, { roles: ['admin'], system_scope: 'all' }), {
      allowed: false,
      why: 'scope',
    });
    assert.deepEqual(e.authorize('placement:resource_providers:list', {}, { roles: ['admin'], domain_id: 'd' }), {
      allowed: false,
      why: 'scope',
    });
  });

  it('a policy file replaces a default and drops its deprecated alternative', () => {
    const e = new PolicyEnforcer({ defaults: 'legacy', overrides: { service_api: 'role:service' } });
    assert.equal(e.authorize('placement:reshaper:reshape', {}, { roles: ['admin'] }).allowed, false);
    const open = new PolicyEnforcer({ defaults: 'secure', overrides: { 'placement:usages': '@' } });
    assert.equal(open.authorize('placement:usages', {}, { roles: [] }).allowed, true);
  });

  it('an unregistered action is a programming error', () => {
    assert.throws(
      () => new PolicyEnforcer({ defaults: 'secure' }).authorize('placement:nope', {}, {}),
      /not registered/,
    );
  });

  it('names the rule of every Placement route', () => {
    assert.equal(actionFor('GET', '/resource_providers'), 'placement:resource_providers:list');
    assert.equal(
      actionFor('PUT', '/resource_providers/abc/inventories/VCPU'),
      'placement:resource_providers:inventories:update',
    );
    assert.equal(
      actionFor('DELETE', '/resource_providers/abc/inventories'),
      'placement:resource_providers:inventories:delete',
    );
    assert.equal(actionFor('POST', '/reshaper'), 'placement:reshaper:reshape');
    assert.equal(actionFor('GET', '/'), undefined);
    for (const r of PLACEMENT_RULES.filter((r) => r.name.startsWith('placement:')))
      assert.ok(r.operations?.length, r.name);
  });
});

describe("Placement's RBAC gabbi files, policy only", () => {
  const dir = join(apiPaths().gabbiDir, 'gabbits-rbac');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
  it('finds the 18 files', { skip: files.length === 0 ? `no ${dir}` : false }, () => assert.equal(files.length, 18));

  for (const file of files) {
    it(file, () => {
      const doc = parse(readFileSync(join(dir, file), 'utf8'), { merge: true, maxAliasCount: -1 }) as {
        fixtures: string[];
        tests: Array<Record<string, unknown>>;
      };
      const defaults = doc.fixtures[0] === 'SecureRBACPolicyFixture' ? 'secure' : 'legacy';
      assert.ok(/secure/.test(file) === (defaults === 'secure'), 'fixture matches the file name');
      const enforcer = new PolicyEnforcer({ defaults });
      let checked = 0;
      const wrong: string[] = [];
      for (const t of doc.tests) {
        const method = METHODS.find((m) => typeof t[m] === 'string');
        const status = Number(t.status ?? 200);
        if (!method || !(status === 403 || (status >= 200 && status < 300))) continue;
        const [path, query = ''] = (t[method] as string).split('?');
        const action = actionFor(method, path!);
        if (!action) continue;
        const headers = Object.fromEntries(
          Object.entries((t.request_headers ?? {}) as Record<string, unknown>).map(([k, v]) => [
            k.toLowerCase(),
            String(v),
          ]),
        );
        const id = noauth2Identity(headers);
        assert.ok(id, `${t.name}: has a token`);
        const target =
          action === 'placement:usages' ? { project_id: new URLSearchParams(query).get('project_id') } : undefined;
        const refused = checkPolicy(enforcer, action, id, target) !== null;
        if (refused !== (status === 403))
          wrong.push(`${t.name}: expected ${status}, policy ${refused ? 'refuses' : 'allows'} ${action}`);
        checked++;
      }
      assert.deepEqual(wrong, []);
      assert.ok(checked > 0);
    });
  }
});
