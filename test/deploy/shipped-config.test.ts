// The vfnet.json files the artifacts ship (the image's default, the DaemonSet's ConfigMap) and
// the operator guide's example are ones the loader accepts; and the manifests name the image
// that deploy/image/build.sh tags for this version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CheckedConfig, checkConfig } from '../../src/cli/config-apply.js';
import { parseConfigText } from '../../src/cli/config-file.js';
import { vfnetProgram } from '../../src/cli/main.js';
import { REPO_ROOT } from '../support/paths.js';
import { deployPath, readYaml } from './support/manifests.js';

const read = (...p: string[]) => readFileSync(join(REPO_ROOT, ...p), 'utf8');
// The guide's token-file example is not on this machine; the loader reads it through this.
const noFiles = () => 'token';

/** The file checked as the commands check it, every section against its command's flags. */
function load(text: string, path = '/etc/vfnet/vfnet.json', read = noFiles): Record<string, Record<string, unknown>> {
  const checked: CheckedConfig = checkConfig(vfnetProgram(), { path, sections: parseConfigText(text, path) }, read);
  return Object.fromEntries(
    Object.entries(checked).map(([s, m]) => [s, Object.fromEntries([...m].map(([k, v]) => [k, v.value]))]),
  );
}

test("the image's and the package's default vfnet.json loads: the agent on the node store, the rest commented out", () => {
  assert.deepEqual(load(read('deploy', 'image', 'vfnet.json')), {
    serve: {},
    agent: { db: '/var/lib/vfnet/vfnet.db', interval: 60, physnet: [] },
  });
});

test("the default's commented-out keys are keys of their section, so uncommenting one works", () => {
  const text = read('deploy', 'image', 'vfnet.json').replace(/"\/\/ ?([a-z][a-z-]*)":/g, '"$1":');
  const s = load(text.replace(/"db": "\/var\/lib\/vfnet\/vfnet.db",/, ''));
  assert.deepEqual(Object.keys(s.serve ?? {}).sort(), ['allowed-host', 'auth', 'db', 'listen', 'token-file']);
  assert.deepEqual(Object.keys(s.agent ?? {}).sort(), ['interval', 'physnet', 'placement', 'token-file']);
});

test("the ConfigMap's vfnet.json loads", () => {
  const [configMap] = readYaml(deployPath('configmap.yaml'));
  const text = (configMap as unknown as { data: Record<string, string> }).data['vfnet.json']!;
  assert.equal(load(text).agent?.db, '/var/lib/vfnet/vfnet.db');
});

test("the operator guide's example configuration loads, every section", () => {
  const example = read('docs', 'operator-guide.md').match(
    /## The configuration file[\s\S]*?```json\n([\s\S]*?)```/,
  )?.[1];
  assert.ok(example);
  const s = load(example);
  assert.deepEqual(Object.keys(s).sort(), ['agent', 'serve']);
  assert.deepEqual(s.agent?.physnet, ['ens1f0=public', 'ens1f1=intranet']);
  assert.equal(s.serve?.auth, 'token');
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
