// The Debian package installed and purged with dpkg, in a system root of the test's own (not
// the machine's): what lands where, that the installed executables work on their own (no Node,
// no node_modules), and that a purge removes them but not the node's records.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchFor } from '../support/scratch.js';
import { debianPackage, dpkg, run, systemRoot } from './support/debian.js';

const FILES = [
  'usr/bin/vfnet',
  'usr/lib/cni/sriov',
  'usr/bin/vfnet-install-cni',
  'lib/systemd/system/vfnet-serve.service',
  'lib/systemd/system/vfnet-agent.service',
  'usr/share/doc/vfnet/copyright',
  'usr/share/doc/vfnet/examples/vfnet.json',
];

/** Starts the installed `vfnet serve` on a free port and returns the URL it printed. */
async function serveFrom(root: string, db: string) {
  const child = spawn(
    join(root, 'usr/bin/vfnet'),
    ['serve', '--listen', '127.0.0.1:0', '--db', db, '--log-level', 'warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr.setEncoding('utf8');
  for await (const chunk of child.stderr) {
    err += chunk;
    const url = err.match(/listening on (http:\/\/\S+)/)?.[1];
    if (url)
      return {
        url,
        stop: async () => {
          child.kill('SIGTERM');
          await once(child, 'exit');
        },
      };
  }
  throw new Error(`vfnet serve exited: ${err}`);
}

test('the package installs, works on its own, and purges, keeping the node store', async (t) => {
  const s = scratchFor(t, 'vfnet-deb');
  const root = systemRoot(s);
  const deb = debianPackage(s);

  const installed = dpkg(root, '-i', deb);
  assert.equal(installed.status, 0, installed.stderr);
  assert.match(dpkg(root, '-s', 'vfnet').stdout, /^Status: install ok installed$/m);
  for (const f of FILES) assert.ok(existsSync(join(root, f)), f);
  // The units are there, not enabled: which of them a host runs is the operator's choice.
  assert.equal(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/vfnet-agent.service')), false);

  const version = run(join(root, 'usr/lib/cni/sriov'), [], { CNI_COMMAND: 'VERSION' });
  assert.equal(version.status, 0, version.stderr);
  assert.ok(JSON.parse(version.stdout).supportedVersions.includes('1.0.0'));
  const served = await serveFrom(root, s.path('placement.db'));
  try {
    const r = await fetch(`${served.url}/resource_providers`, {
      headers: { 'x-auth-token': 'admin', 'openstack-api-version': 'placement 1.39' },
    });
    assert.deepEqual(await r.json(), { resource_providers: [] });
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
