// Placement's policy rules, as facts: the names, check strings, deprecated (legacy) check
// strings and scope types registered by openstack/placement's placement/policies/*.py (master,
// commit 7ad9ef07, the generation the RBAC gabbi files in shared/conformance describe).
//
// oslo.policy combines a rule with its deprecated rule when new defaults are not enforced:
// the effective check is `(check) or (deprecated)`. Every Placement rule that has a deprecated
// rule has the same one, `role:admin` (DEPRECATED_ADMIN_POLICY in placement/policies/base.py),
// so legacy mode lets a project admin through wherever the new default would refuse.

export interface PlacementRule {
  name: string;
  check: string;
  /** The deprecated check string, OR'd in when new defaults are not enforced. */
  deprecated?: string;
  /** Placement registers every API rule for project scope only; an absent list means any scope. */
  scopeTypes?: readonly string[];
  /** The method and path the rule guards, for documentation and the route table. */
  operations?: ReadonlyArray<{ method: string; path: string }>;
}

const PROJECT = ['project'] as const;
const DEPRECATED_ADMIN = 'role:admin';
const ADMIN_OR_SERVICE = 'rule:admin_or_service_api';

function api(name: string, check: string, ...operations: Array<[string, string]>): PlacementRule {
  return { name, check, scopeTypes: PROJECT, operations: operations.map(([method, path]) => ({ method, path })) };
}

const RP = '/resource_providers/{uuid}';

/** Every rule Placement registers, in the order placement.policies.list_rules() gives them. */
export const PLACEMENT_RULES: readonly PlacementRule[] = [
  // base
  { name: 'admin_api', check: 'role:admin', scopeTypes: PROJECT },
  { name: 'service_api', check: 'role:service', deprecated: DEPRECATED_ADMIN, scopeTypes: PROJECT },
  {
    name: 'admin_or_service_api',
    check: 'role:admin or role:service',
    deprecated: DEPRECATED_ADMIN,
    scopeTypes: PROJECT,
  },
  // No scope_types in Placement: it is only ever reached through the rule below.
  { name: 'project_reader_api', check: 'role:reader and project_id:%(project_id)s', deprecated: DEPRECATED_ADMIN },
  {
    name: 'admin_or_project_reader_or_service_api',
    check: 'role:admin or rule:project_reader_api or role:service',
    deprecated: DEPRECATED_ADMIN,
    scopeTypes: PROJECT,
  },
  // resource_provider
  api('placement:resource_providers:list', ADMIN_OR_SERVICE, ['GET', '/resource_providers']),
  api('placement:resource_providers:create', ADMIN_OR_SERVICE, ['POST', '/resource_providers']),
  api('placement:resource_providers:show', ADMIN_OR_SERVICE, ['GET', RP]),
  api('placement:resource_providers:update', ADMIN_OR_SERVICE, ['PUT', RP]),
  api('placement:resource_providers:delete', ADMIN_OR_SERVICE, ['DELETE', RP]),
  // resource_class
  api('placement:resource_classes:list', ADMIN_OR_SERVICE, ['GET', '/resource_classes']),
  api('placement:resource_classes:create', ADMIN_OR_SERVICE, ['POST', '/resource_classes']),
  api('placement:resource_classes:show', ADMIN_OR_SERVICE, ['GET', '/resource_classes/{name}']),
  api('placement:resource_classes:update', ADMIN_OR_SERVICE, ['PUT', '/resource_classes/{name}']),
  api('placement:resource_classes:delete', ADMIN_OR_SERVICE, ['DELETE', '/resource_classes/{name}']),
  // inventory
  api('placement:resource_providers:inventories:list', ADMIN_OR_SERVICE, ['GET', `${RP}/inventories`]),
  api('placement:resource_providers:inventories:create', ADMIN_OR_SERVICE, ['POST', `${RP}/inventories`]),
  api('placement:resource_providers:inventories:show', ADMIN_OR_SERVICE, ['GET', `${RP}/inventories/{resource_class}`]),
  api(
    'placement:resource_providers:inventories:update',
    ADMIN_OR_SERVICE,
    ['PUT', `${RP}/inventories`],
    ['PUT', `${RP}/inventories/{resource_class}`],
  ),
  api(
    'placement:resource_providers:inventories:delete',
    ADMIN_OR_SERVICE,
    ['DELETE', `${RP}/inventories`],
    ['DELETE', `${RP}/inventories/{resource_class}`],
  ),
  // aggregate
  api('placement:resource_providers:aggregates:list', ADMIN_OR_SERVICE, ['GET', `${RP}/aggregates`]),
  api('placement:resource_providers:aggregates:update', ADMIN_OR_SERVICE, ['PUT', `${RP}/aggregates`]),
  // usage
  api('placement:resource_providers:usages', ADMIN_OR_SERVICE, ['GET', `${RP}/usages`]),
  api('placement:usages', 'rule:admin_or_project_reader_or_service_api', ['GET', '/usages']),
  // trait
  api('placement:traits:list', ADMIN_OR_SERVICE, ['GET', '/traits']),
  api('placement:traits:show', ADMIN_OR_SERVICE, ['GET', '/traits/{name}']),
  api('placement:traits:update', ADMIN_OR_SERVICE, ['PUT', '/traits/{name}']),
  api('placement:traits:delete', ADMIN_OR_SERVICE, ['DELETE', '/traits/{name}']),
  api('placement:resource_providers:traits:list', ADMIN_OR_SERVICE, ['GET', `${RP}/traits`]),
  api('placement:resource_providers:traits:update', ADMIN_OR_SERVICE, ['PUT', `${RP}/traits`]),
  api('placement:resource_providers:traits:delete', ADMIN_OR_SERVICE, ['DELETE', `${RP}/traits`]),
  // allocation
  api('placement:allocations:manage', ADMIN_OR_SERVICE, ['POST', '/allocations']),
  api('placement:allocations:list', ADMIN_OR_SERVICE, ['GET', '/allocations/{consumer_uuid}']),
  api('placement:allocations:update', ADMIN_OR_SERVICE, ['PUT', '/allocations/{consumer_uuid}']),
  api('placement:allocations:delete', ADMIN_OR_SERVICE, ['DELETE', '/allocations/{consumer_uuid}']),
  api('placement:resource_providers:allocations:list', ADMIN_OR_SERVICE, ['GET', `${RP}/allocations`]),
  // allocation_candidate
  api('placement:allocation_candidates:list', ADMIN_OR_SERVICE, ['GET', '/allocation_candidates']),
  // reshaper
  api('placement:reshaper:reshape', 'rule:service_api', ['POST', '/reshaper']),
];
