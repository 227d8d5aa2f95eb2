// Every route of the API, in one table: method and path → handler, and the microversion the
// method appeared in (Placement's placement/handler.py ROUTE_DECLARATIONS). app.ts registers the
// paths from it, and answers 405 with an `allow:` header that lists a path's methods in the order
// they appear here (which is Placement's order). Each route names the policy rule that guards it
// (src/auth/policy/placement-rules.ts), as Placement's handlers name theirs.
//
// The handlers live in handlers/, one file per resource named after Placement's own
// placement/handlers/*.py (resource_provider.py → resource-provider.ts), so the two code bases
// read file for file; their schemas are in schemas/ after placement/schemas/, and what several
// handlers share is in util.ts (Placement's placement/util.py). A handler never imports another.
//
// A range is open-ended: Placement has never removed a route, so `since` (default 1.0) is all
// there is to it. Below `since` Placement answers 404, except for the few methods marked 405.
import type { Handler } from './context.js';
import * as aggregate from './handlers/aggregate.js';
import * as allocation from './handlers/allocation.js';
import * as allocationCandidate from './handlers/allocation-candidate.js';
import * as inventory from './handlers/inventory.js';
import * as reshaper from './handlers/reshaper.js';
import * as resourceClass from './handlers/resource-class.js';
import * as resourceProvider from './handlers/resource-provider.js';
import * as root from './handlers/root.js';
import * as trait from './handlers/trait.js';
import * as usage from './handlers/usage.js';
import { type Microversion, MV } from './microversion.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Route {
  method: Method;
  /** fastify's syntax (`:uuid`). */
  path: string;
  handler: Handler;
  /** The microversion that added the method to the path (1.0 when absent). */
  since?: Microversion;
  /** What Placement answers below `since`: 404 for most methods, 405 for a few. */
  belowSince?: 404 | 405;
  /** The request must be application/json (415 otherwise)... */
  jsonBody?: boolean;
  /** ...or only below this version (PUT /resource_classes/{name} lost its body in 1.7). */
  jsonBodyBelow?: Microversion;
  /** Placement asks neither token nor policy for the version document. */
  public?: boolean;
  /**
   * The Placement policy rule the handler checks (`context.can(...)` in Placement's handler),
   * e.g. placement:resource_providers:list; every route but the public one has one.
   */
  policy?: string;
}

const RP = '/resource_providers/:uuid';

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/', handler: root.home, public: true },
  // resource_class
  {
    method: 'GET',
    path: '/resource_classes',
    handler: resourceClass.listResourceClasses,
    policy: 'placement:resource_classes:list',
    since: MV.RESOURCE_CLASSES,
  },
  {
    method: 'POST',
    path: '/resource_classes',
    handler: resourceClass.createResourceClass,
    policy: 'placement:resource_classes:create',
    since: MV.RESOURCE_CLASSES,
    jsonBody: true,
  },
  {
    method: 'GET',
    path: '/resource_classes/:name',
    handler: resourceClass.getResourceClass,
    policy: 'placement:resource_classes:show',
    since: MV.RESOURCE_CLASSES,
  },
  {
    method: 'PUT',
    path: '/resource_classes/:name',
    handler: resourceClass.updateResourceClass,
    policy: 'placement:resource_classes:update',
    since: MV.RESOURCE_CLASSES,
    jsonBodyBelow: MV.IDEMPOTENT_RESOURCE_CLASS_PUT,
  },
  {
    method: 'DELETE',
    path: '/resource_classes/:name',
    handler: resourceClass.deleteResourceClass,
    policy: 'placement:resource_classes:delete',
    since: MV.RESOURCE_CLASSES,
  },
  // resource_provider
  {
    method: 'GET',
    path: '/resource_providers',
    handler: resourceProvider.listResourceProviders,
    policy: 'placement:resource_providers:list',
  },
  {
    method: 'POST',
    path: '/resource_providers',
    handler: resourceProvider.createResourceProvider,
    policy: 'placement:resource_providers:create',
    jsonBody: true,
  },
  {
    method: 'GET',
    path: RP,
    handler: resourceProvider.getResourceProvider,
    policy: 'placement:resource_providers:show',
  },
  {
    method: 'PUT',
    path: RP,
    handler: resourceProvider.updateResourceProvider,
    policy: 'placement:resource_providers:update',
    jsonBody: true,
  },
  {
    method: 'DELETE',
    path: RP,
    handler: resourceProvider.deleteResourceProvider,
    policy: 'placement:resource_providers:delete',
  },
  // inventory
  {
    method: 'GET',
    path: `${RP}/inventories`,
    handler: inventory.getInventories,
    policy: 'placement:resource_providers:inventories:list',
  },
  {
    method: 'POST',
    path: `${RP}/inventories`,
    handler: inventory.createInventory,
    policy: 'placement:resource_providers:inventories:create',
    jsonBody: true,
  },
  {
    method: 'PUT',
    path: `${RP}/inventories`,
    handler: inventory.setInventories,
    policy: 'placement:resource_providers:inventories:update',
    jsonBody: true,
  },
  {
    method: 'DELETE',
    path: `${RP}/inventories`,
    handler: inventory.deleteInventories,
    policy: 'placement:resource_providers:inventories:delete',
    since: MV.DELETE_ALL_INVENTORIES,
    belowSince: 405,
  },
  {
    method: 'GET',
    path: `${RP}/inventories/:rc`,
    handler: inventory.getInventory,
    policy: 'placement:resource_providers:inventories:show',
  },
  {
    method: 'PUT',
    path: `${RP}/inventories/:rc`,
    handler: inventory.updateInventory,
    policy: 'placement:resource_providers:inventories:update',
    jsonBody: true,
  },
  {
    method: 'DELETE',
    path: `${RP}/inventories/:rc`,
    handler: inventory.deleteInventory,
    policy: 'placement:resource_providers:inventories:delete',
  },
  // usage, aggregate and allocation of one provider
  {
    method: 'GET',
    path: `${RP}/usages`,
    handler: usage.listUsagesForResourceProvider,
    policy: 'placement:resource_providers:usages',
  },
  {
    method: 'GET',
    path: `${RP}/aggregates`,
    handler: aggregate.getAggregates,
    policy: 'placement:resource_providers:aggregates:list',
    since: MV.PROVIDER_AGGREGATES,
  },
  {
    method: 'PUT',
    path: `${RP}/aggregates`,
    handler: aggregate.setAggregates,
    policy: 'placement:resource_providers:aggregates:update',
    since: MV.PROVIDER_AGGREGATES,
    jsonBody: true,
  },
  {
    method: 'GET',
    path: `${RP}/allocations`,
    handler: allocation.listForResourceProvider,
    policy: 'placement:resource_providers:allocations:list',
  },
  // trait
  {
    method: 'GET',
    path: `${RP}/traits`,
    handler: trait.listTraitsForResourceProvider,
    policy: 'placement:resource_providers:traits:list',
    since: MV.TRAITS,
  },
  {
    method: 'PUT',
    path: `${RP}/traits`,
    handler: trait.updateTraitsForResourceProvider,
    policy: 'placement:resource_providers:traits:update',
    since: MV.TRAITS,
    jsonBody: true,
  },
  {
    method: 'DELETE',
    path: `${RP}/traits`,
    handler: trait.deleteTraitsForResourceProvider,
    policy: 'placement:resource_providers:traits:delete',
    since: MV.TRAITS,
  },
  { method: 'GET', path: '/traits', handler: trait.listTraits, policy: 'placement:traits:list', since: MV.TRAITS },
  { method: 'GET', path: '/traits/:name', handler: trait.getTrait, policy: 'placement:traits:show', since: MV.TRAITS },
  {
    method: 'PUT',
    path: '/traits/:name',
    handler: trait.putTrait,
    policy: 'placement:traits:update',
    since: MV.TRAITS,
  },
  {
    method: 'DELETE',
    path: '/traits/:name',
    handler: trait.deleteTrait,
    policy: 'placement:traits:delete',
    since: MV.TRAITS,
  },
  // allocation
  {
    method: 'GET',
    path: '/allocations/:consumer',
    handler: allocation.listForConsumer,
    policy: 'placement:allocations:list',
  },
  {
    method: 'PUT',
    path: '/allocations/:consumer',
    handler: allocation.setAllocations,
    policy: 'placement:allocations:update',
    jsonBody: true,
  },
  {
    method: 'DELETE',
    path: '/allocations/:consumer',
    handler: allocation.deleteAllocations,
    policy: 'placement:allocations:delete',
  },
  {
    method: 'POST',
    path: '/allocations',
    handler: allocation.setAllocationsForConsumers,
    policy: 'placement:allocations:manage',
    since: MV.POST_ALLOCATIONS,
    jsonBody: true,
  },
  // usage
  { method: 'GET', path: '/usages', handler: usage.getTotalUsages, policy: 'placement:usages', since: MV.USAGES },
  // allocation_candidate
  {
    method: 'GET',
    path: '/allocation_candidates',
    handler: allocationCandidate.listAllocationCandidates,
    policy: 'placement:allocation_candidates:list',
    since: MV.ALLOCATION_CANDIDATES,
  },
  // reshaper
  {
    method: 'POST',
    path: '/reshaper',
    handler: reshaper.reshape,
    policy: 'placement:reshaper:reshape',
    since: MV.RESHAPER,
    jsonBody: true,
  },
];
