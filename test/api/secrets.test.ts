// Secrets stay out of the process list, the log and the answers of a live `vfnet serve`: the
// database URL with its password read from --db-file or $VFNET_DB_URL, static tokens from
// --token-file, and a token a client wrongly puts in the query string. /proc/<pid>/cmdline is
// what `ps` shows every user of the host; the log is the server's own stderr. Everything here is
// recorded for the suite-wide secret audit too (test/support/secret-audit.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordResponse, recordSecret } from '../support/secret-audit.js';
import { ensureDeps } from './support/deps.js';
import { apiPaths } from './support/paths.js';
import { type PostgresCluster, startPostgres } from './support/postgres.js';
import { run } from './support/processes.js';
import { type RunningServer, startVfnet } from './support/servers.js';

const paths = apiPaths();
const secret = (prefix: string) => `${prefix}-${randomBytes(16).toString('hex')}`;
const ADMIN = secret('admin');
const DB_PASSWORD = secret('dbpw');
const H = { 'openstack-api-version': 'placement 1.39', accept: 'application/json' };

/** The command line of a process as `ps` shows it to every user. */
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

describe('secrets of a live vfnet serve', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-secrets-'));
  let pg: PostgresCluster | null = null;
  let skip = '';
  let dbUrl = '';
  const servers: RunningServer[] = [];

  before(async () => {
    const deps = await ensureDeps(paths.root, ['postgres']);
    if (!deps.ok) {
      skip = deps.skip;
      return;
    }
    recordSecret('secrets.test static token', ADMIN);
    recordSecret('secrets.test database password', DB_PASSWORD);
    pg = await startPostgres(paths.root);
    // A role with a password, and a database it owns: the URL vfnet is given carries the password.
    const role = await run('psql', [
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      pg.url,
      '-c',
      `CREATE ROLE vfnet_pw LOGIN PASSWORD '${DB_PASSWORD}'`,
      '-c',
      'CREATE DATABASE vfnet_pw OWNER vfnet_pw',
    ]);
    assert.equal(role.status, 0, role.stderr);
    dbUrl = pg.url
      .replace('postgres://postgres@', `postgres://vfnet_pw:${DB_PASSWORD}@`)
      .replace(/\/[^/]*$/, '/vfnet_pw');
    writeFileSync(join(dir, 'db-url'), `${dbUrl}\n`);
    chmodSync(join(dir, 'db-url'), 0o600);
    writeFileSync(
      join(dir, 'tokens.yaml'),
      `tokens:\n  - {token: ${ADMIN}, user: ops, project: admin-project, roles: [admin]}\n`,
    );
    chmodSync(join(dir, 'tokens.yaml'), 0o600);
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (how: { dbFile?: string; env?: Record<string, string> }) => {
    const s = await startVfnet({
      serverJs: paths.serverJs,
      ...how,
      extraArgs: ['--auth', 'token', '--token-file', join(dir, 'tokens.yaml')],
    });
    servers.push(s);
    return s;
  };
  const get = async (s: RunningServer, path: string, token: string | null) => {
    const r = await fetch(`${s.url}${path}`, { headers: { ...H, ...(token ? { 'x-auth-token': token } : {}) } });
    const text = await r.text();
    recordResponse(`GET ${path.replace(/\?.*/, '?...')}`, r.status, text);
    return { status: r.status, text };
  };
  /** Neither the password nor the token: not in the command line, the log, or an answer. */
  const assertClean = (what: string, text: string) => {
    for (const [name, v] of [
      ['the database password', DB_PASSWORD],
      ['the token', ADMIN],
    ] as const)
      assert.equal(text.includes(v) || text.includes(v.slice(0, 12)), false, `${name} in ${what}`);
  };

  it('--db-file: the server uses the database, and its command line holds neither password nor token', async (t) => {
    if (skip) return t.skip(skip);
    const s = await start({ dbFile: join(dir, 'db-url') });
    const made = await fetch(`${s.url}/resource_providers`, {
      method: 'POST',
      headers: { ...H, 'x-auth-token': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'secrets-rp' }),
    });
    assert.equal(made.status, 200);
    const owner = await run('psql', [
      '-tA',
      pg!.url.replace(/\/[^/]*$/, '/vfnet_pw'),
      '-c',
      "SELECT count(*) FROM pg_tables WHERE tableowner = 'vfnet_pw'",
    ]);
    assert.equal(owner.status, 0, owner.stderr);
    assert.ok(Number(owner.stdout.trim()) > 0, 'vfnet made its tables as the role with the password');
    const line = cmdline(s.pid);
    assert.match(line, /--db-file/);
    assertClean('/proc/<pid>/cmdline', line);
  });

  it('$VFNET_DB_URL: the command line holds no password, and the start line shows the URL redacted', async (t) => {
    if (skip) return t.skip(skip);
    const s = await start({ env: { VFNET_DB_URL: dbUrl } });
    assert.equal((await get(s, '/resource_providers', ADMIN)).status, 200);
    assertClean('/proc/<pid>/cmdline', cmdline(s.pid));
    assert.match(s.log(), /postgres:\/\/vfnet_pw:\*\*\*@/);
  });

  it('a token in the query string, wrong tokens and no token: refused, and nothing echoed or logged', async (t) => {
    if (skip) return t.skip(skip);
    const s = servers[0] ?? (await start({ dbFile: join(dir, 'db-url') }));
    const answers = [
      await get(s, `/resource_providers?token=${ADMIN}&X-Auth-Token=${ADMIN}`, null),
      await get(s, `/resource_providers?password=${DB_PASSWORD}`, `${ADMIN}x`),
      await get(s, '/resource_providers', ADMIN.slice(0, -1)),
      await get(s, '/resource_providers', null),
    ];
    assert.deepEqual(
      answers.map((a) => a.status),
      [401, 401, 401, 401],
    );
    for (const a of answers) assertClean('an answer', a.text);
    const log = s.log();
    assert.match(log, /token=\*\*\*/, 'the request was logged, its token replaced');
    assertClean('the server log', log);
  });
});
