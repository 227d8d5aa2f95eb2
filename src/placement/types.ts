// The resource-provider model as the domain sees it. Timestamps are epoch milliseconds.

export interface ResourceProvider {
  id: number;
  uuid: string;
  name: string;
  generation: number;
  parentUuid: string | null;
  rootUuid: string;
  createdAt: number;
  updatedAt: number;
}

export interface Inventory {
  resourceClass: string;
  total: number;
  reserved: number;
  minUnit: number;
  maxUnit: number;
  stepSize: number;
  allocationRatio: number;
}

/** One (provider, class, amount) held by a consumer. */
export interface Allocation {
  providerUuid: string;
  resourceClass: string;
  used: number;
}

export interface Consumer {
  uuid: string;
  projectId: string;
  userId: string;
  generation: number;
  /** null: written below microversion 1.38, reported as "unknown". */
  consumerType: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NamedItem {
  name: string;
  standard: boolean;
  createdAt: number;
  updatedAt: number;
}
export type ResourceClass = NamedItem;
export type Trait = NamedItem;

export const INVENTORY_DEFAULTS = {
  reserved: 0,
  minUnit: 1,
  maxUnit: 2147483647,
  stepSize: 1,
  allocationRatio: 1.0,
} as const;

/** A consumer's complete new allocation set, as written by PUT/POST /allocations or reshaper. */
export interface ConsumerAllocationWrite {
  consumerUuid: string;
  projectId: string;
  userId: string;
  /** undefined: the version does not check consumer generations (below 1.28). */
  consumerGeneration?: number | null;
  /** undefined: leave the stored type alone (below 1.38). */
  consumerType?: string;
  allocations: Allocation[];
}

export const SHARING_TRAIT = 'MISC_SHARES_VIA_AGGREGATE';
