// deploy/kubernetes against the Kubernetes API schemas: each built-in object through
// kubernetes-models' validators, the NetworkAttachmentDefinitions through their CRD's schema and
// their CNI config through the plugin's own parser, as Multus would deliver it; and what the
// manifests promise (privileges, host paths) as facts about the parsed objects.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/sriov/config.js';
import { deployPath, type Manifest, nadCrd, nadErrors, readYaml, validateBuiltIn } from './support/manifests.js';

// What `kubectl apply -k deploy/kubernetes` applies: the kustomization's resources.
const kustomization = readYaml(deployPath('kustomization.yaml'))[0] as unknown as { resources: string[] };
const top = kustomization.resources.flatMap((f) => readYaml(deployPath(f)));
const nads = readdirSync(deployPath('examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => readYaml(deployPath('examples', f)));

type Container = {
  name: string;
  args?: string[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; hostPath?: { path: string } }[];
  hostNetwork?: boolean;
};
const daemonSet = top.find((m) => m.kind === 'DaemonSet')!;
const pod = (daemonSet.spec as { template: { spec: PodSpec } }).template.spec;

describe('deploy/kubernetes', () => {
  for (const m of [...top, nadCrd]) {
    test(`${m.kind} ${m.metadata?.name} is valid for ${m.apiVersion}`, async () => {
      await validateBuiltIn(m);
    });
  }

  test('the kustomization applies the namespace first, and everything lives in it', () => {
    assert.deepEqual(
      top.map((m) => m.kind),
      ['Namespace', 'ConfigMap', 'DaemonSet'],
    );
    for (const m of top.slice(1)) assert.equal(m.metadata?.namespace, top[0]!.metadata?.name);
  });

  test('the validator refuses what the API server would (it is not a no-op)', async () => {
    const broken = structuredClone(daemonSet) as Manifest & { spec: { template: { spec: PodSpec } } };
    (broken.spec.template.spec.volumes[0] as { hostPath: unknown }).hostPath = { path: 42 };
    await assert.rejects(validateBuiltIn(broken), /hostPath\/path must be string/);
    const noSelector = structuredClone(daemonSet) as Manifest & { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    await assert.rejects(validateBuiltIn(noSelector), /selector/);
  });

  test('every container drops all capabilities, runs unprivileged with a read-only root', () => {
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      assert.deepEqual(c.securityContext?.capabilities, { drop: ['ALL'] }, c.name);
      assert.equal(c.securityContext?.privileged, undefined, c.name);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, c.name);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, c.name);
    }
  });

  test('the agent sees the host paths it needs, and may write only the node store', () => {
    const hostPaths = new Map(pod.volumes.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]));
    const agent = pod.containers.find((c) => c.name === 'agent')!;
    const mounts = Object.fromEntries(
      (agent.volumeMounts ?? [])
        .filter((m) => hostPaths.has(m.name))
        .map((m) => [hostPaths.get(m.name), { at: m.mountPath, rw: m.readOnly !== true }]),
    );
    assert.deepEqual(mounts, {
      '/sys': { at: '/sys', rw: false },
      '/var/lib/vfnet': { at: '/var/lib/vfnet', rw: true },
      '/var/lib/cni/sriov': { at: '/var/lib/cni/sriov', rw: false },
      // The node's vfnet.json, which the init container wrote and the agent reads.
      '/etc/vfnet': { at: '/etc/vfnet', rw: false },
    });
    assert.deepEqual(agent.args, ['agent', '--config', '/etc/vfnet/vfnet.json']);
    assert.equal(pod.hostNetwork, true);
    const install = pod.initContainers!.find((c) => c.name === 'install-cni')!;
    assert.ok(
      install.volumeMounts!.some(
        (m) => hostPaths.get(m.name) === '/opt/cni/bin' && m.mountPath === '/host/opt/cni/bin',
      ),
    );
  });
});

describe('the example NetworkAttachmentDefinitions', () => {
  test('there is one per way of choosing a VF', () => {
    const configs = nads.map((n) => JSON.parse((n.spec as { config: string }).config) as Record<string, unknown>);
    assert.ok(
      configs.some((c) => c.physnet),
      'physnet',
    );
    assert.ok(
      configs.some((c) => c.master),
      'master',
    );
    const viaDevicePlugin = nads.filter((n) => n.metadata?.annotations?.['k8s.v1.cni.cncf.io/resourceName']);
    assert.equal(viaDevicePlugin.length, 1, 'deviceID through the device plugin');
  });

  for (const nad of nads) {
    test(`${nad.metadata?.name}: valid for the CRD, and its config is one the plugin accepts`, () => {
      assert.deepEqual(nadErrors(nad), []);
      const config = JSON.parse((nad.spec as { config: string }).config) as Record<string, unknown>;
      assert.equal(config.type, 'sriov');
      assert.equal(config.name, nad.metadata?.name);
      // Multus adds the device plugin's allocation as deviceID; the plugin must then accept it.
      const delivered = nad.metadata?.annotations?.['k8s.v1.cni.cncf.io/resourceName']
        ? { ...config, deviceID: '0000:3b:02.0' }
        : config;
      const parsed = parseConfig(delivered, new Map(), { warnings: [], debug: [] });
      assert.ok(
        parsed.selector.kind === 'deviceID' || parsed.selector.kind === (config.physnet ? 'physnet' : 'master'),
      );
    });
  }

  test('the CRD schema refuses a config that is not a string', () => {
    const bad = { ...nads[0]!, spec: { config: { cniVersion: '1.0.0' } } };
    assert.deepEqual(nadErrors(bad), ['/spec/config must be string']);
  });
});
