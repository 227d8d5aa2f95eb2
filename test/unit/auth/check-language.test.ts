// oslo.policy's rule language: parsing (precedence, parentheses, failing closed) and checks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRule, substitute } from '../../../src/auth/policy/check-language.js';
import { PolicyEnforcer } from '../../../src/auth/policy/enforcer.js';

// One registered action whose rule is the text under test, in an enforcer with no scope rule.
function allows(
  rule: string | unknown[],
  creds: Record<string, unknown>,
  target: Record<string, unknown> = {},
  extra: Record<string, string> = {},
) {
  const e = new PolicyEnforcer({
    defaults: 'secure',
    rules: [{ name: 'x', check: '!' }],
    overrides: { x: rule as string, ...extra },
  });
  return e.authorize('x', target, creds).allowed;
}

describe('policy language', () => {
  const admin = { roles: ['admin'], project_id: 'p1', user_id: 'u1' };
  const reader = { roles: ['reader'], project_id: 'p1', user_id: 'u2' };

  it('@ allows, ! refuses, the empty rule allows (oslo.policy)', () => {
    assert.equal(allows('@', {}), true);
    assert.equal(allows('!', admin), false);
    assert.equal(allows('', {}), true);
  });

  it('role: is case-insensitive and reads creds.roles', () => {
    assert.equal(allows('role:ADMIN', admin), true);
    assert.equal(allows('role:admin', reader), false);
    assert.equal(allows('role:admin', {}), false);
  });

  it('generic checks substitute the target and compare with the credential', () => {
    assert.equal(allows('project_id:%(project_id)s', reader, { project_id: 'p1' }), true);
    assert.equal(allows('project_id:%(project_id)s', reader, { project_id: 'p2' }), false);
    // a target key that is missing fails the check, whatever the credential
    assert.equal(allows('project_id:%(project_id)s', reader, {}), false);
    // Python str(None) on both sides: an absent project matches an absent project, as in oslo
    assert.equal(allows('project_id:%(project_id)s', { project_id: null }, { project_id: null }), true);
    assert.equal(allows('user_id:u2', reader), true);
    assert.equal(allows('True:%(enabled)s', {}, { enabled: true }), true);
    assert.equal(allows("'member':%(role)s", {}, { role: 'member' }), true);
  });

  it('dotted generic checks walk into lists', () => {
    assert.equal(allows('groups.name:ops', { groups: [{ name: 'dev' }, { name: 'ops' }] }), true);
    assert.equal(allows('groups.name:qa', { groups: [{ name: 'dev' }] }), false);
  });

  it('not binds tighter than and, and tighter than or', () => {
    // role:a or role:b and role:c  ==  role:a or (role:b and role:c)
    assert.equal(allows('role:a or role:b and role:c', { roles: ['a'] }), true);
    assert.equal(allows('role:a or role:b and role:c', { roles: ['b'] }), false);
    assert.equal(allows('(role:a or role:b) and role:c', { roles: ['a'] }), false);
    assert.equal(allows('not role:a and role:b', { roles: ['b'] }), true);
    assert.equal(allows('not (role:a or role:b)', { roles: ['b'] }), false);
    assert.equal(allows('role:x OR role:a', { roles: ['a'] }), true);
  });

  it('parentheses around %(...)s stay part of the check', () => {
    assert.equal(allows('(role:reader and project_id:%(project_id)s)', reader, { project_id: 'p1' }), true);
    assert.equal(allows('((role:reader) and (project_id:%(project_id)s))', reader, { project_id: 'p1' }), true);
  });

  it('rule: refers to another rule; an unknown or circular rule refuses', () => {
    assert.equal(allows('rule:helper', admin, {}, { helper: 'role:admin' }), true);
    assert.equal(allows('rule:nope', admin), false);
    assert.equal(allows('rule:loop', admin, {}, { loop: 'rule:loop' }), false);
    assert.equal(allows('rule:loop or role:admin', admin, {}, { loop: 'rule:loop' }), true);
  });

  it('a rule that does not parse refuses (fails closed)', () => {
    for (const bad of ['role:admin or', '(role:admin', 'role:admin)', 'and role:admin', 'admin', 'http://x']) {
      assert.equal(allows(bad, admin), false, bad);
    }
  });

  it('reads the old list-of-lists form as an OR of ANDs', () => {
    assert.equal(
      allows([['role:admin'], ['role:reader', 'project_id:%(project_id)s']], reader, { project_id: 'p1' }),
      true,
    );
    assert.equal(
      allows([['role:admin'], ['role:reader', 'project_id:%(project_id)s']], reader, { project_id: 'p9' }),
      false,
    );
    assert.equal(allows([], {}), true);
    assert.deepEqual(parseRule([[]]), { kind: 'false' });
  });

  it('substitutes like Python %', () => {
    assert.equal(substitute('a%%b', {}), 'a%b');
    assert.equal(substitute('%(x)s-%(y)s', { x: 1, y: false }), '1-False');
    assert.equal(substitute('%(x)s', {}), null);
  });
});
