// Builds provider snapshots for engine tests without a database.

import type { RequestGroup } from '../../src/placement/candidates.js';
import { ProviderSnapshot, type SnapshotRows } from '../../src/placement/snapshot.js';
import type { Inventory } from '../../src/placement/types.js';

export interface TreeSpec {
  name: string;
  parent?: string;
  inventory?: Record<string, number | (Partial<Inventory> & { total: number })>;
  used?: Record<string, number>;
  traits?: string[];
  aggregates?: string[];
}

/** uuid derived from the name, so tests can refer to providers by name. */
export const uuidOf = (name: string) => {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const hex = (h.toString(16).padStart(8, '0') + Buffer.from(name).toString('hex').padEnd(24, '0')).slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

export function snapshotOf(specs: TreeSpec[]): ProviderSnapshot {
  const rows: SnapshotRows = { providers: [], inventories: [], usages: [], traits: [], aggregates: [] };
  const ids = new Map<string, number>();
  specs.forEach((s, i) => {
    ids.set(s.name, i + 1);
  });
  const byName = new Map(specs.map((s) => [s.name, s]));
  const rootOf = (name: string): number => {
    const s = byName.get(name)!;
    return s.parent ? rootOf(s.parent) : ids.get(name)!;
  };
  for (const s of specs) {
    const id = ids.get(s.name)!;
    rows.providers.push({
      id,
      uuid: uuidOf(s.name),
      name: s.name,
      generation: 0,
      parentId: s.parent ? ids.get(s.parent)! : null,
      rootId: rootOf(s.name),
      createdAt: 0,
      updatedAt: 0,
    });
    for (const [rc, v] of Object.entries(s.inventory ?? {})) {
      const inv = typeof v === 'number' ? { total: v } : v;
      rows.inventories.push({
        providerId: id,
        resourceClass: rc,
        total: inv.total,
        reserved: inv.reserved ?? 0,
        minUnit: inv.minUnit ?? 1,
        maxUnit: inv.maxUnit ?? inv.total,
        stepSize: inv.stepSize ?? 1,
        allocationRatio: inv.allocationRatio ?? 1,
      });
    }
    for (const [rc, used] of Object.entries(s.used ?? {}))
      rows.usages.push({ providerId: id, resourceClass: rc, used });
    for (const t of s.traits ?? []) rows.traits.push({ providerId: id, trait: t });
    for (const a of s.aggregates ?? []) rows.aggregates.push({ providerId: id, aggregate: a });
  }
  return new ProviderSnapshot(rows);
}

/** host → nic → pfs, as vfnet models an SR-IOV host. */
export function sriovHost(
  host: string,
  pfs: Array<{ name: string; vfs: number; used?: number; traits?: string[] }>,
  nics = 1,
): TreeSpec[] {
  const out: TreeSpec[] = [{ name: host, inventory: { VCPU: 64, MEMORY_MB: 262144 } }];
  for (let n = 0; n < nics; n++) out.push({ name: `${host}_nic${n}`, parent: host, traits: ['CUSTOM_HW_NIC_ROOT'] });
  pfs.forEach((pf, i) => {
    out.push({
      name: pf.name,
      parent: `${host}_nic${i % nics}`,
      inventory: { SRIOV_NET_VF: pf.vfs },
      used: pf.used ? { SRIOV_NET_VF: pf.used } : {},
      traits: pf.traits ?? [],
    });
  });
  return out;
}

/** A request group with only resources set, and any other field from `extra`. */
export function group(
  suffix: string,
  resources: Record<string, number>,
  extra: Partial<RequestGroup> = {},
): RequestGroup {
  return {
    suffix,
    resources: new Map(Object.entries(resources)),
    required: [],
    forbidden: [],
    memberOf: [],
    forbiddenAggregates: [],
    inTree: null,
    ...extra,
  };
}
