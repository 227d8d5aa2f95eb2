// JSON-schema validation with ajv, reporting the first error in Python jsonschema's words,
// because Placement's clients and tests match those phrases ("'x' is a required property",
// "Failed validating 'minimum' in schema['properties']['total']").
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { PlacementError } from '../placement/errors.js';

type AjvClass = typeof AjvModule.default;
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;

export type Schema = Record<string, unknown>;

/** oslo's is_uuid_like: 32 hex digits, dashes optional, braces/urn prefixes tolerated. */
export function isUuidLike(v: string): boolean {
  const s = v
    .toLowerCase()
    .replace(/^urn:/, '')
    .replace(/^uuid:/, '')
    .replace(/^\{|\}$/g, '')
    .replace(/-/g, '');
  return /^[0-9a-f]{32}$/.test(s) && /^[0-9a-fA-F-]+$/.test(v.replace(/^\{|\}$/g, '').replace(/^urn:uuid:/, ''));
}

/** The longest excerpt of an input an error message echoes (Python's repr, cut with "..."). */
const REPR_MAX = 512;

/**
 * Python's repr() of a JSON value, cut after `max` characters: an error never echoes more than
 * an excerpt of the input, and the walk ends there too, so a value nested 10^6 deep costs no
 * more than a flat one (each level writes a bracket, so the depth reached is at most `max`).
 */
export function pyRepr(v: unknown): string {
  // One argument only: callers pass it to Array.map, whose index must not become the bound.
  const max = REPR_MAX;
  const out = { text: '', max };
  writeRepr(v, out);
  return out.text.length > max ? `${out.text.slice(0, max)}...` : out.text;
}

function writeRepr(v: unknown, out: { text: string; max: number }): void {
  if (out.text.length > out.max) return;
  if (v === null || v === undefined) out.text += 'None';
  else if (v === true) out.text += 'True';
  else if (v === false) out.text += 'False';
  else if (typeof v === 'number') out.text += String(v);
  else if (typeof v === 'string') {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    out.text += quote;
    for (const ch of v) {
      if (out.text.length > out.max) return;
      if (ch === '\\') out.text += '\\\\';
      else if (ch === quote) out.text += `\\${quote}`;
      else if (ch === '\n') out.text += '\\n';
      else if (ch === '\r') out.text += '\\r';
      else if (ch === '\t') out.text += '\\t';
      else if (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127)
        out.text += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
      else out.text += ch;
    }
    out.text += quote;
  } else if (Array.isArray(v)) {
    out.text += '[';
    for (let i = 0; i < v.length && out.text.length <= out.max; i++) {
      if (i > 0) out.text += ', ';
      writeRepr(v[i], out);
    }
    out.text += ']';
  } else {
    out.text += '{';
    let first = true;
    for (const k in v as Record<string, unknown>) {
      if (out.text.length > out.max) break;
      if (!first) out.text += ', ';
      first = false;
      writeRepr(k, out);
      out.text += ': ';
      writeRepr((v as Record<string, unknown>)[k], out);
    }
    out.text += '}';
  }
}

function pathOf(parts: string[]): string {
  return parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `[${pyRepr(p)}]`)).join('');
}

function decodePointer(ptr: string): string[] {
  return ptr
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function message(e: ErrorObject): string {
  const d = e.data;
  const p = e.params as Record<string, unknown>;
  const parent = e.parentSchema as Schema | undefined;
  switch (e.keyword) {
    case 'required':
      return `${pyRepr(p.missingProperty)} is a required property`;
    case 'additionalProperties': {
      const patterns = parent?.patternProperties ? Object.keys(parent.patternProperties as Schema).sort() : null;
      if (patterns)
        return `${pyRepr(p.additionalProperty)} does not match any of the regexes: ${patterns.map(pyRepr).join(', ')}`;
      return `Additional properties are not allowed (${pyRepr(p.additionalProperty)} was unexpected)`;
    }
    case 'type': {
      const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(',');
      return `${pyRepr(d)} is not of type ${types.map(pyRepr).join(', ')}`;
    }
    case 'minLength':
    case 'minItems':
      return `${pyRepr(d)} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${pyRepr(d)} is too long`;
    case 'minimum':
      return `${pyRepr(d)} is less than the minimum of ${p.limit}`;
    case 'maximum':
      return `${pyRepr(d)} is greater than the maximum of ${p.limit}`;
    case 'pattern':
      return `${pyRepr(d)} does not match ${pyRepr(p.pattern)}`;
    case 'format':
      return `${pyRepr(d)} is not a ${pyRepr(p.format)}`;
    case 'enum':
      return `${pyRepr(d)} is not one of ${pyRepr(p.allowedValues)}`;
    case 'uniqueItems':
      return `${pyRepr(d)} has non-unique elements`;
    case 'minProperties':
      return `${pyRepr(d)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(d)} has too many properties`;
    case 'anyOf':
    case 'oneOf':
      return `${pyRepr(d)} is not valid under any of the given schemas`;
    default:
      return `${pyRepr(d)} is invalid (${e.keyword})`;
  }
}

/** Python jsonschema's best_match, approximately: the shallowest error, weak (anyOf) errors last. */
function best(errors: ErrorObject[]): ErrorObject {
  const depth = (e: ErrorObject) =>
    (e.instancePath ? decodePointer(e.instancePath).length : 0) +
    (e.keyword === 'required' || e.keyword === 'additionalProperties' ? 0 : 0);
  let chosen = errors[0]!;
  for (const e of errors) {
    const weak = (x: ErrorObject) => x.keyword === 'anyOf' || x.keyword === 'oneOf';
    if (depth(e) < depth(chosen) || (depth(e) === depth(chosen) && weak(chosen) && !weak(e))) chosen = e;
  }
  // anyOf: Python descends into the sub-error that is deepest-most relevant; report the anyOf itself.
  return chosen;
}

export function formatError(e: ErrorObject): string {
  const schemaParts = decodePointer(e.schemaPath.replace(/^#/, ''));
  schemaParts.pop();
  const instanceParts = decodePointer(e.instancePath);
  const schemaAt = JSON.stringify(e.schema);
  return `${message(e)}\n\nFailed validating ${pyRepr(e.keyword)} in schema${pathOf(schemaParts)}:\n    ${schemaAt}\n\nOn instance${pathOf(instanceParts)}:\n    ${pyRepr(e.data)}`;
}

export class SchemaValidator {
  private readonly ajv: InstanceType<AjvClass>;
  private readonly compiled = new WeakMap<Schema, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: true });
    this.ajv.addFormat('uuid', { type: 'string', validate: isUuidLike });
  }

  /** The Python-style message of the first error, or null when valid. */
  check(schema: Schema, data: unknown): string | null {
    let fn = this.compiled.get(schema);
    if (!fn) {
      fn = this.ajv.compile(schema);
      this.compiled.set(schema, fn);
    }
    if (fn(data)) return null;
    return formatError(best(fn.errors ?? []));
  }

  /** Body validation: 400 "JSON does not validate: ...". */
  body(schema: Schema, data: unknown): void {
    const err = this.check(schema, data);
    if (err) throw new PlacementError(400, `JSON does not validate: ${err}`);
  }

  /** Query validation: 400 "Invalid query string parameters: ...". */
  query(schema: Schema, data: unknown): void {
    const err = this.check(schema, data);
    if (err) throw new PlacementError(400, `Invalid query string parameters: ${err}`);
  }
}
