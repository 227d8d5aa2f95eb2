// Decides whether a caller may perform one of Placement's actions, the way oslo.policy's
// Enforcer does for Placement: registered defaults (legacy: OR'd with their deprecated check),
// overridden by a policy file, with scope enforced against the action's scope types.
import { type Check, NEVER, parseRule, pythonStr, substitute } from './check-language.js';
import { PLACEMENT_RULES, type PlacementRule } from './placement-rules.js';

/**
 * `secure`: the new defaults only (oslo.policy's enforce_new_defaults = True).
 * `legacy`: each default OR'd with its deprecated check (enforce_new_defaults = False).
 */
export type PolicyDefaults = 'secure' | 'legacy';

/**
 * The default is `secure`. Current Placement (and oslo.policy since 4.4, the 2024.1 release)
 * enforces the new defaults and scope out of the box; the legacy defaults survive only as
 * deprecated rules that upstream means to remove. Starting where a current Placement starts
 * means an operator moving between the two sees the same answers.
 */
export const DEFAULT_POLICY_DEFAULTS: PolicyDefaults = 'secure';

/** What oslo.policy compares: the request context's policy values. */
export type Credentials = Readonly<Record<string, unknown>>;
export type Target = Readonly<Record<string, unknown>>;

export type Decision = { allowed: true } | { allowed: false; why: 'scope' | 'rule' };

export interface EnforcerOptions {
  defaults: PolicyDefaults;
  /** Rules from a policy file, by name: they replace the defaults of the same name. */
  overrides?: Readonly<Record<string, string | unknown[]>>;
  /** Refuse a token whose scope is not among the action's scope types (default true, as upstream now). */
  enforceScope?: boolean;
  /** The registered rules (default: Placement's). */
  rules?: readonly PlacementRule[];
}

// A rule that refers to itself through rule: would recurse for ever in a naive evaluator;
// oslo refuses such files at load. Deeper than this is a circle, and a circle refuses.
const MAX_RULE_DEPTH = 32;

export class PolicyEnforcer {
  private readonly checks = new Map<string, Check>();
  private readonly registered = new Map<string, PlacementRule>();
  private readonly enforceScope: boolean;

  constructor(opts: EnforcerOptions) {
    this.enforceScope = opts.enforceScope ?? true;
    const overrides = opts.overrides ?? {};
    for (const rule of opts.rules ?? PLACEMENT_RULES) {
      this.registered.set(rule.name, rule);
      const combine = opts.defaults === 'legacy' && rule.deprecated !== undefined && rule.deprecated !== rule.check;
      const text = combine ? `(${rule.check}) or (${rule.deprecated})` : rule.check;
      this.checks.set(rule.name, parseRule(text));
    }
    for (const [name, text] of Object.entries(overrides)) this.checks.set(name, parseRule(text));
  }

  /** The names this enforcer knows (registered and from the file). */
  ruleNames(): string[] {
    return [...this.checks.keys()];
  }

  /**
   * Decides `action` for `creds` on `target`. An action that was never registered is a
   * programming error (Placement answers 500 for it), so it throws.
   */
  authorize(action: string, target: Target, creds: Credentials): Decision {
    const registered = this.registered.get(action);
    if (!registered) throw new Error(`policy ${action} is not registered`);
    if (registered.scopeTypes && this.enforceScope && !registered.scopeTypes.includes(tokenScope(creds))) {
      return { allowed: false, why: 'scope' };
    }
    const check = this.checks.get(action) ?? NEVER;
    return this.evaluate(check, target, creds, 0) ? { allowed: true } : { allowed: false, why: 'rule' };
  }

  private evaluate(check: Check, target: Target, creds: Credentials, depth: number): boolean {
    switch (check.kind) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'not':
        return !this.evaluate(check.check, target, creds, depth);
      case 'and':
        return check.checks.every((c) => this.evaluate(c, target, creds, depth));
      case 'or':
        return check.checks.some((c) => this.evaluate(c, target, creds, depth));
      case 'rule': {
        const next = this.checks.get(check.name);
        if (!next || depth >= MAX_RULE_DEPTH) return false;
        return this.evaluate(next, target, creds, depth + 1);
      }
      case 'role': {
        const match = substitute(check.match, target);
        if (match === null) return false;
        const roles = creds.roles;
        return Array.isArray(roles) && roles.some((r) => String(r).toLowerCase() === match.toLowerCase());
      }
      case 'literal': {
        const match = substitute(check.match, target);
        return match !== null && match === check.value;
      }
      case 'generic': {
        const match = substitute(check.match, target);
        return match !== null && findInCreds(creds, check.key.split('.'), match);
      }
    }
  }
}

/** oslo.policy's reading of a token's scope: system, else domain, else project. */
export function tokenScope(creds: Credentials): 'system' | 'domain' | 'project' {
  if (creds.system_scope || creds.system) return 'system';
  if (creds.domain_id) return 'domain';
  return 'project';
}

/** A dotted path into the credentials; a list on the way matches if any element does. */
function findInCreds(value: unknown, path: string[], match: string): boolean {
  if (path.length === 0) return match === pythonStr(value);
  if (value === null || typeof value !== 'object') return false;
  const [key, ...rest] = path;
  if (!Object.hasOwn(value, key!)) return false;
  const next = (value as Record<string, unknown>)[key!];
  if (Array.isArray(next)) return next.some((v) => findInCreds(v, rest, match));
  return findInCreds(next, rest, match);
}
