// The secret audit's own check (test/support/secret-scan.ts) must be able to fail: a log with a
// secret in it, whole or in part, fails it; a fingerprint does not; an audit that recorded
// nothing, or too little, fails it too.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AUDIT_ENV,
  auditDir,
  pemSecretLines,
  recordBody,
  recordLog,
  recordSecret,
  suiteOf,
} from '../../support/secret-audit.js';
import { checkAudit, MINIMUMS } from '../../support/secret-scan.js';

const TOKEN = 'gAAAAABp9Zx1QmVyeS1zZWNyZXQtdG9rZW4tdmFsdWU';
const PASSWORD = 'pa"ss\\word-7f3k2q9z';

describe('secret audit', () => {
  const root = mkdtempSync(join(tmpdir(), 'vfnet-audit-unit-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  /** One suite's audit directory with these logs, bodies and secrets. */
  const suite = (logs: string[], bodies: string[], secrets: Array<[string, string]>): [string, string] => {
    const dir = join(root, `case-${++n}`);
    const name = 'other';
    mkdirSync(join(dir, name, 'logs'), { recursive: true });
    for (const [i, text] of logs.entries()) writeFileSync(join(dir, name, 'logs', `serve-${i}.log`), text);
    writeFileSync(
      join(dir, name, 'bodies.jsonl'),
      bodies.map((text) => `${JSON.stringify({ where: 'GET /x', status: 401, text })}\n`).join(''),
    );
    writeFileSync(
      join(dir, name, 'secrets.jsonl'),
      secrets.map(([label, value]) => `${JSON.stringify({ label, value })}\n`).join(''),
    );
    return [dir, name];
  };
  const secrets: Array<[string, string]> = [
    ['token', TOKEN],
    ['password', PASSWORD],
  ];
  const clean = '{"level":30,"msg":"request completed","res":{"statusCode":401}}\n';

  it('passes logs and bodies that hold no secret, and counts what it read', () => {
    const [dir, s] = suite([clean, `${clean}${clean}`], ['{"error":{"code":401}}'], secrets);
    const { ok, reports } = checkAudit(dir, [s]);
    assert.equal(ok, true);
    assert.deepEqual(
      {
        lines: reports[0]!.lines,
        bodies: reports[0]!.bodies,
        secrets: reports[0]!.secrets,
        files: reports[0]!.logFiles,
      },
      { lines: 3, bodies: 1, secrets: 2, files: 2 },
    );
  });

  it('fails on a whole token in a log line, naming the secret and the line, not the value', () => {
    const [dir, s] = suite([`${clean}{"msg":"auth","token":"${TOKEN}"}\n`], [], secrets);
    const { ok, reports } = checkAudit(dir, [s]);
    assert.equal(ok, false);
    assert.deepEqual(reports[0]!.leaks, [{ secret: 'token', at: 'logs/serve-0.log:2' }]);
  });

  it('fails on a truncated prefix or a middle piece of 8 characters', () => {
    for (const piece of [TOKEN.slice(0, 10), TOKEN.slice(20, 28)]) {
      const [dir, s] = suite([`refused token ${piece}...\n`], [], secrets);
      assert.equal(checkAudit(dir, [s]).ok, false, piece.length.toString());
    }
  });

  it('fails on a password in an error body, as it is and JSON-escaped', () => {
    for (const body of [`wrong password ${PASSWORD}`, JSON.stringify({ detail: PASSWORD })]) {
      const [dir, s] = suite([clean], [body], secrets);
      const { ok, reports } = checkAudit(dir, [s]);
      assert.equal(ok, false);
      assert.equal(reports[0]!.leaks[0]!.secret, 'password');
    }
  });

  it('fails on a secret URL-encoded in a logged URL', () => {
    const [dir, s] = suite([`{"req":{"url":"/x?password=${encodeURIComponent(PASSWORD)}"}}\n`], [], secrets);
    assert.equal(checkAudit(dir, [s]).ok, false);
  });

  it('lets a short hash of a token through: a fingerprint is not the token', () => {
    const fp = createHash('sha256').update(TOKEN).digest('hex').slice(0, 16);
    const [dir, s] = suite([`token sha256:${fp} expired\n`], [], secrets);
    assert.equal(checkAudit(dir, [s]).ok, true);
  });

  it('fails when the audit directory is missing: nothing seen proves nothing', () => {
    const { ok, reports } = checkAudit(join(root, 'never-made'), ['api']);
    assert.equal(ok, false);
    assert.match(reports[0]!.short[0]!, /no audit directory/);
  });

  it('fails a suite that recorded fewer lines, bodies or secrets than its minimum', () => {
    const dir = join(root, 'thin');
    mkdirSync(join(dir, 'identity', 'logs'), { recursive: true });
    writeFileSync(join(dir, 'identity', 'logs', 'serve.log'), clean);
    const { ok, reports } = checkAudit(dir, ['identity']);
    assert.equal(ok, false);
    assert.equal(reports[0]!.short.length, 3);
    assert.ok(MINIMUMS.identity!.lines > 1);
  });

  it('records through the harness calls into <audit>/<suite> and the check finds a leak there', () => {
    const dir = join(root, 'recorded');
    const before = process.env[AUDIT_ENV];
    process.env[AUDIT_ENV] = dir;
    try {
      recordSecret('token', TOKEN);
      recordLog('serve', `${clean}leaked ${TOKEN}\n`);
      recordBody('GET /resource_providers', 401, '{}');
      assert.throws(() => recordSecret('short', 'admin'), /shorter than 8/);
    } finally {
      if (before === undefined) delete process.env[AUDIT_ENV];
      else process.env[AUDIT_ENV] = before;
    }
    const s = suiteOf(process.argv[1]);
    const { ok, reports } = checkAudit(dir, [s]);
    assert.equal(ok, false);
    assert.deepEqual([reports[0]!.lines, reports[0]!.bodies, reports[0]!.secrets], [2, 1, 1]);
  });

  it('records nothing without an audit directory, and knows a file’s suite', () => {
    assert.equal(auditDir({}, '/r/dist/test/api/x.test.js'), null);
    assert.equal(suiteOf('/r/dist/test/identity/keystone.test.js'), 'identity');
    assert.equal(suiteOf('/r/dist/test/integration/sriov/chaos.test.js'), 'integration');
  });

  it('takes the base64 lines of a PEM key as its secret material', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAbc=\n-----END PRIVATE KEY-----\n';
    assert.deepEqual(pemSecretLines(pem), ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC']);
  });
});
