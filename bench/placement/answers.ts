// Canonical form of a GET /allocation_candidates answer, so two servers' answers can be compared
// as sets: provider UUIDs (random per populate run) become provider names, and lists whose order
// Placement does not define are sorted.
import type { PlacementClient } from '../../test/api/support/client.js';

export interface CanonicalAnswer {
  /** one string per allocation request: "name:RC=n,..." plus its mappings */
  requests: string[];
  /** provider name -> resources, traits, parent and root names */
  summaries: Record<string, unknown>;
}

export async function providerNames(c: PlacementClient): Promise<Map<string, string>> {
  const body = await c.ok('GET', '/resource_providers');
  return new Map((body.resource_providers as any[]).map((p) => [p.uuid as string, p.name as string]));
}

export function canonical(body: any, names: Map<string, string>): CanonicalAnswer {
  const n = (u: string) => names.get(u) ?? `?${u}`;
  const requests = (body.allocation_requests as any[])
    .map((ar) => {
      const allocs = Object.entries(ar.allocations as Record<string, { resources: Record<string, number> }>)
        .map(
          ([u, a]) =>
            `${n(u)}:${Object.entries(a.resources)
              .sort()
              .map(([rc, v]) => `${rc}=${v}`)
              .join(',')}`,
        )
        .sort()
        .join(' ');
      const mappings = Object.entries((ar.mappings ?? {}) as Record<string, string[]>)
        .map(([g, us]) => `${g}=${us.map(n).sort().join(',')}`)
        .sort()
        .join(' ');
      return `${allocs} | ${mappings}`;
    })
    .sort();
  const summaries: Record<string, unknown> = {};
  for (const [u, s] of Object.entries(body.provider_summaries as Record<string, any>)) {
    summaries[n(u)] = {
      resources: s.resources,
      traits: [...(s.traits ?? [])].sort(),
      parent: s.parent_provider_uuid ? n(s.parent_provider_uuid) : null,
      root: s.root_provider_uuid ? n(s.root_provider_uuid) : null,
    };
  }
  return { requests, summaries };
}

/** Differences between two canonical answers, as readable lines (empty when identical). */
export function differences(mine: CanonicalAnswer, theirs: CanonicalAnswer, limitOnly = false): string[] {
  const out: string[] = [];
  const a = new Set(mine.requests);
  const b = new Set(theirs.requests);
  if (mine.requests.length !== theirs.requests.length) {
    out.push(`${mine.requests.length} allocation requests, peer ${theirs.requests.length}`);
  }
  if (a.size !== mine.requests.length) out.push(`${mine.requests.length - a.size} duplicate allocation requests`);
  if (!limitOnly) {
    const missing = [...b].filter((x) => !a.has(x));
    const extra = [...a].filter((x) => !b.has(x));
    if (missing.length) out.push(`missing ${missing.length}, e.g. ${missing[0]}`);
    if (extra.length) out.push(`extra ${extra.length}, e.g. ${extra[0]}`);
    const sm = JSON.stringify(Object.entries(mine.summaries).sort());
    const st = JSON.stringify(Object.entries(theirs.summaries).sort());
    if (sm !== st) out.push('provider_summaries differ');
  }
  return out;
}
