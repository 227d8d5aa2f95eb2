// Kubernetes manifests as data: YAML documents parsed with `yaml`, validated by kind with the
// API's own schemas (kubernetes-models, generated from the Kubernetes OpenAPI spec and checked
// with ajv), and NetworkAttachmentDefinitions against their CRD's openAPIV3Schema.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../support/paths.js';

// ajv is CommonJS: under ESM its class is the default export's `default`.
type AjvClass = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
};

export function readYaml(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS({ maxAliasCount: -1 }) as Manifest;
    })
    .filter((m) => m !== null);
}

export const deployPath = (...p: string[]) => join(REPO_ROOT, 'deploy', 'kubernetes', ...p);

interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** The kubernetes-models class for a built-in kind, e.g. apps/v1 DaemonSet. */
async function modelFor(m: Manifest): Promise<ModelClass> {
  const mod = (await import(`kubernetes-models/${m.apiVersion}/${m.kind}`)) as Record<string, ModelClass>;
  const model = mod[m.kind];
  if (!model) throw new Error(`no schema for ${m.apiVersion} ${m.kind}`);
  return model;
}

/** Throws with the schema's message when the object is not valid for its kind. */
export async function validateBuiltIn(m: Manifest): Promise<void> {
  const Model = await modelFor(m);
  new Model(m).validate();
}

const crd = readYaml(join(REPO_ROOT, 'test', 'deploy', 'schemas', 'network-attachment-definition.crd.yaml'))[0]!;
export const nadCrd = crd;

/** Validates against the CRD's schema for that version; returns the errors, [] when valid. */
export function nadErrors(m: Manifest): string[] {
  const spec = crd.spec as {
    group: string;
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: object } }[];
  };
  const [group, version] = m.apiVersion.split('/');
  if (group !== spec.group || m.kind !== spec.names.kind)
    return [`not a ${spec.names.kind}: ${m.apiVersion} ${m.kind}`];
  const v = spec.versions.find((x) => x.name === version);
  if (!v) return [`${spec.names.kind} has no version ${version}`];
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(v.schema.openAPIV3Schema);
  return validate(m) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
