// How `vfnet serve`'s options become access control, and the token the plugin and agent send.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { placementToken } from '../../../src/accounting/token.js';
import { addServeOptions, redactDbUrl, resolveDb, serveOptionsFrom } from '../../../src/cli/serve.js';
import { buildAccess, ServeConfigError } from '../../../src/cli/serve-access.js';

describe('serve access options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-serve-access-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const log = () => {};

  it('noauth2 is refused off loopback, unless --insecure-noauth, which warns', () => {
    assert.throws(
      () => buildAccess({ auth: 'noauth2', allowedHosts: ['p.example'] }, '10.0.0.5', log),
      (e: Error) => e instanceof ServeConfigError && /loopback only/.test(e.message),
    );
    const b = buildAccess({ auth: 'noauth2', insecureNoauth: true, allowedHosts: ['p.example'] }, '0.0.0.0', log);
    assert.match(b.warnings.join(), /INSECURE/);
    assert.deepEqual(b.access.allowedHosts, ['p.example']);
    assert.deepEqual(buildAccess({}, '127.0.0.1', log).warnings, []);
  });

  it('a wildcard listen needs --allowed-host', () => {
    assert.throws(() => buildAccess({ auth: 'noauth2', insecureNoauth: true }, '0.0.0.0', log), /--allowed-host/);
  });

  it('token and keystone modes need their files, and read them at start', () => {
    assert.throws(() => buildAccess({ auth: 'token' }, '127.0.0.1', log), /--token-file/);
    assert.throws(
      () => buildAccess({ auth: 'token', tokenFile: join(dir, 'none') }, '127.0.0.1', log),
      /cannot read the token file .*ENOENT/,
    );
    assert.throws(() => buildAccess({ auth: 'keystone' }, '127.0.0.1', log), /--keystone-credentials-file/);
    const tf = join(dir, 'tokens.yaml');
    writeFileSync(tf, 'tokens:\n  - token: 0123456789abcdef0123\n    user: u\n    roles: [admin]\n');
    assert.equal(buildAccess({ auth: 'token', tokenFile: tf }, '127.0.0.1', log).access.authenticator.mode, 'token');
    const cf = join(dir, 'ks.yaml');
    writeFileSync(
      cf,
      'auth_url: http://127.0.0.1:5000\nusername: placement\npassword: pw-not-shown\nproject_name: service\n',
    );
    const k = buildAccess({ auth: 'keystone', keystoneCredentialsFile: cf }, '127.0.0.1', log);
    assert.equal(k.access.authUri, 'http://127.0.0.1:5000/v3');
    assert.doesNotMatch(k.notices.join(), /pw-not-shown/);
  });

  it('policy options: defaults and a file', () => {
    assert.match(buildAccess({}, '127.0.0.1', log).notices[0]!, /policy defaults secure/);
    const pf = join(dir, 'policy.yaml');
    writeFileSync(pf, '"placement:resource_providers:list": "@"\n');
    const b = buildAccess({ policyDefaults: 'legacy', policyFile: pf }, '127.0.0.1', log);
    assert.equal(b.access.enforcer.authorize('placement:resource_providers:list', {}, { roles: [] }).allowed, true);
    assert.throws(() => buildAccess({ policyDefaults: 'open' as 'secure' }, '127.0.0.1', log), /secure or legacy/);
  });

  it('the database URL: from a file or the environment; a password never shown', () => {
    const f = join(dir, 'db-url');
    writeFileSync(f, 'postgres://vf:s3cret@db:5432/vfnet\n');
    assert.equal(resolveDb({ dbFile: f }, {}), 'postgres://vf:s3cret@db:5432/vfnet');
    assert.equal(resolveDb({ db: 'x.db' }, { VFNET_DB_URL: 'postgres://a@b/c' }), 'postgres://a@b/c');
    assert.equal(resolveDb({}, {}), './data/vfnet.db');
    // --db typed on the command line wins over the environment; the file's (or default) db does not.
    assert.equal(resolveDb({ db: 'x.db', dbOnCommandLine: true }, { VFNET_DB_URL: 'postgres://a@b/c' }), 'x.db');
    assert.equal(
      resolveDb({ db: 'x.db', dbOnCommandLine: false }, { VFNET_DB_URL: 'postgres://a@b/c' }),
      'postgres://a@b/c',
    );
    const env = { VFNET_DB_URL: 'postgres://a@b/c' };
    const parsed = (args: string[]) => {
      const cmd = addServeOptions(new Command('serve')).exitOverride();
      cmd.parse(args, { from: 'user' });
      return serveOptionsFrom(cmd.opts(), env, cmd).db;
    };
    assert.equal(parsed(['--db', 'given.db']), 'given.db');
    assert.equal(parsed([]), 'postgres://a@b/c');
    assert.equal(redactDbUrl('postgres://vf:s3cret@db:5432/vfnet'), 'postgres://vf:***@db:5432/vfnet');
    assert.equal(redactDbUrl('postgresql://vf@db/vfnet'), 'postgresql://vf@db/vfnet');
  });
});

describe('the Placement token of the plugin and the agent', () => {
  const files: Record<string, string> = {
    '/etc/vfnet/placement-token': 'from-default-file\n',
    '/run/t': 'from-named-file\nignored',
  };
  const read = (p: string) => {
    if (p in files) return files[p]!;
    throw Object.assign(new Error('no'), { code: 'ENOENT' });
  };

  it('comes from VFNET_TOKEN, else VFNET_TOKEN_FILE, else /etc/vfnet/placement-token; there is no built-in word', () => {
    assert.equal(placementToken({ VFNET_TOKEN: 'env-token' }, read), 'env-token');
    assert.equal(placementToken({ VFNET_TOKEN_FILE: '/run/t' }, read), 'from-named-file');
    assert.equal(placementToken({}, read), 'from-default-file');
    assert.equal(
      placementToken({}, () => read('/none')),
      null,
    );
    assert.equal(placementToken({ VFNET_TOKEN: 'env' }, read, '/run/t'), 'from-named-file');
  });

  it('a named file that is missing is an error', () => {
    assert.throws(
      () => placementToken({ VFNET_TOKEN_FILE: '/none' }, read),
      /cannot read the Placement token file \/none: ENOENT/,
    );
  });
});
