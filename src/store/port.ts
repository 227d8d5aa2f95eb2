// The one persistence interface the API uses. Every method that writes checks generations and
// capacity inside its own transaction, so correctness never depends on the calling process.
import type { ProviderSnapshot, SnapshotRows } from '../placement/snapshot.js';
import type {
  Allocation,
  Consumer,
  ConsumerAllocationWrite,
  Inventory,
  ResourceClass,
  ResourceProvider,
  Trait,
} from '../placement/types.js';

export interface ProviderAllocationView {
  generation: number;
  /** consumer uuid → class → amount */
  allocations: Map<string, Map<string, number>>;
}

export interface ConsumerAllocationView {
  consumer: Consumer | null;
  /** provider uuid → { generation, class → amount } */
  allocations: Map<string, { generation: number; resources: Map<string, number> }>;
}

export interface UsageQuery {
  projectId: string;
  userId?: string;
  /** undefined: every type together under its own key; 'all'/'unknown'/NAME: see the API. */
  consumerType?: string;
}

export interface UsageGroup {
  /** null: consumers of no type (written below 1.38). */
  consumerType: string | null;
  consumerCount: number;
  usages: Map<string, number>;
}

export interface InventoryWrite {
  providerUuid: string;
  generation: number;
  inventories: Inventory[];
}

/** Everything the dashboard shows, read in one transaction (see sql-holdings.ts). */
export interface StoreHoldings {
  /** The change counter these rows belong to. */
  counter: number;
  rows: SnapshotRows;
  allocations: { providerUuid: string; consumerUuid: string; resourceClass: string; used: number }[];
  /** The consumers that hold something. */
  consumers: { uuid: string; projectId: string; userId: string; consumerType: string | null }[];
  /** The node ledger's attachments (which container holds which VF), when the store has one. */
  attachments: { pci: string; network: string; containerId: string; ifname: string }[];
}

export interface PlacementStore {
  /** The current provider snapshot (cached while nothing changed, in any process). */
  snapshot(): Promise<ProviderSnapshot>;
  /** The change counter, bumped by every write of any process: cheap, for watching. */
  changeCounter(): Promise<number>;
  /** Providers, holders and the counter in one read transaction. */
  holdings(): Promise<StoreHoldings>;

  seedStandardNames(resourceClasses: readonly string[], traits: readonly string[]): Promise<void>;

  listResourceClasses(): Promise<ResourceClass[]>;
  getResourceClass(name: string): Promise<ResourceClass | null>;
  createResourceClass(name: string): Promise<ResourceClass>;
  /** create-or-verify (1.7+): true when it was created. */
  ensureResourceClass(name: string): Promise<boolean>;
  renameResourceClass(name: string, newName: string): Promise<ResourceClass>;
  deleteResourceClass(name: string): Promise<void>;

  listTraits(filter: { names?: string[]; prefix?: string; associated?: boolean }): Promise<Trait[]>;
  getTrait(name: string): Promise<Trait | null>;
  ensureTrait(name: string): Promise<boolean>;
  deleteTrait(name: string): Promise<void>;
  /** Names among `names` that do not exist. */
  missingTraits(names: string[]): Promise<string[]>;

  createProvider(p: { uuid: string; name: string; parentUuid: string | null }): Promise<ResourceProvider>;
  getProvider(uuid: string): Promise<ResourceProvider | null>;
  updateProvider(
    uuid: string,
    change: { name: string; parentUuid?: string | null; allowReparent: boolean },
  ): Promise<ResourceProvider>;
  deleteProvider(uuid: string): Promise<void>;

  getInventories(uuid: string): Promise<{ provider: ResourceProvider; inventories: Inventory[] }>;
  /** Replaces the whole set (PUT .../inventories). */
  setInventories(uuid: string, generation: number, inventories: Inventory[]): Promise<ResourceProvider>;
  addInventory(uuid: string, generation: number, inventory: Inventory): Promise<ResourceProvider>;
  updateInventory(uuid: string, generation: number, inventory: Inventory): Promise<ResourceProvider>;
  deleteInventory(uuid: string, resourceClass: string): Promise<void>;
  deleteAllInventories(uuid: string): Promise<void>;

  getProviderTraits(uuid: string): Promise<{ provider: ResourceProvider; traits: string[] }>;
  setProviderTraits(uuid: string, generation: number, traits: string[]): Promise<ResourceProvider>;
  deleteProviderTraits(uuid: string): Promise<void>;

  getProviderAggregates(uuid: string): Promise<{ provider: ResourceProvider; aggregates: string[] }>;
  /** generation undefined: below 1.19, no check and no bump. */
  setProviderAggregates(uuid: string, generation: number | undefined, aggregates: string[]): Promise<ResourceProvider>;

  getProviderUsages(uuid: string): Promise<{ provider: ResourceProvider; usages: Map<string, number> }>;
  getProviderAllocations(
    uuid: string,
  ): Promise<{ provider: ResourceProvider; allocations: Map<string, Map<string, number>> }>;

  getConsumerAllocations(consumerUuid: string): Promise<ConsumerAllocationView>;
  /** PUT /allocations/{c} and POST /allocations: all or nothing. */
  writeAllocations(writes: ConsumerAllocationWrite[]): Promise<void>;
  /** false when the consumer had no allocations. */
  deleteConsumerAllocations(consumerUuid: string): Promise<boolean>;
  usages(q: UsageQuery): Promise<UsageGroup[]>;

  reshape(inventories: InventoryWrite[], allocations: ConsumerAllocationWrite[]): Promise<void>;

  close(): Promise<void>;
}

export type { Allocation };
