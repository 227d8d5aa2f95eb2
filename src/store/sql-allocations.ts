// Allocations and the consumers that hold them (Placement's allocation and consumer objects): the
// claim path. Every method runs inside the caller's transaction.
import { fits, unitsOk } from '../placement/capacity.js';
import { ErrorCode, badRequest, conflict } from '../placement/errors.js';
import type { ConsumerAllocationWrite, ResourceProvider } from '../placement/types.js';
import type { ConsumerAllocationView } from './port.js';
import { classIds } from './sql-names.js';
import type { SqlProviders } from './sql-providers.js';
import {
  INV_SELECT, RP_SELECT, forUpdate, toConsumer, toInventory, toProvider, type ConsumerRow, type InvRow,
  type RpRow, type StoreCtx,
} from './sql-rows.js';
import { inList, type SqlTx } from './sql.js';

export class SqlAllocations {
  constructor(private readonly ctx: StoreCtx, private readonly providers: SqlProviders) {}

  async ofProvider(tx: SqlTx, uuid: string): Promise<{ provider: ResourceProvider; allocations: Map<string, Map<string, number>> }> {
    const rp = await this.providers.require(tx, uuid);
    const out = new Map<string, Map<string, number>>();
    for (const r of await tx.all<{ uuid: string; name: string; used: number }>(
      `SELECT c.uuid, rc.name, a.used FROM allocations a JOIN consumers c ON c.id = a.consumer_id
       JOIN resource_classes rc ON rc.id = a.class_id WHERE a.provider_id = ? ORDER BY a.id`, [rp.id])) {
      let m = out.get(r.uuid);
      if (!m) out.set(r.uuid, (m = new Map()));
      m.set(r.name, (m.get(r.name) ?? 0) + Number(r.used));
    }
    return { provider: toProvider(rp), allocations: out };
  }

  async ofConsumer(tx: SqlTx, consumerUuid: string): Promise<ConsumerAllocationView> {
    const c = await tx.get<ConsumerRow>('SELECT * FROM consumers WHERE uuid = ?', [consumerUuid]);
    const allocations: ConsumerAllocationView['allocations'] = new Map();
    if (!c) return { consumer: null, allocations };
    for (const r of await tx.all<{ uuid: string; generation: number; name: string; used: number }>(
      `SELECT rp.uuid, rp.generation, rc.name, a.used FROM allocations a
       JOIN resource_providers rp ON rp.id = a.provider_id JOIN resource_classes rc ON rc.id = a.class_id
       WHERE a.consumer_id = ? ORDER BY a.id`, [c.id])) {
      let e = allocations.get(r.uuid);
      if (!e) allocations.set(r.uuid, (e = { generation: r.generation, resources: new Map() }));
      e.resources.set(r.name, (e.resources.get(r.name) ?? 0) + Number(r.used));
    }
    return { consumer: toConsumer(c), allocations };
  }

  /**
   * The heart of claiming: lock the consumers and providers involved, check consumer
   * generations, then every (provider, class) against inventory with the consumers' old
   * allocations taken out, then replace. Any failure aborts the whole batch.
   * `lockedProviders`: ids the caller (reshape) has locked already, so they are not locked twice.
   */
  async write(tx: SqlTx, writes: ConsumerAllocationWrite[], lockedProviders = new Set<number>()): Promise<void> {
    const pg = this.ctx.dialect === 'pg';
    const now = this.ctx.now();
    const consumers = new Map<string, ConsumerRow | undefined>();
    for (const w of writes) {
      const c = await tx.get<ConsumerRow>(`SELECT * FROM consumers WHERE uuid = ?${forUpdate(this.ctx)}`, [w.consumerUuid]);
      consumers.set(w.consumerUuid, c);
      if (w.consumerGeneration !== undefined) {
        const actual = c ? c.generation : null;
        if (actual !== w.consumerGeneration) {
          throw conflict(`consumer generation conflict - expected ${actual === null ? 'null' : actual} but got ${w.consumerGeneration === null ? 'null' : w.consumerGeneration}`, ErrorCode.concurrentUpdate);
        }
      }
    }
    // Providers named by the writes, plus those holding the consumers' current allocations.
    const uuids = new Set<string>();
    for (const w of writes) for (const a of w.allocations) uuids.add(a.providerUuid);
    const uuidList = [...uuids];
    const rps = uuidList.length
      ? await tx.all<RpRow>(`${RP_SELECT} WHERE rp.uuid IN ${inList(uuidList.length)}`, uuidList)
      : [];
    const rpByUuid = new Map(rps.map((r) => [r.uuid, r]));
    for (const u of uuidList) {
      if (!rpByUuid.has(u)) throw badRequest(`Allocation for resource provider '${u}' that does not exist.`);
    }
    const classNames = [...new Set(writes.flatMap((w) => w.allocations.map((a) => a.resourceClass)))];
    const ids = await classIds(tx, classNames);
    for (const n of classNames) if (!ids.has(n)) throw badRequest(`No such resource class ${n}.`);

    const consumerIds = [...consumers.values()].filter((c): c is ConsumerRow => !!c).map((c) => Number(c.id));
    const oldProviderIds = consumerIds.length
      ? (await tx.all<{ provider_id: number }>(`SELECT DISTINCT provider_id FROM allocations WHERE consumer_id IN ${inList(consumerIds.length)}`, consumerIds)).map((r) => Number(r.provider_id))
      : [];
    // Locked in id order, so two claims over overlapping providers cannot deadlock.
    const allIds = [...new Set([...rps.map((r) => Number(r.id)), ...oldProviderIds])].sort((a, b) => a - b);
    if (pg) {
      const toLock = allIds.filter((id) => !lockedProviders.has(id));
      if (toLock.length) await tx.run(`SELECT id FROM resource_providers WHERE id IN ${inList(toLock.length)} ORDER BY id FOR UPDATE`, toLock);
    }

    // Requested totals per (provider, class) across the batch.
    const want = new Map<number, Map<number, number>>();
    for (const w of writes) {
      for (const a of w.allocations) {
        const pid = Number(rpByUuid.get(a.providerUuid)!.id);
        const cid = ids.get(a.resourceClass)!;
        let m = want.get(pid);
        if (!m) want.set(pid, (m = new Map()));
        m.set(cid, (m.get(cid) ?? 0) + a.used);
      }
    }
    for (const [pid, perClass] of want) {
      const rp = rps.find((r) => Number(r.id) === pid)!;
      const invs = await tx.all<InvRow>(`${INV_SELECT} WHERE i.provider_id = ?`, [pid]);
      for (const [cid, amount] of perClass) {
        const invRow = invs.find((i) => Number(i.class_id) === cid);
        const rcName = classNames.find((n) => ids.get(n) === cid)!;
        if (!invRow) {
          throw conflict(`Unable to allocate inventory: Inventory for '${rcName}' on resource provider '${rp.uuid}' invalid.`);
        }
        const inv = toInventory(invRow);
        // What others hold: the batch's own consumers are replaced, so their old amounts don't count.
        const usedRow = await tx.get<{ used: number | null }>(
          `SELECT SUM(used) AS used FROM allocations WHERE provider_id = ? AND class_id = ?${consumerIds.length ? ` AND consumer_id NOT IN ${inList(consumerIds.length)}` : ''}`,
          [pid, cid, ...consumerIds]);
        const used = Number(usedRow?.used ?? 0);
        const perConsumer = writes.flatMap((w) => w.allocations)
          .filter((a) => Number(rpByUuid.get(a.providerUuid)!.id) === pid && ids.get(a.resourceClass) === cid);
        if (perConsumer.some((a) => !unitsOk(inv, a.used))) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rcName}' on resource provider '${rp.uuid}'. The requested amount would violate inventory constraints.`);
        }
        if (!fits(inv, used, amount)) {
          throw conflict(`Unable to allocate inventory: Unable to create allocation for '${rcName}' on resource provider '${rp.uuid}'. The requested amount would exceed the capacity.`);
        }
      }
    }

    // Replace.
    for (const w of writes) {
      let c = consumers.get(w.consumerUuid);
      if (c) await tx.run('DELETE FROM allocations WHERE consumer_id = ?', [c.id]);
      // A consumer exists only while it holds something.
      if (w.allocations.length === 0) {
        if (c) await tx.run('DELETE FROM consumers WHERE id = ?', [c.id]);
        continue;
      }
      if (!c) {
        const row = await tx.get<{ id: number }>(
          'INSERT INTO consumers (uuid, project_id, user_id, generation, consumer_type, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) RETURNING id',
          [w.consumerUuid, w.projectId, w.userId, w.consumerType ?? null, now, now]);
        c = { id: Number(row!.id) } as ConsumerRow;
      } else {
        await tx.run('UPDATE consumers SET project_id = ?, user_id = ?, generation = generation + 1, consumer_type = ?, updated_at = ? WHERE id = ?',
          [w.projectId, w.userId, w.consumerType === undefined ? c.consumer_type : w.consumerType, now, c.id]);
      }
      for (const a of w.allocations) {
        await tx.run('INSERT INTO allocations (provider_id, consumer_id, class_id, used, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
          [rpByUuid.get(a.providerUuid)!.id, c.id, ids.get(a.resourceClass), a.used, now, now]);
      }
    }
    // Every provider that gains or loses allocations moves to a new generation.
    const touched = [...new Set([...want.keys(), ...oldProviderIds])];
    if (touched.length) {
      await tx.run(`UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id IN ${inList(touched.length)}`, [now, ...touched]);
    }
  }

  /** false when the consumer had no allocations. */
  async deleteConsumer(tx: SqlTx, consumerUuid: string): Promise<boolean> {
    const c = await tx.get<ConsumerRow>(`SELECT * FROM consumers WHERE uuid = ?${forUpdate(this.ctx)}`, [consumerUuid]);
    if (!c) return false;
    const res = await tx.run('DELETE FROM allocations WHERE consumer_id = ?', [c.id]);
    await tx.run('DELETE FROM consumers WHERE id = ?', [c.id]);
    return res.changes > 0;
  }
}
