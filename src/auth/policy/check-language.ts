// oslo.policy's rule language, as far as Placement's defaults and the usual overrides use it:
//   @  !  kind:match  (role:, rule:, and generic checks such as project_id:%(project_id)s)
//   not  and  or  (tightest first)  and parentheses.
// Parsing follows oslo.policy's own tokenizer (split on whitespace; leading '(' and trailing ')'
// peel off a token, so `%(project_id)s` survives) and its failure rule: a rule that cannot be
// parsed is a check that always refuses, so a typo in a policy file closes a door, never opens one.

export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; match: string }
  | { kind: 'generic'; key: string; match: string }
  | { kind: 'literal'; value: string; match: string }
  | { kind: 'not'; check: Check }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] };

export const ALWAYS: Check = { kind: 'true' };
export const NEVER: Check = { kind: 'false' };

/** A Python literal on the left of a generic check (`True:%(user.enabled)s`), as str() shows it. */
function pythonLiteral(kind: string): string | undefined {
  if (kind.length >= 2 && (kind[0] === "'" || kind[0] === '"') && kind.at(-1) === kind[0]) return kind.slice(1, -1);
  if (kind === 'True' || kind === 'False' || kind === 'None') return kind;
  if (/^-?\d+$/.test(kind)) return String(Number.parseInt(kind, 10));
  return undefined;
}

function parseAtom(text: string): Check {
  if (text === '@') return ALWAYS;
  if (text === '!') return NEVER;
  const colon = text.indexOf(':');
  if (colon < 0) return NEVER;
  const kind = text.slice(0, colon);
  const match = text.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: match };
  if (kind === 'role') return { kind: 'role', match };
  // http: checks call out to a server; not supported here, and failing closed is oslo's answer
  // to a check it cannot evaluate.
  if (kind === 'http' || kind === 'https') return NEVER;
  const literal = pythonLiteral(kind);
  if (literal !== undefined) return { kind: 'literal', value: literal, match };
  return { kind: 'generic', key: kind, match };
}

type Token = { t: '(' | ')' | 'and' | 'or' | 'not' } | { t: 'check'; check: Check };

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  for (const raw of rule.split(/\s+/)) {
    if (!raw) continue;
    let tok = raw;
    while (tok.startsWith('(')) {
      out.push({ t: '(' });
      tok = tok.slice(1);
    }
    if (!tok) continue;
    let trail = 0;
    while (tok.endsWith(')')) {
      trail++;
      tok = tok.slice(0, -1);
    }
    const lower = tok.toLowerCase();
    if (lower === 'and' || lower === 'or' || lower === 'not') out.push({ t: lower });
    else if (tok) out.push({ t: 'check', check: parseAtom(tok) });
    for (let i = 0; i < trail; i++) out.push({ t: ')' });
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Check {
    const c = this.or();
    if (this.i !== this.tokens.length) throw new Error('trailing tokens');
    return c;
  }

  private or(): Check {
    const checks = [this.and()];
    while (this.peek() === 'or') {
      this.i++;
      checks.push(this.and());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'or', checks };
  }

  private and(): Check {
    const checks = [this.not()];
    while (this.peek() === 'and') {
      this.i++;
      checks.push(this.not());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'and', checks };
  }

  private not(): Check {
    if (this.peek() === 'not') {
      this.i++;
      return { kind: 'not', check: this.not() };
    }
    return this.atom();
  }

  private atom(): Check {
    const tok = this.tokens[this.i++];
    if (!tok) throw new Error('unexpected end');
    if (tok.t === 'check') return tok.check;
    if (tok.t === '(') {
      const c = this.or();
      if (this.tokens[this.i++]?.t !== ')') throw new Error('unbalanced parentheses');
      return c;
    }
    throw new Error(`unexpected ${tok.t}`);
  }

  private peek(): string | undefined {
    return this.tokens[this.i]?.t;
  }
}

/**
 * Parses a rule: a string in the policy language, or oslo's old list-of-lists form
 * (an OR of ANDs). An empty rule allows everything, as in oslo.policy.
 */
export function parseRule(rule: string | unknown[]): Check {
  if (Array.isArray(rule)) return parseListRule(rule);
  if (rule.trim() === '') return ALWAYS;
  try {
    return new Parser(tokenize(rule)).parse();
  } catch {
    return NEVER;
  }
}

function parseListRule(rule: unknown[]): Check {
  if (rule.length === 0) return ALWAYS;
  const ors: Check[] = [];
  for (const inner of rule) {
    const ands = typeof inner === 'string' ? [inner] : Array.isArray(inner) ? inner : [];
    if (ands.length === 0) continue;
    const checks = ands.map((a) => (typeof a === 'string' ? parseAtom(a) : NEVER));
    ors.push(checks.length === 1 ? checks[0]! : { kind: 'and', checks });
  }
  if (ors.length === 0) return NEVER;
  return ors.length === 1 ? ors[0]! : { kind: 'or', checks: ors };
}

/** Python's str() of a credential or target value, which is what oslo compares. */
export function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

/**
 * Python's `match % target`: `%(key)s` takes target[key] (a missing key fails the check: null),
 * `%%` is a percent sign.
 */
export function substitute(match: string, target: Readonly<Record<string, unknown>>): string | null {
  let missing = false;
  const out = match.replace(/%(?:\(([^)]*)\)s|%)/g, (whole, key: string | undefined) => {
    if (whole === '%%') return '%';
    if (!Object.hasOwn(target, key!)) {
      missing = true;
      return '';
    }
    return pythonStr(target[key!]);
  });
  return missing ? null : out;
}
