// The DaemonSet's pod, run for real by `podman kube play`: its pod template as a Pod, with the
// host paths it writes moved to scratch directories (/sys stays the host's, read-only), so the
// init container, the agent and `vfnet doctor` run with exactly the manifest's privileges
// (no capabilities, read-only root) and mounts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { scratchFor } from '../support/scratch.js';
import { nodeImage, PODMAN, podmanEnv } from './support/image.js';
import { deployPath, readYaml } from './support/manifests.js';

type Volume = { name: string; hostPath?: { path: string } };
type PodSpec = {
  volumes: Volume[];
  containers: { image: string }[];
  initContainers: { image: string }[];
  restartPolicy?: string;
};

function podman(...args: string[]) {
  const [cmd, ...global] = PODMAN as [string, ...string[]];
  const r = spawnSync(cmd, [...global, ...args], { env: podmanEnv(), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the DaemonSet pod installs sriov, then its agent keeps the node store, with no capabilities', async (t) => {
  const s = scratchFor(t, 'vfnet-ds');
  const [ds] = readYaml(deployPath('daemonset.yaml'));
  const [configMap] = readYaml(deployPath('configmap.yaml'));
  const template = (ds!.spec as { template: { metadata: object; spec: PodSpec } }).template;
  const spec = structuredClone(template.spec);
  const host: Record<string, string> = {};
  for (const v of spec.volumes) {
    if (v.hostPath && v.hostPath.path !== '/sys') {
      host[v.hostPath.path] = s.mkdir(v.hostPath.path.slice(1).replaceAll('/', '-'));
      v.hostPath.path = host[v.hostPath.path]!;
    }
  }
  for (const c of [...spec.containers, ...spec.initContainers]) c.image = nodeImage();
  // podman 4.3 restarts a finished init container under "Always"; a DaemonSet's pods restart
  // by the kubelet's rules, which this test does not exercise.
  spec.restartPolicy = 'Never';
  const name = s.name('vfnet-ds-');
  const file = s.path('pod.yaml');
  writeFileSync(
    file,
    `${stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: {} }, spec })}---\n${stringify(configMap)}`,
  );
  s.defer(`podman kube down ${file}`, () => void podman('kube', 'down', file));

  const play = podman('kube', 'play', file);
  assert.equal(play.status, 0, play.out);
  const agent = `${name}-agent`;
  let logs = '';
  for (let i = 0; i < 60 && !/in sync/.test(logs); i++) {
    await sleep(500);
    logs = podman('logs', agent).out;
  }
  assert.match(logs, /pass 1: in sync/);

  assert.ok(existsSync(join(host['/opt/cni/bin']!, 'sriov')));
  const configMapData = (configMap as unknown as { data: Record<string, string> }).data['vfnet.json'];
  assert.equal(readFileSync(join(host['/etc/vfnet']!, 'vfnet.json'), 'utf8'), configMapData);
  assert.ok(existsSync(join(host['/var/lib/vfnet']!, 'vfnet.db')));

  const caps = podman('exec', agent, 'cat', '/proc/self/status').out;
  assert.match(caps, /^CapEff:\s+0+$/m);
  assert.match(caps, /^CapBnd:\s+0+$/m);
  assert.match(podman('exec', agent, 'touch', '/x').out, /Read-only file system/);
  // doctor in the pod reads the plugin's state and the node store through the pod's mounts.
  const doctor = podman('exec', agent, 'vfnet', 'doctor');
  assert.match(doctor.out, /ledger-claims +PASS/);
  assert.match(doctor.out, /model-claims +PASS .*file:\/\/\/var\/lib\/vfnet\/vfnet\.db/s);
});
