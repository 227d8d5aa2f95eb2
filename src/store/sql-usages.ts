// Usages (Placement's usage object): what a provider has handed out, and what a project (or user)
// holds, per consumer type. Read-only; every method runs inside the caller's transaction.
import type { ResourceProvider } from '../placement/types.js';
import type { UsageGroup, UsageQuery } from './port.js';
import type { SqlInventories } from './sql-inventories.js';
import type { SqlProviders } from './sql-providers.js';
import { toProvider } from './sql-rows.js';
import type { SqlTx } from './sql.js';

export class SqlUsages {
  constructor(private readonly providers: SqlProviders, private readonly inventories: SqlInventories) {}

  async ofProvider(tx: SqlTx, uuid: string): Promise<{ provider: ResourceProvider; usages: Map<string, number> }> {
    const rp = await this.providers.require(tx, uuid);
    // Every class in inventory is listed, at 0 when nothing is allocated from it.
    const usages = new Map<string, number>();
    for (const inv of await this.inventories.of(tx, rp.id)) usages.set(inv.resourceClass, 0);
    for (const r of await tx.all<{ name: string; used: number }>(
      `SELECT rc.name, SUM(a.used) AS used FROM allocations a JOIN resource_classes rc ON rc.id = a.class_id
       WHERE a.provider_id = ? GROUP BY rc.name`, [rp.id])) usages.set(r.name, Number(r.used));
    return { provider: toProvider(rp), usages };
  }

  async ofProject(tx: SqlTx, q: UsageQuery): Promise<UsageGroup[]> {
    const where = ['c.project_id = ?'];
    const params: unknown[] = [q.projectId];
    if (q.userId !== undefined) {
      where.push('c.user_id = ?');
      params.push(q.userId);
    }
    const rows = await tx.all<{ id: number; consumer_type: string | null; name: string; used: number }>(
      `SELECT c.id, c.consumer_type, rc.name, a.used FROM allocations a JOIN consumers c ON c.id = a.consumer_id
       JOIN resource_classes rc ON rc.id = a.class_id WHERE ${where.join(' AND ')}`, params);
    // Grouped by type here; the API picks or merges groups for the consumer_type it was asked.
    const groups = new Map<string | null, { consumers: Set<number>; usages: Map<string, number> }>();
    for (const r of rows) {
      let g = groups.get(r.consumer_type);
      if (!g) groups.set(r.consumer_type, (g = { consumers: new Set(), usages: new Map() }));
      g.consumers.add(Number(r.id));
      g.usages.set(r.name, (g.usages.get(r.name) ?? 0) + Number(r.used));
    }
    return [...groups].map(([consumerType, g]) => ({ consumerType, consumerCount: g.consumers.size, usages: g.usages }));
  }
}
