// deploy/kubernetes/multus-thick-patch.yaml applied as `kubectl patch --type strategic` applies
// it (lists of containers, volumeMounts and volumes merge by name) to a DaemonSet shaped like
// thick Multus's reference one, and the result validated against the API schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployPath, type Manifest, readYaml, validateBuiltIn } from './support/manifests.js';

type Named = { name: string; [k: string]: unknown };
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'volumeMounts', 'volumes']);

/** Strategic merge for the keys this patch uses: maps merge, named lists merge by name. */
function merge(base: unknown, patch: unknown, key = ''): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && MERGE_BY_NAME.has(key)) {
    const out = (base as Named[]).map((b) => {
      const p = (patch as Named[]).find((x) => x.name === b.name);
      return p ? merge(b, p) : b;
    });
    for (const p of patch as Named[]) if (!out.some((b) => (b as Named).name === p.name)) out.push(p);
    return out;
  }
  if (base && patch && typeof base === 'object' && typeof patch === 'object' && !Array.isArray(patch)) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(patch)) out[k] = k in out ? merge(out[k], v, k) : v;
    return out;
  }
  return patch;
}

/** The parts of thick Multus's DaemonSet the patch meets: its container and some of its host paths. */
const multusThick: Manifest = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'kube-multus-ds', namespace: 'kube-system' },
  spec: {
    selector: { matchLabels: { name: 'multus' } },
    template: {
      metadata: { labels: { name: 'multus' } },
      spec: {
        hostNetwork: true,
        containers: [
          {
            name: 'kube-multus',
            image: 'multus-cni:thick',
            securityContext: { privileged: true },
            volumeMounts: [
              { name: 'cnibin', mountPath: '/opt/cni/bin' },
              { name: 'host-run-netns', mountPath: '/run/netns', mountPropagation: 'HostToContainer' },
            ],
          },
        ],
        volumes: [
          { name: 'cnibin', hostPath: { path: '/opt/cni/bin' } },
          { name: 'host-run-netns', hostPath: { path: '/run/netns/' } },
        ],
      },
    },
  },
};

test('the thick Multus patch mounts the plugin state and the node store at their host paths', async () => {
  const [patch] = readYaml(deployPath('multus-thick-patch.yaml'));
  const patched = merge(multusThick, patch) as Manifest;
  await validateBuiltIn(patched);
  const spec = (
    patched.spec as {
      template: {
        spec: {
          containers: { name: string; volumeMounts: { name: string; mountPath: string }[] }[];
          volumes: { name: string; hostPath?: { path: string } }[];
        };
      };
    }
  ).template.spec;
  const paths = new Map(spec.volumes.map((v) => [v.name, v.hostPath?.path]));
  const mounts = spec.containers[0]!.volumeMounts.map((m) => [paths.get(m.name), m.mountPath]);
  // The plugin runs inside the container with the host's paths: each is mounted where it is on the host.
  for (const p of ['/var/lib/cni/sriov', '/var/lib/vfnet'])
    assert.deepEqual(
      mounts.find(([h]) => h === p),
      [p, p],
    );
  // What was there stays.
  assert.equal(spec.containers.length, 1);
  assert.ok(mounts.some(([h]) => h === '/run/netns/'));
});
