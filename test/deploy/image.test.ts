// The node image's installer (deploy/image/install-cni.sh) run as the DaemonSet's init container
// runs it: in the image, with podman, a temporary directory mounted as the host's CNI bin dir.
// And the image's `vfnet` (Bun-compiled, bun:sqlite) registering a simulated host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { labFor } from '../support/lab.js';
import { DEBIAN_CNI_DIR } from '../support/paths.js';
import { type Scratch, scratchFor } from '../support/scratch.js';
import { runImage } from './support/image.js';

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A host with a CNI bin dir and an /etc/vfnet, as the DaemonSet mounts them. */
function host(s: Scratch) {
  const bin = s.mkdir('opt-cni-bin');
  const etc = s.mkdir('etc-vfnet');
  const install = (env: Record<string, string> = {}, args: string[] = [], mounts: string[] = []) =>
    runImage(
      // As the DaemonSet runs it: no capabilities, a read-only root filesystem.
      [
        '--network=none',
        '--cap-drop=ALL',
        '--read-only',
        '--security-opt=no-new-privileges',
        '-v',
        `${bin}:/host/opt/cni/bin`,
        '-v',
        `${etc}:/host/etc/vfnet`,
        ...mounts,
        ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        '--entrypoint',
        'vfnet-install-cni',
      ],
      args,
    );
  return { bin, etc, sriov: join(bin, 'sriov'), install };
}

/** Every file under dir with its content hash, inode and mtime: what "changes nothing" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[p] = `${sha256(p)} ${st.ino} ${st.mtimeMs} ${st.mode.toString(8)}`;
    }
  };
  walk(dir);
  return out;
}

/** A foreign plugin: a real CNI executable from Debian under the name `sriov`, as the Go sriov-cni would be. */
function foreign(path: string): string {
  copyFileSync(join(DEBIAN_CNI_DIR, 'host-local'), path);
  return sha256(path);
}

describe('the image installer', () => {
  test('puts an executable sriov and the node config into empty host directories', (t) => {
    const h = host(scratchFor(t, 'vfnet-deploy'));
    const r = h.install();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(statSync(h.sriov).mode & 0o777, 0o755);
    // The binary that landed is the plugin: it answers CNI VERSION.
    const version = JSON.parse(
      execFileSync(h.sriov, { env: { CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.0.0"}', encoding: 'utf8' }),
    );
    assert.ok(version.supportedVersions.includes('1.0.0'));
    const config = JSON.parse(readFileSync(join(h.etc, 'vfnet.json'), 'utf8'));
    assert.equal(config.agent.db, '/var/lib/vfnet/vfnet.db');
  });

  test('a second run changes nothing', (t) => {
    const h = host(scratchFor(t, 'vfnet-deploy'));
    assert.equal(h.install().status, 0);
    const before = { ...snapshot(h.bin), ...snapshot(h.etc) };
    const r = h.install();
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual({ ...snapshot(h.bin), ...snapshot(h.etc) }, before);
    assert.match(r.stderr, /already this version/);
  });

  test('refuses to overwrite a foreign sriov, and leaves it as it was', (t) => {
    const h = host(scratchFor(t, 'vfnet-deploy'));
    const theirs = foreign(h.sriov);
    const r = h.install();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not vfnet's .*refusing/);
    assert.equal(sha256(h.sriov), theirs);
    assert.equal(existsSync(join(h.bin, '.vfnet-backup')), false);
  });

  for (const [how, env, args] of [
    ['VFNET_REPLACE_FOREIGN=1', { VFNET_REPLACE_FOREIGN: '1' }, []],
    ['--replace-foreign', {}, ['--replace-foreign']],
  ] as const) {
    test(`replaces a foreign sriov when told to (${how}), keeping a copy to roll back to`, (t) => {
      const h = host(scratchFor(t, 'vfnet-deploy'));
      const theirs = foreign(h.sriov);
      const r = h.install(env, [...args]);
      assert.equal(r.status, 0, r.stderr);
      assert.notEqual(sha256(h.sriov), theirs);
      const backups = readdirSync(join(h.bin, '.vfnet-backup'));
      assert.deepEqual(backups, [`sriov.${theirs.slice(0, 12)}`]);
      assert.equal(sha256(join(h.bin, '.vfnet-backup', backups[0]!)), theirs);
      // Once replaced, it is vfnet's: the next run needs no flag.
      assert.equal(h.install().status, 0);
    });
  }

  test('upgrades a sriov it installed itself without being told to', (t) => {
    const h = host(scratchFor(t, 'vfnet-deploy'));
    writeFileSync(h.sriov, '#!/bin/sh\n# an older vfnet\n', { mode: 0o755 });
    writeFileSync(join(h.bin, '.sriov.vfnet-sha256'), `${sha256(h.sriov)}\n`);
    const old = sha256(h.sriov);
    const r = h.install();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /upgrading/);
    assert.notEqual(sha256(h.sriov), old);
    assert.equal(readFileSync(join(h.bin, '.sriov.vfnet-sha256'), 'utf8').trim(), sha256(h.sriov));
  });

  test("keeps the operator's config; one given to the pod replaces it, keeping the old", (t) => {
    const s = scratchFor(t, 'vfnet-deploy');
    const h = host(s);
    const mine = '{"agent":{"db":"/srv/vfnet.db"}}\n';
    writeFileSync(join(h.etc, 'vfnet.json'), mine);
    assert.equal(h.install().status, 0);
    assert.equal(readFileSync(join(h.etc, 'vfnet.json'), 'utf8'), mine);

    const given = s.mkdir('configmap');
    writeFileSync(join(given, 'vfnet.json'), '{"agent":{"placement":"http://placement:8778"}}\n');
    const r = h.install({ VFNET_CONFIG_SRC: '/configmap/vfnet.json' }, [], ['-v', `${given}:/configmap:ro`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(h.etc, 'vfnet.json'), 'utf8')).agent.placement, 'http://placement:8778');
    const kept = readdirSync(join(h.bin, '.vfnet-backup')).filter((n) => n.startsWith('vfnet.json.'));
    assert.equal(readFileSync(join(h.bin, '.vfnet-backup', kept[0]!), 'utf8'), mine);
  });

  test('fails, saying why, when the CNI bin dir is not mounted', () => {
    const r = runImage(['--network=none', '--entrypoint', 'vfnet-install-cni'], []);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not exist \(is the host path mounted\?\)/);
  });
});

describe("the image's vfnet", () => {
  test("registers a simulated host in the node store its default vfnet.json names, as the DaemonSet's does", (t) => {
    const s = scratchFor(t, 'vfnet-deploy');
    const lab = labFor(s, { pfs: 1, vfsPerPf: 2, physnets: ['public'] });
    const store = s.mkdir('var-lib-vfnet');
    // Host network: the lab's VFs are veths in the host's namespace, as a real node's are.
    const r = runImage(
      [
        '--network=host',
        '--cap-drop=ALL',
        '--read-only',
        '--security-opt=no-new-privileges',
        '-v',
        `${lab.dir}:${lab.dir}:ro`,
        '-v',
        `${store}:/var/lib/vfnet`,
      ],
      // No --db: the image's /etc/vfnet/vfnet.json says where the node store is.
      ['agent', '--once', '--json', '--sysfs-root', lab.dir, '--hostname', 'node-a'],
    );
    assert.equal(r.status, 0, r.stderr);
    const pass = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(
      pass.providers.map((p: { name: string }) => p.name).sort(),
      ['node-a', `node-a_${lab.info.pfs[0]!.name}`, `node-a_nic_${lab.info.pfs[0]!.pci.slice(0, -2)}`].sort(),
    );
    assert.ok(existsSync(join(store, 'vfnet.db')));
  });
});
