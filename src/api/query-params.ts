// Parsing of the query values shared by GET /resource_providers and GET /allocation_candidates,
// with Placement's error texts.
import { badRequest, ErrorCode, PlacementError } from '../placement/errors.js';
import { isUuidLike } from './json-schema.js';

export function parseResources(qs: string): Map<string, number> {
  const form =
    'Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024.';
  if (qs.trim() === '') throw badRequest(`${form} Got: empty string.`);
  const out = new Map<string, number>();
  for (const rt of qs.split(',')) {
    const bits = rt.split(':');
    if (bits.length !== 2) throw badRequest(`${form} Got: ${rt}.`);
    const [name, amountText] = bits as [string, string];
    const trimmed = amountText.trim();
    if (!/^[-+]?\d+$/.test(trimmed))
      throw badRequest(`Requested resource ${name} expected positive integer amount. Got: ${amountText}.`);
    const amount = Number(trimmed);
    if (amount < 1) throw badRequest(`Requested resource ${name} requires amount >= 1. Got: ${amount}.`);
    out.set(name, amount);
  }
  return out;
}

export interface TraitTerms {
  /** any-of sets; a plain trait is a set of one */
  required: string[][];
  forbidden: string[];
}

/** `values` are the raw values of one required key (only the last one below 1.39). */
export function parseRequired(values: string[], opts: { allowForbidden: boolean; allowAnyOf: boolean }): TraitTerms {
  const form = opts.allowForbidden ? 'HW_CPU_X86_VMX,!CUSTOM_MAGIC' : 'HW_CPU_X86_VMX,CUSTOM_MAGIC';
  const out: TraitTerms = { required: [], forbidden: [] };
  for (const value of values) {
    if (value.startsWith('in:')) {
      if (!opts.allowAnyOf)
        throw badRequest("The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39.");
      const any = value
        .slice(3)
        .split(',')
        .map((s) => s.trim());
      if (any.some((t) => t === '')) {
        throw badRequest(
          `Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got an empty trait in: ${value}`,
        );
      }
      if (any.some((t) => t.startsWith('!'))) {
        throw badRequest(
          `The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support forbidden traits. Got: ${value}`,
        );
      }
      out.required.push([...new Set(any)]);
      continue;
    }
    const traits = value.split(',').map((s) => s.trim());
    if (traits.some((t) => t === '' || t === '!')) {
      throw badRequest(
        `Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got an empty trait in: ${value}`,
      );
    }
    if (!opts.allowForbidden && traits.some((t) => t.startsWith('!'))) {
      throw badRequest(
        `Invalid query string parameters: Expected 'required' parameter value of the form: ${form}. Got: ${value}`,
      );
    }
    for (const t of new Set(traits)) {
      if (t.startsWith('!')) out.forbidden.push(t.slice(1));
      else out.required.push([t]);
    }
  }
  return out;
}

export function traitNames(t: TraitTerms): string[] {
  return [...new Set([...t.required.flat(), ...t.forbidden])];
}

export interface AggregateTerms {
  memberOf: string[][];
  forbidden: string[];
}

export function parseMemberOf(
  values: string[],
  suffix: string,
  opts: { allowMultiple: boolean; allowForbidden: boolean },
): AggregateTerms {
  if (!opts.allowMultiple && values.length > 1)
    throw badRequest(`Multiple member_of${suffix} parameters are not supported`);
  const out: AggregateTerms = { memberOf: [], forbidden: [] };
  for (let value of values) {
    let forbidden = false;
    if (value.startsWith('!')) {
      if (!opts.allowForbidden)
        throw badRequest(`Forbidden member_of${suffix} parameters are not supported in the specified microversion`);
      forbidden = true;
      value = value.slice(1);
    }
    let aggs: string[];
    if (value.startsWith('in:')) {
      aggs = value.slice(3).split(',');
    } else if (value.includes(',')) {
      throw badRequest(
        `Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using the valid microversion. Got: ${value}`,
      );
    } else {
      aggs = [value];
    }
    for (const a of aggs) {
      if (!isUuidLike(a))
        throw badRequest(
          `Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ${a}`,
        );
    }
    if (forbidden) out.forbidden.push(...aggs);
    else out.memberOf.push([...new Set(aggs)]);
  }
  return out;
}

export function conflictingTraits(key: string, t: TraitTerms): PlacementError | null {
  const forbidden = new Set(t.forbidden);
  const bad = t.required.filter((anyOf) => anyOf.every((x) => forbidden.has(x))).flat();
  if (bad.length === 0) return null;
  return new PlacementError(
    400,
    `Conflicting required and forbidden traits found in the following traits keys: ${key}: (${[...new Set(bad)].join(', ')})`,
    ErrorCode.undefined,
  );
}
