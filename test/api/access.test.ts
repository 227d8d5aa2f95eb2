// Refusals of a live `vfnet serve`, one test per kind: no token, unknown token, wrong role,
// wrong project (token mode with a token file); noauth2 off loopback; a foreign Host header;
// TLS with a certificate the client does not trust, and a key that does not fit the certificate;
// and authentication before the body is read. No response body or log line holds a token.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  auditLogPath,
  pemSecretLines,
  recordBody,
  recordLog,
  recordResponse,
  recordSecret,
} from '../support/secret-audit.js';
import { apiPaths } from './support/paths.js';
import { freePort, run, stopPid } from './support/processes.js';
import { type RunningServer, startVfnet } from './support/servers.js';

const paths = apiPaths();
// Random, so that no 8-character run of a token can occur by chance in a log or an answer (the
// secret audit looks for such runs; a readable token shares runs with test data such as gabbi's
// `0123456701234567` suffixes). The leading letter keeps YAML reading each token as a string.
const randomToken = () => `t${randomBytes(20).toString('hex')}`;
const ADMIN = randomToken();
const SERVICE = randomToken();
const READER = randomToken();
const H = { 'openstack-api-version': 'placement 1.39', accept: 'application/json' };

describe('vfnet serve refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-access-'));
  let server: RunningServer;
  // Every answer's body goes to the secret audit (error answers only are kept there).
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${server.url}${path}`, { headers: { ...H, ...headers } });
    recordResponse(`GET ${path}`, r.status, await r.clone().text());
    return r;
  };

  before(async () => {
    for (const [label, t] of [
      ['access static token admin', ADMIN],
      ['access static token service', SERVICE],
      ['access static token reader', READER],
    ])
      recordSecret(label!, t!);
    writeFileSync(
      join(dir, 'tokens.yaml'),
      [
        'tokens:',
        `  - {token: ${ADMIN}, user: ops, project: admin-project, roles: [admin, member, reader]}`,
        `  - {token: ${SERVICE}, user: agent-1, project: service, roles: [service]}`,
        `  - {token: ${READER}, user: alice, project: project-a, roles: [reader]}`,
        '',
      ].join('\n'),
    );
    server = await startVfnet({
      serverJs: paths.serverJs,
      db: join(dir, 'v.db'),
      extraArgs: ['--auth', 'token', '--token-file', join(dir, 'tokens.yaml')],
    });
  });
  after(async () => {
    const log = server?.log() ?? '';
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    for (const t of [ADMIN, SERVICE, READER]) assert.equal(log.includes(t), false, 'a token in the server log');
  });

  it('no token: 401', async () => {
    const r = await get('/resource_providers');
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { title: string }).title, 'Unauthorized');
    assert.equal((await get('/')).status, 200);
  });

  it('an unknown token: 401, and the answer does not repeat it', async () => {
    const r = await get('/resource_providers', { 'x-auth-token': `${ADMIN}-not` });
    assert.equal(r.status, 401);
    assert.equal((await r.text()).includes(ADMIN), false);
  });

  it("the admin and the service token may; a reader is refused with Placement's 403", async () => {
    assert.equal((await get('/resource_providers', { 'x-auth-token': ADMIN })).status, 200);
    assert.equal((await get('/resource_providers', { 'x-auth-token': SERVICE })).status, 200);
    const r = await get('/resource_providers', { 'x-auth-token': READER });
    assert.equal(r.status, 403);
    const e = ((await r.json()) as { errors: Array<{ title: string; detail: string; code: string }> }).errors[0]!;
    assert.equal(e.title, 'Forbidden');
    assert.match(e.detail, /Policy does not allow placement:resource_providers:list to be performed\./);
    assert.equal(e.code, 'placement.undefined_code');
  });

  it("a reader sees its own project's usages, not another project's", async () => {
    assert.equal((await get('/usages?project_id=project-a', { 'x-auth-token': READER })).status, 200);
    assert.equal((await get('/usages?project_id=project-b', { 'x-auth-token': READER })).status, 403);
  });

  it('a foreign Host header: 400, and the name is not echoed (DNS rebinding)', async () => {
    const r = await run('curl', [
      '-s',
      '-i',
      '-H',
      'Host: rebind.attacker.example',
      '-H',
      `x-auth-token: ${ADMIN}`,
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      '{"name": "x"}',
      `${server.url}/resource_providers`,
    ]);
    recordResponse('curl POST /resource_providers (foreign Host)', 400, r.stdout);
    assert.match(r.stdout, /^HTTP\/1.1 400/);
    assert.equal(r.stdout.includes('attacker'), false);
    const ok = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      `Host: localhost:${new URL(server.url).port}`,
      `${server.url}/`,
    ]);
    assert.equal(ok.stdout, '200');
  });

  it('authenticates before reading a body: a 401 comes back while the body is still unsent', async () => {
    const { port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST /resource_providers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{`,
        );
      });
      let got = '';
      sock.on('data', (b) => {
        got += b.toString();
        if (got.includes('\r\n\r\n')) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', reject);
    });
    recordResponse('raw POST /resource_providers (body unsent)', 401, answer);
    assert.match(answer, /^HTTP\/1.1 401/);
  });
});

describe('vfnet serve will not start', () => {
  it('noauth2 on a non-loopback address without --insecure-noauth', async () => {
    const r = await run(
      process.execPath,
      [join(paths.root, 'dist/bin/vfnet'), 'serve', '--listen', '0.0.0.0:1', '--db', ':memory:'],
      { timeoutMs: 60_000 },
    );
    recordBody('vfnet serve --listen 0.0.0.0:1 (refused start)', r.status, r.stdout + r.stderr);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /noauth2 trusts whatever a caller claims, so it listens on loopback only/);
  });
});

describe('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const otherKey = join(dir, 'other-key.pem');
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const mk = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    assert.equal(mk.status, 0, mk.stderr);
    const mk2 = await run('openssl', ['genrsa', '-out', otherKey, '2048']);
    assert.equal(mk2.status, 0, mk2.stderr);
    // The keys' material must never reach a log or an answer.
    for (const [label, f] of [
      ['TLS key', key],
      ['TLS other key', otherKey],
    ] as const) {
      for (const [i, line] of pemSecretLines(readFileSync(f, 'utf8')).entries())
        recordSecret(`${label} line ${i + 1}`, line);
    }
  });

  const httpsGet = (port: number, ca?: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', ...(ca ? { ca } : {}) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('serves HTTPS to a client that trusts the certificate; one that does not refuses it', async () => {
    const port = await freePort();
    const logPath = auditLogPath('serve-tls');
    const out = logPath ? openSync(logPath, 'w') : 'ignore';
    const child = spawn(
      process.execPath,
      [
        paths.serverJs,
        '--listen',
        `127.0.0.1:${port}`,
        '--db',
        join(dir, 'v.db'),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ],
      { stdio: ['ignore', out, out] },
    );
    if (typeof out === 'number') closeSync(out);
    try {
      const ca = readFileSync(cert);
      let status = 0;
      for (let i = 0; i < 300 && status === 0; i++) {
        status = await httpsGet(port, ca).catch(() => 0);
        if (status === 0) await sleep(100);
      }
      assert.equal(status, 200);
      await assert.rejects(httpsGet(port), /self[- ]signed certificate/);
    } finally {
      await stopPid(child.pid!);
    }
  });

  it('refuses to start with a key that does not fit the certificate', async () => {
    const r = await run(
      process.execPath,
      [
        paths.serverJs,
        '--listen',
        `127.0.0.1:${await freePort()}`,
        '--db',
        join(dir, 'w.db'),
        '--tls-cert',
        cert,
        '--tls-key',
        otherKey,
      ],
      { timeoutMs: 60_000 },
    );
    recordLog('serve-tls-mismatch', r.stdout + r.stderr);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /key values mismatch|KEY_VALUES_MISMATCH/i);
  });
});
