// The vfnet.json files the artifacts ship (the image's default, the DaemonSet's ConfigMap) and
// the operator guide's example are ones the loader accepts; and the manifests name the image
// that deploy/image/build.sh tags for this version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigFile } from '../../src/cli/config-file.js';
import { REPO_ROOT } from '../support/paths.js';
import { deployPath, readYaml } from './support/manifests.js';

const read = (...p: string[]) => readFileSync(join(REPO_ROOT, ...p), 'utf8');
// The guide's token-file example is not on this machine; the loader reads it through this.
const noFiles = () => 'token';

test("the image's default vfnet.json loads, for the agent on the node store", () => {
  assert.deepEqual(parseConfigFile(read('deploy', 'image', 'vfnet.json'), '/etc/vfnet/vfnet.json'), {
    agent: { db: '/var/lib/vfnet/vfnet.db', interval: 60 },
  });
});

test("the ConfigMap's vfnet.json loads", () => {
  const [configMap] = readYaml(deployPath('configmap.yaml'));
  const text = (configMap as unknown as { data: Record<string, string> }).data['vfnet.json']!;
  assert.equal(parseConfigFile(text, '/etc/vfnet/vfnet.json').agent?.db, '/var/lib/vfnet/vfnet.db');
});

test("the operator guide's example configuration loads", () => {
  const example = read('docs', 'operator-guide.md').match(
    /## The configuration file[\s\S]*?```json\n([\s\S]*?)```/,
  )?.[1];
  assert.ok(example);
  const s = parseConfigFile(example, '/etc/vfnet/vfnet.json', noFiles);
  assert.deepEqual(Object.keys(s).sort(), ['agent', 'serve']);
  assert.deepEqual(s.agent?.physnet, ['ens1f0=public', 'ens1f1=intranet']);
});

test('the DaemonSet runs the image build.sh makes for this version', () => {
  const version = JSON.parse(read('package.json')).version as string;
  const buildName = read('deploy', 'image', 'build.sh').match(/NAME=\$\{VFNET_IMAGE_NAME:-([^}]+)\}/)?.[1];
  const [ds] = readYaml(deployPath('daemonset.yaml'));
  const spec = (
    ds!.spec as { template: { spec: { containers: { image: string }[]; initContainers: { image: string }[] } } }
  ).template.spec;
  for (const c of [...spec.containers, ...spec.initContainers]) assert.equal(c.image, `${buildName}:${version}`);
});
