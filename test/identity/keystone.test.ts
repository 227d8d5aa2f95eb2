// vfnet serve --auth keystone against a real Keystone 22 (Debian's, under uwsgi, started per
// run) with a `placement` service and endpoint in its catalog that point at vfnet, driven by the
// real openstack CLI with password auth: as admin, as the service user, as project reader and
// member (refused where Placement refuses), and with revoked, expired and made-up tokens.
// Nothing here is a mock; nothing asserts a duration.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiPaths } from '../api/support/paths.js';
import { freePort } from '../api/support/processes.js';
import { type RunningServer, startVfnet } from '../api/support/servers.js';
import { recordResponse, recordSecret } from '../support/secret-audit.js';
import { type RunningKeystone, startKeystone } from './support/keystone.js';

const paths = apiPaths();

describe('Keystone end to end (real Keystone, real openstack CLI)', { timeout: 600_000 }, () => {
  let ks: RunningKeystone;
  let vfnet: RunningServer;
  let placementUrl: string;
  const tokensSeen: string[] = [];

  before(async () => {
    const vport = await freePort();
    placementUrl = `http://127.0.0.1:${vport}`;
    ks = await startKeystone(paths.root, await freePort(), placementUrl);
    vfnet = await startVfnet({
      serverJs: paths.serverJs,
      db: `${ks.workdir}/vfnet.db`,
      port: vport,
      // revocation events read on every cached use: a revoked token fails on its next request
      extraArgs: [
        '--auth',
        'keystone',
        '--keystone-credentials-file',
        ks.credentialsFile,
        '--keystone-revocation-check-seconds',
        '0',
      ],
    });
  });
  after(async () => {
    await vfnet?.stop();
    await ks?.stop();
  });

  const osc = (cloud: string, ...args: string[]) =>
    ks.openstack(cloud, ['--os-placement-api-version', '1.39', ...args]);
  const withToken = (token: string, ...args: string[]) =>
    ks.openstack(null, [
      '--os-auth-type',
      'admin_token',
      '--os-token',
      token,
      '--os-endpoint',
      placementUrl,
      '--os-placement-api-version',
      '1.39',
      ...args,
    ]);
  // osc-placement reads every 4xx body as Placement's {"errors": [...]}; a 401 comes from the
  // auth middleware in keystonemiddleware's own shape, so against real Placement too the CLI
  // fails with "'errors'". The status itself is asked of the server directly.
  const refusedWith = async (token: string, status: number) => {
    const cli = await withToken(token, 'resource', 'provider', 'list');
    assert.notEqual(cli.status, 0, 'the CLI fails');
    const res = await fetch(`${placementUrl}/resource_providers`, { headers: { 'x-auth-token': token } });
    assert.equal(res.status, status);
    const text = await res.text();
    recordResponse('GET /resource_providers (refused token)', res.status, text);
    assert.deepEqual(JSON.parse(text), {
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
  };
  const issue = async (cloud: string) => {
    const r = await ks.openstack(cloud, ['token', 'issue', '-f', 'value', '-c', 'id']);
    assert.equal(r.status, 0, r.stderr);
    const t = r.stdout.trim();
    tokensSeen.push(t);
    recordSecret(`Keystone token issued to ${cloud}`, t);
    return t;
  };

  it("the catalog's placement endpoint is vfnet", async () => {
    const r = await ks.openstack('admin', ['endpoint', 'list', '--service', 'placement', '-f', 'value', '-c', 'URL']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([...new Set(r.stdout.trim().split('\n'))], [placementUrl]);
  });

  it('admin creates and lists providers and gets allocation candidates', async () => {
    const c = await osc('admin', 'resource', 'provider', 'create', 'ks-host-1', '-f', 'value', '-c', 'uuid');
    assert.equal(c.status, 0, c.stderr);
    const uuid = c.stdout.trim();
    const inv = await osc('admin', 'resource', 'provider', 'inventory', 'set', uuid, '--resource', 'SRIOV_NET_VF=8');
    assert.equal(inv.status, 0, inv.stderr);
    const l = await osc('admin', 'resource', 'provider', 'list', '-f', 'value', '-c', 'name');
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /ks-host-1/);
    const ac = await osc('admin', 'allocation', 'candidate', 'list', '--resource', 'SRIOV_NET_VF=2', '-f', 'value');
    assert.equal(ac.status, 0, ac.stderr);
    assert.match(ac.stdout, new RegExp(uuid));
  });

  it('the service user (role service) lists providers and candidates', async () => {
    const l = await osc('placement', 'resource', 'provider', 'list', '-f', 'value', '-c', 'name');
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /ks-host-1/);
    const ac = await osc('placement', 'allocation', 'candidate', 'list', '--resource', 'SRIOV_NET_VF=1', '-f', 'value');
    assert.equal(ac.status, 0, ac.stderr);
  });

  for (const cloud of ['demo-reader', 'demo-member']) {
    it(`a project ${cloud.slice(5)} is refused providers and candidates, as Placement refuses`, async () => {
      const l = await osc(cloud, 'resource', 'provider', 'list');
      assert.notEqual(l.status, 0);
      assert.match(l.stderr, /Policy does not allow placement:resource_providers:list to be performed\. \(HTTP 403\)/);
      const ac = await osc(cloud, 'allocation', 'candidate', 'list', '--resource', 'SRIOV_NET_VF=1');
      assert.match(ac.stderr, /placement:allocation_candidates:list.*\(HTTP 403\)/);
    });
  }

  it("a project reader sees its own project's usages, not another's", async () => {
    const project = (await ks.openstack('admin', ['project', 'show', 'demo', '-f', 'value', '-c', 'id'])).stdout.trim();
    const other = (
      await ks.openstack('admin', ['project', 'show', 'service', '-f', 'value', '-c', 'id'])
    ).stdout.trim();
    const own = await osc('demo-reader', 'resource', 'usage', 'show', project);
    assert.equal(own.status, 0, own.stderr);
    const theirs = await osc('demo-reader', 'resource', 'usage', 'show', other);
    assert.match(theirs.stderr, /placement:usages.*\(HTTP 403\)/);
  });

  it("each user's own Keystone token, given to vfnet directly: admin and service may, reader and member are refused", async () => {
    for (const [cloud, status] of [
      ['admin', 200],
      ['placement', 200],
      ['demo-reader', 403],
      ['demo-member', 403],
    ] as const) {
      const t = await issue(cloud);
      const res = await fetch(`${placementUrl}/resource_providers`, {
        headers: { 'x-auth-token': t, 'openstack-api-version': 'placement 1.39' },
      });
      const text = await res.text();
      recordResponse(`GET /resource_providers (${cloud}'s token)`, res.status, text);
      assert.equal(res.status, status, cloud);
      assert.equal(text.includes(t.slice(0, 12)), false, 'the answer repeats the token');
    }
  });

  it('a token works until it is revoked, then is refused at once', async () => {
    const t = await issue('admin');
    assert.equal((await withToken(t, 'resource', 'provider', 'list')).status, 0);
    const rv = await ks.openstack('admin', ['token', 'revoke', t]);
    assert.equal(rv.status, 0, rv.stderr);
    await refusedWith(t, 401);
  });

  it('a token is refused once it has expired', async () => {
    // An application credential's tokens expire with it: a credential that lives a few seconds
    // gives a token that is valid now and expired soon, without a second Keystone.
    const expires = new Date(Date.now() + 20_000).toISOString().slice(0, 19);
    const cred = await ks.openstack('admin', [
      'application',
      'credential',
      'create',
      '--expiration',
      expires,
      '--role',
      'admin',
      'short-lived',
      '-f',
      'json',
    ]);
    assert.equal(cred.status, 0, cred.stderr);
    const { id, secret } = JSON.parse(cred.stdout) as { id: string; secret: string };
    tokensSeen.push(secret);
    recordSecret('application credential secret', secret);
    const body = {
      auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } },
    };
    const res = await fetch(`${ks.url}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201);
    const token = res.headers.get('x-subject-token')!;
    tokensSeen.push(token);
    recordSecret('X-Subject-Token of the application credential', token);
    const expiresAt = Date.parse(((await res.json()) as { token: { expires_at: string } }).token.expires_at);
    assert.equal((await withToken(token, 'resource', 'provider', 'list')).status, 0);
    while (Date.now() <= expiresAt + 1000) await sleep(500); // waiting for a fact, not timing one
    await refusedWith(token, 401);
  });

  it('made-up and missing tokens are refused with 401 and where to authenticate', async () => {
    await refusedWith('gAAAAABnot-a-real-token', 401);
    const res = await fetch(`${placementUrl}/resource_providers`);
    recordResponse('GET /resource_providers (no token)', res.status, await res.clone().text());
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${ks.url}"`);
    assert.equal((await fetch(`${placementUrl}/`)).status, 200);
  });

  it("no password or token appears in vfnet's log", () => {
    const log = vfnet.log();
    assert.ok(log.length > 0);
    for (const secret of [...ks.passwords, ...tokensSeen])
      assert.equal(log.includes(secret), false, 'a secret in the server log');
  });
});
