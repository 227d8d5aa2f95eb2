// VF accounting in the node's embedded store (the SQLite file `vfnet agent --db` writes the
// provider tree to): the same claims as over HTTP, through the store's own transactions, with no
// server in between. Capacity and consumer generations are checked inside the write transaction,
// so concurrent plugin processes never over-allocate a PF.
import { fits } from '../placement/capacity.js';
import { ErrorCode, PlacementError } from '../placement/errors.js';
import type { PlacementStore } from '../store/port.js';
import { ATTACHMENT_CONSUMER_TYPE, ATTACHMENT_PROJECT, type VfAccounting } from './port.js';

const VF = 'SRIOV_NET_VF';
const ATTEMPTS = 5;

export class StoreVfAccounting implements VfAccounting {
  private opened: Promise<PlacementStore | null> | null = null;

  constructor(
    /**
     * Opens the store on first use (an ADD by deviceID never needs it); null when the file holds
     * no model, which then has no PF: nothing to claim, nothing to release.
     */
    private readonly open: () => Promise<PlacementStore | null>,
    /** The host's root provider: candidates are looked for in its tree only. */
    private readonly rootProvider: string,
    readonly target: string,
  ) {}

  private get store(): Promise<PlacementStore | null> {
    this.opened ??= this.open();
    return this.opened;
  }

  async close(): Promise<void> {
    await (await this.opened)?.close();
  }

  async candidatePfs(trait: string): Promise<string[]> {
    const snap = await (await this.store)?.snapshot();
    const root = snap?.get(this.rootProvider);
    if (!snap || !root) return [];
    return snap
      .tree(root)
      .filter((p) => p.traits.has(trait) && p.inventories.has(VF) && fits(p.inventories.get(VF)!, snap.used(p, VF), 1))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => p.uuid);
  }

  async knows(pfProvider: string): Promise<boolean> {
    return (await (await this.store)?.snapshot())?.get(pfProvider)?.inventories.has(VF) ?? false;
  }

  async claim(consumer: string, pfProvider: string, network: string): Promise<boolean> {
    const store = await this.store;
    if (!store) return false;
    // A new consumer first (the usual case); its generation is read only when it exists already.
    let generation: number | null = null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        await store.writeAllocations([
          {
            consumerUuid: consumer,
            projectId: ATTACHMENT_PROJECT,
            userId: network,
            consumerGeneration: generation,
            consumerType: ATTACHMENT_CONSUMER_TYPE,
            allocations: [{ providerUuid: pfProvider, resourceClass: VF, used: 1 }],
          },
        ]);
        return true;
      } catch (e) {
        if (!(e instanceof PlacementError) || e.status !== 409) throw e;
        // Someone wrote this consumer meanwhile (a retried ADD): re-read its generation, retry.
        if (e.code === ErrorCode.concurrentUpdate) {
          generation = (await store.getConsumerAllocations(consumer)).consumer?.generation ?? null;
          continue;
        }
        return false; // the PF has no room left
      }
    }
    return false;
  }

  async release(consumer: string): Promise<void> {
    await (await this.store)?.deleteConsumerAllocations(consumer);
  }

  async attachmentsOn(pfProviders: readonly string[], network: string): Promise<string[]> {
    return [...(await this.heldOn(pfProviders))].filter(([, h]) => h.network === network).map(([c]) => c);
  }

  /** Every attachment consumer holding a VF on these PF providers: consumer → its PF and network. */
  async heldOn(pfProviders: readonly string[]): Promise<Map<string, { provider: string; network: string }>> {
    const store = await this.store;
    const out = new Map<string, { provider: string; network: string }>();
    if (!store) return out;
    for (const pf of pfProviders) {
      let held: Map<string, Map<string, number>>;
      try {
        held = (await store.getProviderAllocations(pf)).allocations;
      } catch (e) {
        if (e instanceof PlacementError && e.status === 404) continue;
        throw e;
      }
      for (const consumer of held.keys()) {
        const c = (await store.getConsumerAllocations(consumer)).consumer;
        if (c && c.projectId === ATTACHMENT_PROJECT && c.consumerType === ATTACHMENT_CONSUMER_TYPE)
          out.set(consumer, { provider: pf, network: c.userId });
      }
    }
    return out;
  }
}
