// What the dashboard shows, computed from the store's rows: every tree as host → NIC → PF (any
// deeper or other providers keep their place in the tree), a bar per inventory (used, total,
// reserved, capacity as Placement counts it), and who holds what on each provider. Pure: the
// page and the unit tests see the same function of the same rows.

export interface ViewInput {
  /** The store's change counter the rows belong to. */
  generation: number;
  providers: { uuid: string; name: string; parentUuid: string | null }[];
  inventories: {
    providerUuid: string;
    resourceClass: string;
    total: number;
    reserved: number;
    allocationRatio: number;
  }[];
  traits: { providerUuid: string; trait: string }[];
  allocations: { providerUuid: string; consumerUuid: string; resourceClass: string; used: number }[];
  consumers: { uuid: string; projectId: string; userId: string; consumerType: string | null }[];
  /** Attachment consumers the node ledger names: consumer uuid → the container and its VF. */
  attachments: { consumerUuid: string; network: string; containerId: string; ifname: string; pci: string }[];
  /** How attachment consumers are marked (src/accounting/port.ts): their type and project. */
  attachmentMark: { consumerType: string; projectId: string };
}

export type ProviderKind = 'host' | 'nic' | 'pf' | 'provider';

export interface Bar {
  resourceClass: string;
  used: number;
  total: number;
  reserved: number;
  /** What can be allocated: (total - reserved) × allocation ratio, as Placement counts it. */
  capacity: number;
}

export interface Holder {
  consumer: string;
  /** container: a CNI attachment made by the plugin; instance: a Nova-style consumer; other: any other type. */
  kind: 'container' | 'instance' | 'other';
  consumerType: string | null;
  projectId: string;
  userId: string;
  /** For a container: its CNI network (the consumer's user) and, when the node ledger knows it, the rest. */
  network?: string;
  containerId?: string;
  ifname?: string;
  vf?: string;
  resources: Record<string, number>;
}

export interface TreeNode {
  uuid: string;
  name: string;
  kind: ProviderKind;
  traits: string[];
  bars: Bar[];
  holders: Holder[];
  children: TreeNode[];
}

export interface DashboardView {
  generation: number;
  trees: TreeNode[];
  totals: { hosts: number; pfs: number; vfTotal: number; vfUsed: number; vfReserved: number; holders: number };
}

export const VF_CLASS = 'SRIOV_NET_VF';

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export function buildView(input: ViewInput): DashboardView {
  const inventories = groupBy(input.inventories, (i) => i.providerUuid);
  const traits = groupBy(input.traits, (t) => t.providerUuid);
  const allocations = groupBy(input.allocations, (a) => a.providerUuid);
  const consumers = new Map(input.consumers.map((c) => [c.uuid, c]));
  const attachments = new Map(input.attachments.map((a) => [a.consumerUuid, a]));
  const children = groupBy(
    input.providers.filter((p) => p.parentUuid !== null),
    (p) => p.parentUuid!,
  );
  const known = new Set(input.providers.map((p) => p.uuid));

  const holdersOf = (uuid: string): Holder[] => {
    const byConsumer = groupBy(allocations.get(uuid) ?? [], (a) => a.consumerUuid);
    return [...byConsumer].map(([consumer, rows]) =>
      holder(consumer, rows, consumers, attachments, input.attachmentMark),
    );
  };
  const barsOf = (uuid: string): Bar[] => {
    const used = new Map<string, number>();
    for (const a of allocations.get(uuid) ?? []) used.set(a.resourceClass, (used.get(a.resourceClass) ?? 0) + a.used);
    return (inventories.get(uuid) ?? [])
      .map((i) => ({
        resourceClass: i.resourceClass,
        used: used.get(i.resourceClass) ?? 0,
        total: i.total,
        reserved: i.reserved,
        capacity: Math.floor((i.total - i.reserved) * i.allocationRatio),
      }))
      .sort((a, b) =>
        a.resourceClass === VF_CLASS
          ? -1
          : b.resourceClass === VF_CLASS
            ? 1
            : byName({ name: a.resourceClass }, { name: b.resourceClass }),
      );
  };

  const node = (p: ViewInput['providers'][number], depth: number): TreeNode => {
    const kids = (children.get(p.uuid) ?? [])
      .slice()
      .sort(byName)
      .map((c) => node(c, depth + 1));
    const bars = barsOf(p.uuid);
    let kind: ProviderKind = 'provider';
    if (depth === 0) kind = 'host';
    else if (bars.some((b) => b.resourceClass === VF_CLASS)) kind = 'pf';
    else if (kids.some((k) => k.kind === 'pf')) kind = 'nic';
    return {
      uuid: p.uuid,
      name: p.name,
      kind,
      traits: (traits.get(p.uuid) ?? []).map((t) => t.trait).sort(),
      bars,
      holders: holdersOf(p.uuid),
      children: kids,
    };
  };
  // A provider whose parent is missing (never, in a consistent read) still shows, as a root.
  const roots = input.providers.filter((p) => p.parentUuid === null || !known.has(p.parentUuid)).sort(byName);
  const trees = roots.map((r) => node(r, 0));
  return { generation: input.generation, trees, totals: totalsOf(trees) };
}

function holder(
  consumer: string,
  rows: ViewInput['allocations'],
  consumers: Map<string, ViewInput['consumers'][number]>,
  attachments: Map<string, ViewInput['attachments'][number]>,
  mark: ViewInput['attachmentMark'],
): Holder {
  const c = consumers.get(consumer);
  const resources: Record<string, number> = {};
  for (const r of rows) resources[r.resourceClass] = (resources[r.resourceClass] ?? 0) + r.used;
  const consumerType = c?.consumerType ?? null;
  const base = { consumer, consumerType, projectId: c?.projectId ?? '', userId: c?.userId ?? '', resources };
  if (c && consumerType === mark.consumerType && c.projectId === mark.projectId) {
    const a = attachments.get(consumer);
    const h: Holder = { ...base, kind: 'container', network: c.userId };
    if (a) Object.assign(h, { containerId: a.containerId, ifname: a.ifname, vf: a.pci });
    return h;
  }
  // Consumers written below microversion 1.38 have no type; in a Nova cloud they are instances.
  const kind = consumerType === null || consumerType === 'INSTANCE' ? 'instance' : 'other';
  return { ...base, kind };
}

function totalsOf(trees: readonly TreeNode[]): DashboardView['totals'] {
  const t = { hosts: trees.length, pfs: 0, vfTotal: 0, vfUsed: 0, vfReserved: 0, holders: 0 };
  const walk = (n: TreeNode) => {
    t.holders += n.holders.length;
    const vf = n.bars.find((b) => b.resourceClass === VF_CLASS);
    if (n.kind === 'pf' && vf) {
      t.pfs += 1;
      t.vfTotal += vf.total;
      t.vfUsed += vf.used;
      t.vfReserved += vf.reserved;
    }
    n.children.forEach(walk);
  };
  trees.forEach(walk);
  return t;
}
