// Placement's microversions, one name each, and OpenStack-API-Version negotiation.
//
// This is the one list of what each version added (after Placement's
// placement/rest_api_version_history.rst; Placement keeps its own list in placement/microversion.py).
// Handlers, schemas and the route table say `ctx.atLeast(MV.STRING_SUFFIXES)` or
// `since: MV.RESHAPER`, never a bare number, so a version check reads as the feature it gates and
// `grep MV.X` finds every place a feature is switched on.
import { PlacementError } from '../placement/errors.js';

declare const microversion: unique symbol;
/** The minor number of a 1.x microversion; only this file makes one, so no bare number passes for it. */
export type Microversion = number & { readonly [microversion]: true };
const v = (minor: number) => minor as Microversion;

export const MV = {
  /** 1.0 (Newton): /resource_providers, their inventories, usages and allocations, /allocations/{consumer}. */
  INITIAL: v(0),
  /** 1.1 (Ocata): GET/PUT /resource_providers/{uuid}/aggregates. */
  PROVIDER_AGGREGATES: v(1),
  /** 1.2 (Ocata): /resource_classes (list, create, show, rename, delete custom classes `CUSTOM_*`). */
  RESOURCE_CLASSES: v(2),
  /** 1.3 (Ocata): `member_of=in:agg1,agg2` on GET /resource_providers. */
  MEMBER_OF: v(3),
  /** 1.4 (Ocata): `resources=RC:N,...` capacity filter on GET /resource_providers. */
  RESOURCES_FILTER: v(4),
  /** 1.5 (Pike): DELETE /resource_providers/{uuid}/inventories (all classes at once). */
  DELETE_ALL_INVENTORIES: v(5),
  /** 1.6 (Pike): /traits and /resource_providers/{uuid}/traits. */
  TRAITS: v(6),
  /** 1.7 (Pike): PUT /resource_classes/{name} is create-or-verify (201/204), no body. */
  IDEMPOTENT_RESOURCE_CLASS_PUT: v(7),
  /** 1.8 (Pike): `project_id` and `user_id` required in PUT /allocations/{consumer}. */
  ALLOCATION_OWNER: v(8),
  /** 1.9 (Pike): GET /usages?project_id=&user_id=. */
  USAGES: v(9),
  /** 1.10 (Pike): GET /allocation_candidates (`resources=` only, list-form allocation requests). */
  ALLOCATION_CANDIDATES: v(10),
  /** 1.11 (Queens): an `allocations` link in each provider's `links`. */
  ALLOCATIONS_LINK: v(11),
  /**
   * 1.12 (Queens): PUT /allocations/{consumer} takes the dict form `{rp_uuid: {resources}}`; GET
   * returns `project_id`/`user_id`; allocation candidates' requests use the same dict form.
   */
  ALLOCATIONS_DICT: v(12),
  /** 1.13 (Queens): POST /allocations (several consumers at once; empty `allocations` clears one). */
  POST_ALLOCATIONS: v(13),
  /** 1.14 (Queens): nested providers: `parent_provider_uuid`, read-only `root_provider_uuid`, `in_tree=`. */
  NESTED_PROVIDERS: v(14),
  /** 1.15 (Queens): `last-modified` and `cache-control: no-cache` on GETs and on PUT/POST answers with a body. */
  LAST_MODIFIED: v(15),
  /** 1.16 (Queens): `limit=` on GET /allocation_candidates. */
  CANDIDATES_LIMIT: v(16),
  /** 1.17 (Queens): `required=` traits on GET /allocation_candidates; `traits` in provider_summaries. */
  CANDIDATES_REQUIRED: v(17),
  /** 1.18 (Rocky): `required=` traits on GET /resource_providers. */
  PROVIDERS_REQUIRED: v(18),
  /** 1.19 (Rocky): provider aggregates GET/PUT carry `resource_provider_generation` (409 on mismatch). */
  AGGREGATES_GENERATION: v(19),
  /** 1.20 (Rocky): POST /resource_providers answers 200 with the provider (was 201 and a Location only). */
  CREATE_PROVIDER_BODY: v(20),
  /** 1.21 (Rocky): `member_of=` on GET /allocation_candidates. */
  CANDIDATES_MEMBER_OF: v(21),
  /** 1.22 (Rocky): forbidden traits `!TRAIT` in `required` (providers and allocation candidates). */
  FORBIDDEN_TRAITS: v(22),
  /** 1.23 (Rocky): JSON errors carry a `code` (default `placement.undefined_code`). */
  ERROR_CODES: v(23),
  /** 1.24 (Rocky): repeated `member_of` on GET /resource_providers (AND of any-of lists). */
  MULTIPLE_MEMBER_OF: v(24),
  /** 1.25 (Rocky): granular request groups `resourcesN`/`requiredN`/`member_ofN` and `group_policy`. */
  GRANULAR_GROUPS: v(25),
  /** 1.26 (Rocky): an inventory's `reserved` may equal its `total` (capacity 0). */
  RESERVED_EQUALS_TOTAL: v(26),
  /** 1.27 (Rocky): provider_summaries list all the provider's classes, not only the requested ones. */
  ALL_SUMMARY_CLASSES: v(27),
  /** 1.28 (Rocky): consumer generations, required in PUT/POST allocations; PUT with empty allocations deletes safely. */
  CONSUMER_GENERATIONS: v(28),
  /** 1.29 (Rocky): nested-aware allocation candidates; `parent_/root_provider_uuid` in provider_summaries. */
  NESTED_CANDIDATES: v(29),
  /** 1.30 (Rocky): POST /reshaper (move inventories and allocations atomically). */
  RESHAPER: v(30),
  /** 1.31 (Stein): `in_tree` / `in_treeN` on GET /allocation_candidates. */
  CANDIDATES_IN_TREE: v(31),
  /** 1.32 (Train): forbidden aggregates `member_of=!agg`, `member_of=!in:a,b`. */
  FORBIDDEN_AGGREGATES: v(32),
  /** 1.33 (Train): string suffixes for request groups, `[a-zA-Z0-9_-]{1,64}` (e.g. `resources_PORT_<uuid>`). */
  STRING_SUFFIXES: v(33),
  /** 1.34 (Train): `mappings` (suffix to provider uuids) in each allocation request; accepted back in PUT/POST allocations. */
  MAPPINGS: v(34),
  /** 1.35 (Train): `root_required=T,!T` (traits of the tree's root provider). */
  ROOT_REQUIRED: v(35),
  /** 1.36 (Train): `same_subtree=_A,_B`; resourceless suffixed groups when named in a same_subtree. */
  SAME_SUBTREE: v(36),
  /** 1.37 (Xena): PUT /resource_providers/{uuid} may re-parent or un-parent (never into its own subtree). */
  REPARENT: v(37),
  /** 1.38 (Xena): `consumer_type` in allocation writes and reshaper; GET /usages grouped by consumer type. */
  CONSUMER_TYPES: v(38),
  /** 1.39 (Yoga): `required=in:T1,T2` (any of) and repeated `required` (all of) on candidates and providers. */
  ANY_TRAITS: v(39),
} as const;

/**
 * vfnet's own additions, each riding on the Placement version it needs. Placement answers an
 * unknown query key with 400, so no standard client's answer changes (design §5.3).
 */
export const VFNET = {
  /** `can_split=RC,...` on GET /allocation_candidates needs nested-aware candidates. */
  CAN_SPLIT: MV.NESTED_CANDIDATES,
} as const;

export interface Version {
  major: number;
  minor: number;
}

export const MIN_VERSION: Version = { major: 1, minor: MV.INITIAL };
export const MAX_VERSION: Version = { major: 1, minor: MV.ANY_TRAITS };

export const versionString = (ver: Version) => `${ver.major}.${ver.minor}`;

/** ver >= 1.mv */
export function atLeast(ver: Version, mv: Microversion): boolean {
  return ver.major > 1 || (ver.major === 1 && ver.minor >= mv);
}

/**
 * Reads the placement version from the header value (which may list several services).
 * Throws the 400/406 errors of Placement's microversion middleware.
 */
export function parseVersionHeader(header: string | undefined): Version {
  if (!header) return MIN_VERSION;
  let value: string | undefined;
  for (const part of header.split(',')) {
    const [service, ...rest] = part.trim().split(/\s+/);
    if (service?.toLowerCase() === 'placement') value = rest.join(' ');
  }
  if (value === undefined) return MIN_VERSION;
  if (value === 'latest') return MAX_VERSION;
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) {
    throw new PlacementError(400, `Invalid microversion: invalid version string: ${value}`, undefined, { extra: { noCode: true } });
  }
  const ver = { major: Number(m[1]), minor: Number(m[2]) };
  const tooLow = ver.major < MIN_VERSION.major || (ver.major === MIN_VERSION.major && ver.minor < MIN_VERSION.minor);
  const tooHigh = ver.major > MAX_VERSION.major || (ver.major === MAX_VERSION.major && ver.minor > MAX_VERSION.minor);
  if (tooLow || tooHigh) {
    throw new PlacementError(406, `Invalid microversion: Unacceptable version header: ${value}`, undefined, {
      extra: { noCode: true, max_version: versionString(MAX_VERSION), min_version: versionString(MIN_VERSION) },
    });
  }
  return ver;
}
