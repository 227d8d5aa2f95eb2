// Resource providers, with the traits and aggregates set on them (Placement's resource_provider
// object), plus the row lookup, lock and generation compare-and-swap that the other entity parts
// use on a provider. Every method runs inside the caller's transaction.
import { ErrorCode, badRequest, conflict, notFound } from '../placement/errors.js';
import type { ResourceProvider } from '../placement/types.js';
import { RP_SELECT, genConflict, toProvider, type RpRow, type StoreCtx } from './sql-rows.js';
import { inList, type SqlTx } from './sql.js';

export class SqlProviders {
  constructor(private readonly ctx: StoreCtx) {}

  /**
   * The provider row, optionally locked. On PostgreSQL the lock is a separate statement on the
   * plain row, since FOR UPDATE cannot apply to the nullable side of RP_SELECT's outer joins.
   */
  async row(tx: SqlTx, uuid: string, lock = false): Promise<RpRow | undefined> {
    if (lock && this.ctx.dialect === 'pg') {
      await tx.run('SELECT id FROM resource_providers WHERE uuid = ? FOR UPDATE', [uuid]);
    }
    return tx.get<RpRow>(`${RP_SELECT} WHERE rp.uuid = ?`, [uuid]);
  }

  async require(tx: SqlTx, uuid: string, lock = false): Promise<RpRow> {
    const r = await this.row(tx, uuid, lock);
    if (!r) throw notFound(`No resource provider with uuid ${uuid} found`);
    return r;
  }

  /**
   * Bumps the provider generation if it still is `expected` (compare-and-swap); `undefined` bumps
   * unconditionally. The WHERE on generation is what makes a stale writer lose even if the row
   * was not locked beforehand.
   */
  async bump(tx: SqlTx, rp: RpRow, expected: number | undefined, onConflict = genConflict): Promise<RpRow> {
    const now = this.ctx.now();
    const res = expected === undefined
      ? await tx.run('UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id = ?', [now, rp.id])
      : await tx.run('UPDATE resource_providers SET generation = generation + 1, updated_at = ? WHERE id = ? AND generation = ?', [now, rp.id, expected]);
    if (res.changes !== 1) throw onConflict();
    return { ...rp, generation: expected === undefined ? rp.generation + 1 : expected + 1, updated_at: now };
  }

  async create(tx: SqlTx, p: { uuid: string; name: string; parentUuid: string | null }): Promise<ResourceProvider> {
    if (await tx.get('SELECT id FROM resource_providers WHERE uuid = ?', [p.uuid])) {
      throw conflict(`Conflicting resource provider uuid: ${p.uuid} already exists.`, ErrorCode.duplicateName);
    }
    if (await tx.get('SELECT id FROM resource_providers WHERE name = ?', [p.name])) {
      throw conflict(`Conflicting resource provider name: ${p.name} already exists.`, ErrorCode.duplicateName);
    }
    let parent: RpRow | undefined;
    if (p.parentUuid !== null) {
      if (p.parentUuid === p.uuid) {
        throw badRequest(`Unable to create resource provider "${p.name}", ${p.uuid}: parent provider UUID cannot be same as UUID. Please modify the parent provider UUID to a different UUID.`);
      }
      parent = await this.row(tx, p.parentUuid, true);
      if (!parent) {
        throw badRequest(`Unable to create resource provider "${p.name}", ${p.uuid}: The resource provider's parent provider UUID does not exist.`);
      }
    }
    const now = this.ctx.now();
    const row = await tx.get<{ id: number }>(
      'INSERT INTO resource_providers (uuid, name, generation, parent_id, root_id, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?, ?) RETURNING id',
      [p.uuid, p.name, parent?.id ?? null, parent?.root_id ?? null, now, now]);
    const id = Number(row!.id);
    // A root is its own root, and its id is known only after the insert.
    if (!parent) await tx.run('UPDATE resource_providers SET root_id = ? WHERE id = ?', [id, id]);
    return toProvider((await this.row(tx, p.uuid))!);
  }

  async get(tx: SqlTx, uuid: string): Promise<ResourceProvider | null> {
    const r = await this.row(tx, uuid);
    return r ? toProvider(r) : null;
  }

  async update(tx: SqlTx, uuid: string, change: { name: string; parentUuid?: string | null; allowReparent: boolean }): Promise<ResourceProvider> {
    const rp = await this.require(tx, uuid, true);
    const other = await tx.get<{ id: number }>('SELECT id FROM resource_providers WHERE name = ?', [change.name]);
    if (other && Number(other.id) !== Number(rp.id)) {
      throw conflict(`Conflicting resource provider name: ${change.name} already exists.`, ErrorCode.duplicateName);
    }
    let parentId = rp.parent_id === null ? null : Number(rp.parent_id);
    let rootId = Number(rp.root_id);
    if (change.parentUuid !== undefined && change.parentUuid !== rp.parent_uuid) {
      if (change.parentUuid === null) {
        if (!change.allowReparent) throw badRequest('Unable to save resource provider ' + uuid + ': Object action update failed because: un-parenting a provider is not currently allowed.');
        parentId = null;
        rootId = Number(rp.id);
      } else {
        if (rp.parent_id !== null && !change.allowReparent) {
          throw badRequest('Unable to save resource provider ' + uuid + ': Object action update failed because: re-parenting a provider is not currently allowed.');
        }
        const parent = await this.row(tx, change.parentUuid, true);
        if (!parent) throw badRequest(`Unable to save resource provider ${uuid}: parent provider UUID does not exist.`);
        // The new parent may not be in this provider's own subtree.
        for (let cur: number | null = Number(parent.id); cur !== null;) {
          if (cur === Number(rp.id)) {
            throw badRequest(`Unable to save resource provider ${uuid}: Object action update failed because: creating loop in the provider tree is not allowed.`);
          }
          const up: { parent_id: number | null } | undefined = await tx.get<{ parent_id: number | null }>('SELECT parent_id FROM resource_providers WHERE id = ?', [cur]);
          cur = up?.parent_id === null || up?.parent_id === undefined ? null : Number(up.parent_id);
        }
        parentId = Number(parent.id);
        rootId = Number(parent.root_id);
      }
    }
    const now = this.ctx.now();
    await tx.run('UPDATE resource_providers SET name = ?, parent_id = ?, updated_at = ? WHERE id = ?', [change.name, parentId, now, rp.id]);
    if (rootId !== Number(rp.root_id)) await this.setSubtreeRoot(tx, Number(rp.id), rootId);
    return toProvider((await this.row(tx, uuid))!);
  }

  /** root_id is stored on every provider, so moving a subtree rewrites it level by level. */
  private async setSubtreeRoot(tx: SqlTx, id: number, rootId: number): Promise<void> {
    let frontier = [id];
    while (frontier.length) {
      await tx.run(`UPDATE resource_providers SET root_id = ? WHERE id IN ${inList(frontier.length)}`, [rootId, ...frontier]);
      frontier = (await tx.all<{ id: number }>(`SELECT id FROM resource_providers WHERE parent_id IN ${inList(frontier.length)}`, frontier)).map((r) => Number(r.id));
    }
  }

  async delete(tx: SqlTx, uuid: string): Promise<void> {
    const rp = await this.row(tx, uuid, true);
    if (!rp) throw notFound(`No resource provider with uuid ${uuid} found for delete`);
    // Placement checks children before allocations.
    if (await tx.get('SELECT 1 AS x FROM resource_providers WHERE parent_id = ?', [rp.id])) {
      throw conflict(`Unable to delete parent resource provider ${uuid}: It has child resource providers.`, ErrorCode.cannotDeleteParent);
    }
    if (await tx.get('SELECT 1 AS x FROM allocations WHERE provider_id = ?', [rp.id])) {
      throw conflict(`Unable to delete resource provider ${uuid}: Resource provider has allocations.`, ErrorCode.providerInUse);
    }
    await tx.run('DELETE FROM inventories WHERE provider_id = ?', [rp.id]);
    await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
    await tx.run('DELETE FROM provider_aggregates WHERE provider_id = ?', [rp.id]);
    await tx.run('DELETE FROM resource_providers WHERE id = ?', [rp.id]);
  }

  // ------------------------------------------------------------ traits of a provider

  async getTraits(tx: SqlTx, uuid: string): Promise<{ provider: ResourceProvider; traits: string[] }> {
    const rp = await this.require(tx, uuid);
    const traits = (await tx.all<{ name: string }>(
      'SELECT t.name FROM provider_traits pt JOIN traits t ON t.id = pt.trait_id WHERE pt.provider_id = ? ORDER BY t.name', [rp.id])).map((r) => r.name);
    return { provider: toProvider(rp), traits };
  }

  async setTraits(tx: SqlTx, uuid: string, generation: number, traits: string[]): Promise<ResourceProvider> {
    const rp = await this.require(tx, uuid, true);
    const wanted = [...new Set(traits)];
    const rows = wanted.length
      ? await tx.all<{ id: number; name: string }>(`SELECT id, name FROM traits WHERE name IN ${inList(wanted.length)}`, wanted)
      : [];
    const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) throw badRequest(`No such trait ${missing.join(', ')}`);
    if (rp.generation !== generation) {
      throw genConflict("Resource provider's generation already changed. Please update the generation and try again.");
    }
    await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
    for (const r of rows) await tx.run('INSERT INTO provider_traits (provider_id, trait_id) VALUES (?, ?)', [rp.id, r.id]);
    return toProvider(await this.bump(tx, rp, generation));
  }

  async deleteTraits(tx: SqlTx, uuid: string): Promise<void> {
    const rp = await this.require(tx, uuid, true);
    await tx.run('DELETE FROM provider_traits WHERE provider_id = ?', [rp.id]);
    await this.bump(tx, rp, undefined);
  }

  // ------------------------------------------------------------ aggregates of a provider

  async getAggregates(tx: SqlTx, uuid: string): Promise<{ provider: ResourceProvider; aggregates: string[] }> {
    const rp = await this.require(tx, uuid);
    const aggs = (await tx.all<{ aggregate_uuid: string }>('SELECT aggregate_uuid FROM provider_aggregates WHERE provider_id = ? ORDER BY aggregate_uuid', [rp.id])).map((r) => r.aggregate_uuid);
    return { provider: toProvider(rp), aggregates: aggs };
  }

  /** generation undefined: below microversion 1.19, no check and no bump. */
  async setAggregates(tx: SqlTx, uuid: string, generation: number | undefined, aggregates: string[]): Promise<ResourceProvider> {
    const rp = await this.require(tx, uuid, true);
    if (generation !== undefined && rp.generation !== generation) {
      throw genConflict("Resource provider's generation already changed. Please update the generation and try again.");
    }
    await tx.run('DELETE FROM provider_aggregates WHERE provider_id = ?', [rp.id]);
    for (const a of new Set(aggregates)) await tx.run('INSERT INTO provider_aggregates (provider_id, aggregate_uuid) VALUES (?, ?)', [rp.id, a]);
    return toProvider(generation === undefined ? rp : await this.bump(tx, rp, generation));
  }
}
