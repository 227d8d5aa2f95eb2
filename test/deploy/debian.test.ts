// The Debian package installed and purged with dpkg, in a system root of the test's own (not
// the machine's): what lands where, that the installed executables work on their own (no Node,
// no node_modules), and that a purge removes them but not the node's records.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchFor } from '../support/scratch.js';
import { recordBody, recordLog, recordResponse, recordSecret } from '../support/secret-audit.js';
import { debianPackage, dpkg, run, systemRoot } from './support/debian.js';

const FILES = [
  'usr/bin/vfnet',
  'usr/lib/cni/sriov',
  'usr/lib/vfnet/dashboard/app.js',
  'usr/bin/vfnet-install-cni',
  'lib/systemd/system/vfnet-serve.service',
  'lib/systemd/system/vfnet-agent.service',
  'usr/share/doc/vfnet/copyright',
  'etc/vfnet/vfnet.json',
];

/**
 * Starts the installed `vfnet serve` with these arguments and returns the URL it printed. Its
 * whole log goes to the suite's secret audit when it exits.
 */
async function serveFrom(root: string, args: string[]) {
  const child = spawn(join(root, 'usr/bin/vfnet'), ['serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  const exited = once(child, 'exit');
  // The whole URL: a chunk may end inside it, so wait for the whitespace after it.
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      err += chunk;
      const m = err.match(/listening on (http:\/\/\S+)\s/);
      if (m) resolve(m[1] as string);
    });
    exited.then(() => {
      recordLog('deb-vfnet-serve', err);
      reject(new Error(`vfnet serve exited: ${err}`));
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited; // its log is recorded on exit, above
    },
  };
}

/** A command's output to the secret audit, as a log and, when it failed, as an error answer. */
function audited(what: string, r: { status: number | null; stdout: string; stderr: string }) {
  recordLog(`deb-${what}`, `${r.stdout}${r.stderr}`);
  if (r.status !== 0) recordBody(what, r.status, `${r.stdout}${r.stderr}`);
  return r;
}

test('the package installs, works on its own, and purges, keeping the node store', async (t) => {
  const s = scratchFor(t, 'vfnet-deb');
  const root = systemRoot(s);
  const deb = debianPackage();

  const installed = dpkg(root, '-i', deb);
  assert.equal(installed.status, 0, installed.stderr);
  assert.match(dpkg(root, '-s', 'vfnet').stdout, /^Status: install ok installed$/m);
  for (const f of FILES) assert.ok(existsSync(join(root, f)), f);
  // The units are there, not enabled: which of them a host runs is the operator's choice.
  assert.equal(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/vfnet-agent.service')), false);

  const version = run(join(root, 'usr/lib/cni/sriov'), [], { CNI_COMMAND: 'VERSION' });
  assert.equal(version.status, 0, version.stderr);
  assert.ok(JSON.parse(version.stdout).supportedVersions.includes('1.0.0'));
  const served = await serveFrom(root, [
    '--listen',
    '127.0.0.1:0',
    '--db',
    s.path('placement.db'),
    '--log-level',
    'warn',
  ]);
  try {
    const r = await fetch(`${served.url}/resource_providers`, {
      headers: { 'x-auth-token': 'admin', 'openstack-api-version': 'placement 1.39' },
    });
    assert.deepEqual(await r.json(), { resource_providers: [] });
    // The compiled vfnet serves the dashboard's script from the package's copy.
    const script = await fetch(`${served.url}/dashboard/app.js`);
    assert.equal(script.status, 200, await script.clone().text());
    assert.match(await script.text(), /dashboard\/api\/events/);
  } finally {
    await served.stop();
  }

  // What the node recorded (which VF each container holds) outlives the package.
  mkdirSync(join(root, 'var/lib/vfnet'), { recursive: true });
  writeFileSync(join(root, 'var/lib/vfnet/vfnet.db'), 'records');
  const purged = dpkg(root, '--purge', 'vfnet');
  assert.equal(purged.status, 0, purged.stderr);
  for (const f of FILES) assert.equal(existsSync(join(root, f)), false, f);
  assert.notEqual(dpkg(root, '-s', 'vfnet').status, 0);
  assert.equal(readFileSync(join(root, 'var/lib/vfnet/vfnet.db'), 'utf8'), 'records');
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A GET to the installed service; an error answer's body goes to the secret audit. */
async function api(url: string, token?: string) {
  const r = await fetch(url, {
    headers: { 'openstack-api-version': 'placement 1.39', ...(token ? { 'x-auth-token': token } : {}) },
  });
  recordResponse(`GET ${new URL(url).pathname}`, r.status, await r.clone().text());
  return r;
}

test("the package's commented vfnet.json is a conffile the units read; its vfnet serve and agent run from configuration files", async (t) => {
  const s = scratchFor(t, 'vfnet-deb-config');
  const root = systemRoot(s);
  const installed = dpkg(root, '-i', debianPackage());
  assert.equal(installed.status, 0, installed.stderr);
  // dpkg keeps an edited /etc/vfnet/vfnet.json on upgrade because the package declares it.
  assert.match(dpkg(root, '-s', 'vfnet').stdout, /^Conffiles:\n \/etc\/vfnet\/vfnet\.json [0-9a-f]{32}$/m);
  const shipped = readFileSync(join(root, 'etc/vfnet/vfnet.json'), 'utf8');
  assert.match(shipped, /"\/\/ listen": "127\.0\.0\.1:8778"/);
  for (const unit of ['vfnet-serve', 'vfnet-agent'])
    assert.match(
      readFileSync(join(root, `lib/systemd/system/${unit}.service`), 'utf8'),
      /^ExecStart=\/usr\/bin\/vfnet (serve|agent) --config \/etc\/vfnet\/vfnet\.json$/m,
    );
  const vfnet = join(root, 'usr/bin/vfnet');

  // The service: its port, store and authentication from the file, relative paths beside it.
  const etc = s.mkdir('etc-vfnet');
  const token = randomBytes(24).toString('hex');
  recordSecret('deploy static token', token);
  const digest = createHash('sha256').update(token).digest('hex');
  writeFileSync(
    join(etc, 'tokens.yaml'),
    `tokens:\n  - sha256: "${digest}"\n    user: agent\n    project: service\n    roles: [service]\n`,
  );
  const port = await freePort();
  const serveJson = join(etc, 'serve.json');
  writeFileSync(
    serveJson,
    `${JSON.stringify({ serve: { listen: `127.0.0.1:${port}`, db: 'placement.db', auth: 'token', 'token-file': 'tokens.yaml', 'log-level': 'warn' } }, null, 2)}\n`,
  );
  const served = await serveFrom(root, ['--config', serveJson]);
  try {
    assert.equal(served.url, `http://127.0.0.1:${port}`);
    assert.ok(existsSync(join(etc, 'placement.db')));
    const rootDoc = await api(`${served.url}/`);
    assert.equal(rootDoc.status, 200);
    assert.equal(((await rootDoc.json()) as { versions: { max_version: string }[] }).versions[0]!.max_version, '1.39');
    assert.equal((await api(`${served.url}/resource_providers`)).status, 401);
    assert.equal((await api(`${served.url}/resource_providers`, 'not-the-token')).status, 401);

    // The agent: Placement's URL and the token's file from its file, --once from the command line.
    writeFileSync(join(etc, 'placement-token'), `${token}\n`, { mode: 0o600 });
    const agentJson = join(etc, 'agent.json');
    writeFileSync(
      agentJson,
      JSON.stringify({
        agent: {
          placement: served.url,
          'token-file': 'placement-token',
          'sysfs-root': s.mkdir('sys'),
          hostname: 'deb-host',
        },
      }),
    );
    const agent = audited(
      'agent --config',
      run(vfnet, ['agent', '--config', agentJson, '--once'], { VFNET_TOKEN: '', VFNET_TOKEN_FILE: '' }),
    );
    assert.equal(agent.status, 0, agent.stderr);
    assert.match(agent.stdout, /pass 1: in sync/);
    const listed = await api(`${served.url}/resource_providers`, token);
    assert.equal(listed.status, 200);
    const names = ((await listed.json()) as { resource_providers: { name: string }[] }).resource_providers.map(
      (p) => p.name,
    );
    assert.deepEqual(names, ['deb-host']);

    // A mistake in the file: exit 2, the file, line and key named, and nothing started.
    const other = await freePort();
    const bad = join(etc, 'bad.json');
    writeFileSync(bad, `{"serve": {\n  "listen": "127.0.0.1:${other}",\n  "auth": "tokn"}}\n`);
    const refused = audited('serve --config bad', run(vfnet, ['serve', '--config', bad]));
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`${bad}:3: serve\\.auth: expected one of noauth2, token, keystone, got "tokn"`),
    );
    await assert.rejects(fetch(`http://127.0.0.1:${other}/`), /fetch failed/);
    writeFileSync(bad, JSON.stringify({ agent: { placement: served.url, token } }));
    const secret = audited('agent --config inline token', run(vfnet, ['agent', '--config', bad, '--once']));
    assert.equal(secret.status, 2);
    assert.match(secret.stderr, /agent\.token: a secret does not go in this file/);
    assert.equal(secret.stderr.includes(token), false);
  } finally {
    await served.stop();
  }
});
