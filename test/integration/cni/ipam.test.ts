// Delegates to Debian's real host-local IPAM plugin through the real ProcessRunner.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CniError, type CniRequest, delegateIpam } from '../../../src/cni/index.js';
import { SpawnProcessRunner } from '../../../src/host/process.js';

const PLUGIN_DIR = '/usr/lib/cni';
const skip = !existsSync(join(PLUGIN_DIR, 'host-local'))
  ? 'host-local not installed'
  : process.getuid?.() !== 0
    ? 'needs root'
    : false;

test('host-local ADD then DEL through the real ProcessRunner', { skip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vfnet-hostlocal-'));
  const netnsName = `vfnet-cni-ipam-${process.pid}`;
  execFileSync('ip', ['netns', 'add', netnsName]);
  try {
    const config = {
      cniVersion: '1.0.0',
      name: 'vfnet-ipam-test',
      type: 'sriov',
      ipam: {
        type: 'host-local',
        dataDir,
        ranges: [[{ subnet: '10.250.7.0/24', gateway: '10.250.7.1' }], [{ subnet: 'fd00:250:7::/64' }]],
        routes: [{ dst: '0.0.0.0/0' }],
      },
    };
    const stdin = Buffer.from(JSON.stringify(config, null, 1));
    const stderr: string[] = [];
    const netns = `/var/run/netns/${netnsName}`;
    const request = (command: CniRequest['command']): CniRequest => ({
      command,
      containerId: 'vfnet-ipam-test',
      netns,
      ifname: 'net1',
      args: new Map(),
      ignoreUnknownArgs: false,
      paths: ['/nonexistent', PLUGIN_DIR],
      cniVersion: '1.0.0',
      config,
      stdin,
      prevResult: null,
      env: {
        PATH: process.env.PATH,
        CNI_COMMAND: command,
        CNI_CONTAINERID: 'vfnet-ipam-test',
        CNI_NETNS: netns,
        CNI_IFNAME: 'net1',
        CNI_PATH: `/nonexistent:${PLUGIN_DIR}`,
      },
      stderr: (t) => stderr.push(t),
    });
    const runner = new SpawnProcessRunner();

    const result = delegateIpam('ADD', request('ADD'), runner);
    assert.ok(result);
    assert.deepEqual(result.ips, [
      { address: '10.250.7.2/24', gateway: '10.250.7.1' },
      { address: 'fd00:250:7::2/64', gateway: 'fd00:250:7::1' },
    ]);
    assert.deepEqual(result.routes, [{ dst: '0.0.0.0/0' }]);
    const leases = readdirSync(join(dataDir, 'vfnet-ipam-test'))
      .filter((f) => /^[0-9a-f.:]+$/.test(f))
      .sort();
    assert.deepEqual(leases, ['10.250.7.2', 'fd00:250:7::2']);

    // CHECK passes while the lease is held.
    assert.equal(delegateIpam('CHECK', request('CHECK'), runner), null);

    assert.equal(delegateIpam('DEL', request('DEL'), runner), null);
    const after = readdirSync(join(dataDir, 'vfnet-ipam-test')).filter((f) => /^[0-9a-f.:]+$/.test(f));
    assert.deepEqual(after, []);
    // DEL is idempotent for the delegate too.
    assert.equal(delegateIpam('DEL', request('DEL'), runner), null);
  } finally {
    execFileSync('ip', ['netns', 'delete', netnsName]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("host-local's own error comes back with its code and name", { skip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vfnet-hostlocal-'));
  try {
    // A config host-local rejects: no ranges at all.
    const config = {
      cniVersion: '1.0.0',
      name: 'vfnet-ipam-bad',
      type: 'sriov',
      ipam: { type: 'host-local', dataDir },
    };
    const request: CniRequest = {
      command: 'ADD',
      containerId: 'c1',
      netns: '/var/run/netns/none',
      ifname: 'net1',
      args: new Map(),
      ignoreUnknownArgs: false,
      paths: [PLUGIN_DIR],
      cniVersion: '1.0.0',
      config,
      stdin: Buffer.from(JSON.stringify(config)),
      prevResult: null,
      env: {
        PATH: process.env.PATH,
        CNI_CONTAINERID: 'c1',
        CNI_NETNS: '/var/run/netns/none',
        CNI_IFNAME: 'net1',
        CNI_PATH: PLUGIN_DIR,
      },
      stderr: () => {},
    };
    assert.throws(
      () => delegateIpam('ADD', request, new SpawnProcessRunner()),
      (e: unknown) => {
        assert.ok(e instanceof CniError);
        // host-local's skel reports its Go error as code 999; the message gains the delegate's name.
        assert.equal(e.code, 999);
        assert.equal(e.msg, 'host-local: no IP ranges specified');
        return true;
      },
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
