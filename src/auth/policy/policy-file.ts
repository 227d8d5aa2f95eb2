// A policy file in oslo.policy's form: a YAML or JSON mapping of rule name to check string
// (or the old list-of-lists). YAML is a superset of JSON, so one parser reads both.
import { parse } from 'yaml';

export type PolicyOverrides = Record<string, string | unknown[]>;

export class PolicyFileError extends Error {
  override name = 'PolicyFileError';
}

/** Parses the text of a policy file; `where` names it in errors. An empty file overrides nothing. */
export function parsePolicyFile(text: string, where: string): PolicyOverrides {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new PolicyFileError(`${where}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PolicyFileError(`${where}: a policy file is a mapping of rule name to check string`);
  }
  const out: PolicyOverrides = {};
  for (const [name, rule] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof rule !== 'string' && !Array.isArray(rule)) {
      throw new PolicyFileError(`${where}: rule ${JSON.stringify(name)} must be a check string, e.g. "role:admin"`);
    }
    out[name] = rule;
  }
  return out;
}

/**
 * The policy file that opens every rule to any authenticated caller except the base
 * `admin_api` rule: what Placement's OpenPolicyFixture sets for its *-policy.yaml tests.
 */
export function openPolicyOverrides(ruleNames: readonly string[]): PolicyOverrides {
  return Object.fromEntries(ruleNames.filter((n) => n !== 'admin_api').map((n) => [n, '@']));
}
