// Everything a Placement client can read back, in one JSON value: every provider with its
// inventories, traits, aggregates, usages and allocations, the trait and resource class
// catalogues, and project usages. Two equal dumps mean no write got through.
import type { PlacementClient } from './client.js';

export async function dumpStore(
  c: PlacementClient,
  projects: readonly string[],
  consumers: readonly string[],
): Promise<unknown> {
  const providers = (await c.ok('GET', '/resource_providers')).resource_providers as any[];
  providers.sort((a, b) => String(a.uuid).localeCompare(String(b.uuid)));
  const perProvider: Record<string, unknown> = {};
  for (const p of providers) {
    const base = `/resource_providers/${p.uuid}`;
    const [inventories, traits, aggregates, usages, allocations] = await Promise.all([
      c.ok('GET', `${base}/inventories`),
      c.ok('GET', `${base}/traits`),
      c.ok('GET', `${base}/aggregates`),
      c.ok('GET', `${base}/usages`),
      c.ok('GET', `${base}/allocations`),
    ]);
    traits.traits.sort();
    aggregates.aggregates.sort();
    perProvider[p.uuid] = { provider: p, inventories, traits, aggregates, usages, allocations };
  }
  const traits = (await c.ok('GET', '/traits')).traits.sort();
  const classes = (await c.ok('GET', '/resource_classes')).resource_classes.map((r: any) => r.name).sort();
  const usages: Record<string, unknown> = {};
  for (const p of projects) usages[p] = await c.ok('GET', `/usages?project_id=${p}`);
  const allocations: Record<string, unknown> = {};
  for (const consumer of consumers) allocations[consumer] = await c.ok('GET', `/allocations/${consumer}`);
  return { providers: perProvider, traits, classes, usages, allocations };
}
