// PlacementStore over SQL, shared by SQLite and PostgreSQL. Each write is one transaction that
// locks what it checks (SQLite: the database write lock of BEGIN IMMEDIATE; PostgreSQL: the
// provider and consumer rows, SELECT ... FOR UPDATE), compares generations and capacity, writes,
// and bumps the change counter that tells every process its snapshot is stale.
//
// This class is the front: it opens the transactions, owns the change counter and the snapshot
// cache keyed by it, and delegates the SQL of each entity to its part (sql-providers,
// sql-inventories, sql-allocations, sql-names, sql-usages, sql-reshape, sql-snapshot), the way
// Placement splits its objects. Parts only ever run inside a transaction handed to them here.
import { ProviderSnapshot } from '../placement/snapshot.js';
import type { ConsumerAllocationWrite, Inventory } from '../placement/types.js';
import type { InventoryWrite, PlacementStore, UsageQuery } from './port.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './schema.js';
import type { SqlDb, SqlTx } from './sql.js';
import { SqlAllocations } from './sql-allocations.js';
import { loadHoldings } from './sql-holdings.js';
import { SqlInventories } from './sql-inventories.js';
import { SqlNames } from './sql-names.js';
import { SqlProviders } from './sql-providers.js';
import { SqlReshaper } from './sql-reshape.js';
import type { StoreCtx } from './sql-rows.js';
import { loadSnapshotRows } from './sql-snapshot.js';
import { SqlUsages } from './sql-usages.js';

export interface SqlStoreOptions {
  now?: () => number;
}

const readCounter = async (tx: SqlTx): Promise<number> =>
  Number((await tx.get<{ c: number }>('SELECT change_counter AS c FROM meta WHERE id = 1'))!.c);

export class SqlStore implements PlacementStore {
  private readonly now: () => number;
  private readonly names: SqlNames;
  private readonly providers: SqlProviders;
  private readonly inventories: SqlInventories;
  private readonly allocations: SqlAllocations;
  private readonly usageReads: SqlUsages;
  private readonly reshaper: SqlReshaper;
  private cached: { counter: number; snap: ProviderSnapshot } | null = null;
  private loading: Promise<ProviderSnapshot> | null = null;

  constructor(
    private readonly db: SqlDb,
    opts: SqlStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    const ctx: StoreCtx = { dialect: db.dialect, now: this.now };
    this.names = new SqlNames(ctx);
    this.providers = new SqlProviders(ctx);
    this.inventories = new SqlInventories(this.providers, this.now);
    this.allocations = new SqlAllocations(ctx, this.providers);
    this.usageReads = new SqlUsages(this.providers, this.inventories);
    this.reshaper = new SqlReshaper(this.providers, this.inventories, this.allocations, this.now);
  }

  /** Applies pending migrations; safe to run from several processes at once. */
  async migrate(): Promise<number[]> {
    // Usually nothing is pending: a read says so without the write lock, which every plugin
    // process opening the node's store would otherwise take in turn.
    const current = await this.db
      .read((tx) => tx.all<{ version: number }>('SELECT version FROM schema_migrations'))
      .catch(() => null);
    if (current && MIGRATIONS.every((m) => current.some((r) => Number(r.version) === m.version))) return [];
    const applied: number[] = [];
    await this.db.write(async (tx) => {
      if (this.db.dialect === 'pg') await tx.run('SELECT pg_advisory_xact_lock(77880001)');
      await tx.run(MIGRATIONS_TABLE);
      const done = new Set(
        (await tx.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const s of m.statements(this.db.dialect)) await tx.run(s);
        await tx.run('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)', [
          m.version,
          m.description,
          this.now(),
        ]);
        applied.push(m.version);
      }
    });
    return applied;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** Every write goes through here, so the change counter can never be forgotten. */
  private write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.write(async (tx) => {
      const out = await fn(tx);
      // Last statement of the transaction: on PostgreSQL its row lock is held only until commit.
      await tx.run('UPDATE meta SET change_counter = change_counter + 1 WHERE id = 1');
      return out;
    });
  }

  private read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.db.read(fn);
  }

  // ---------------------------------------------------------------- snapshot

  async snapshot(): Promise<ProviderSnapshot> {
    const counter = await this.read(readCounter);
    if (this.cached && this.cached.counter === counter) return this.cached.snap;
    // Concurrent callers share one load.
    if (this.loading) return this.loading;
    this.loading = this.read(async (tx) => {
      // Read again inside the loading transaction: the counter stored is the one these rows match.
      const c = await readCounter(tx);
      const snap = new ProviderSnapshot(await loadSnapshotRows(tx));
      this.cached = { counter: c, snap };
      return snap;
    });
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  async changeCounter(): Promise<number> {
    return this.read(readCounter);
  }

  async holdings() {
    return this.read((tx) => loadHoldings(tx, this.db.dialect));
  }

  // ---------------------------------------------------------------- names

  async seedStandardNames(resourceClasses: readonly string[], traits: readonly string[]): Promise<void> {
    await this.write((tx) => this.names.seedStandard(tx, resourceClasses, traits));
  }

  async listResourceClasses() {
    return this.read((tx) => this.names.listResourceClasses(tx));
  }
  async getResourceClass(name: string) {
    return this.read((tx) => this.names.getResourceClass(tx, name));
  }
  async createResourceClass(name: string) {
    return this.write((tx) => this.names.createResourceClass(tx, name));
  }
  async ensureResourceClass(name: string) {
    return this.write((tx) => this.names.ensureResourceClass(tx, name));
  }
  async renameResourceClass(name: string, newName: string) {
    return this.write((tx) => this.names.renameResourceClass(tx, name, newName));
  }
  async deleteResourceClass(name: string) {
    await this.write((tx) => this.names.deleteResourceClass(tx, name));
  }

  async listTraits(filter: { names?: string[]; prefix?: string; associated?: boolean }) {
    return this.read((tx) => this.names.listTraits(tx, filter));
  }
  async getTrait(name: string) {
    return this.read((tx) => this.names.getTrait(tx, name));
  }
  async ensureTrait(name: string) {
    return this.write((tx) => this.names.ensureTrait(tx, name));
  }
  async deleteTrait(name: string) {
    await this.write((tx) => this.names.deleteTrait(tx, name));
  }

  async missingTraits(names: string[]): Promise<string[]> {
    // Nothing to look up: no transaction at all.
    if (names.length === 0) return [];
    return this.read((tx) => this.names.missingTraits(tx, names));
  }

  // ---------------------------------------------------------------- providers

  async createProvider(p: { uuid: string; name: string; parentUuid: string | null }) {
    return this.write((tx) => this.providers.create(tx, p));
  }
  async getProvider(uuid: string) {
    return this.read((tx) => this.providers.get(tx, uuid));
  }
  async updateProvider(uuid: string, change: { name: string; parentUuid?: string | null; allowReparent: boolean }) {
    return this.write((tx) => this.providers.update(tx, uuid, change));
  }
  async deleteProvider(uuid: string) {
    await this.write((tx) => this.providers.delete(tx, uuid));
  }

  async getProviderTraits(uuid: string) {
    return this.read((tx) => this.providers.getTraits(tx, uuid));
  }
  async setProviderTraits(uuid: string, generation: number, traits: string[]) {
    return this.write((tx) => this.providers.setTraits(tx, uuid, generation, traits));
  }
  async deleteProviderTraits(uuid: string) {
    await this.write((tx) => this.providers.deleteTraits(tx, uuid));
  }

  async getProviderAggregates(uuid: string) {
    return this.read((tx) => this.providers.getAggregates(tx, uuid));
  }
  async setProviderAggregates(uuid: string, generation: number | undefined, aggregates: string[]) {
    return this.write((tx) => this.providers.setAggregates(tx, uuid, generation, aggregates));
  }

  // ---------------------------------------------------------------- inventories

  async getInventories(uuid: string) {
    return this.read((tx) => this.inventories.get(tx, uuid));
  }
  async setInventories(uuid: string, generation: number, inventories: Inventory[]) {
    return this.write((tx) => this.inventories.set(tx, uuid, generation, inventories));
  }
  async addInventory(uuid: string, generation: number, inventory: Inventory) {
    return this.write((tx) => this.inventories.add(tx, uuid, generation, inventory));
  }
  async updateInventory(uuid: string, generation: number, inventory: Inventory) {
    return this.write((tx) => this.inventories.update(tx, uuid, generation, inventory));
  }
  async deleteInventory(uuid: string, resourceClass: string) {
    await this.write((tx) => this.inventories.delete(tx, uuid, resourceClass));
  }
  async deleteAllInventories(uuid: string) {
    await this.write((tx) => this.inventories.deleteAll(tx, uuid));
  }

  // ---------------------------------------------------------------- usages and allocations

  async getProviderUsages(uuid: string) {
    return this.read((tx) => this.usageReads.ofProvider(tx, uuid));
  }
  async usages(q: UsageQuery) {
    return this.read((tx) => this.usageReads.ofProject(tx, q));
  }

  async getProviderAllocations(uuid: string) {
    return this.read((tx) => this.allocations.ofProvider(tx, uuid));
  }
  async getConsumerAllocations(consumerUuid: string) {
    return this.read((tx) => this.allocations.ofConsumer(tx, consumerUuid));
  }
  async writeAllocations(writes: ConsumerAllocationWrite[]) {
    await this.write((tx) => this.allocations.write(tx, writes));
  }
  async deleteConsumerAllocations(consumerUuid: string) {
    return this.write((tx) => this.allocations.deleteConsumer(tx, consumerUuid));
  }

  async reshape(inventories: InventoryWrite[], allocations: ConsumerAllocationWrite[]) {
    await this.write((tx) => this.reshaper.reshape(tx, inventories, allocations));
  }
}
