// An in-memory Placement for the agent's unit tests: the rules the agent depends on, as Placement
// 8.0 applies them (reference placement.md §3, §5): provider generations bumped by inventory and
// trait writes and checked on them (409 placement.concurrent_update), shrinking below usage
// allowed but removing an in-use class refused (409 placement.inventory.inuse), duplicate names
// (409 placement.duplicate_name), no deleting a parent or a provider with allocations. Every call
// is logged, and a test can make a concurrent writer bump a generation before the next write.
import type { InventorySpec } from '../../src/agent/discover.js';
import {
  type InventoriesRecord,
  type PlacementApi,
  PlacementError,
  type ProviderRecord,
  type TraitsRecord,
} from '../../src/agent/placement-client.js';

interface Rp {
  uuid: string;
  name: string;
  generation: number;
  parent: string | null;
  inventories: Record<string, InventorySpec>;
  traits: string[];
  usages: Record<string, number>;
}

const STANDARD_TRAITS = ['HW_NIC_SRIOV', 'COMPUTE_NODE', 'HW_CPU_X86_AVX2'];

function err(method: string, path: string, status: number, code: string, detail: string): PlacementError {
  const title = status === 409 ? 'Conflict' : status === 404 ? 'Not Found' : 'Bad Request';
  return new PlacementError(method, path, status, code, title, detail);
}

export class FakePlacement implements PlacementApi {
  readonly providers = new Map<string, Rp>();
  readonly traits = new Set(STANDARD_TRAITS);
  readonly calls: string[] = [];
  /** Each entry: before the next write of that kind, another writer bumps the provider's generation. */
  private readonly interference: { op: 'putInventories' | 'putTraits'; times: number }[] = [];
  /** When set, every call fails as if the service were down. */
  down = false;
  /** Makes the next putInventories answer 409 inventory.inuse (usage that appeared after the agent read). */
  inUseOnNextPut = false;

  interfere(op: 'putInventories' | 'putTraits', times = 1): void {
    this.interference.push({ op, times });
  }

  /** Sets what is allocated against a provider (as allocations would). */
  allocate(uuid: string, rc: string, amount: number): void {
    this.rp('TEST', uuid).usages[rc] = amount;
  }

  byName(name: string): Rp | undefined {
    return [...this.providers.values()].find((p) => p.name === name);
  }

  private log(call: string): void {
    if (this.down)
      throw new PlacementError(
        call.split(' ')[0]!,
        '/',
        0,
        'vfnet.agent.unreachable',
        'Unreachable',
        'connect ECONNREFUSED 127.0.0.1:1',
      );
    this.calls.push(call);
  }

  private rp(method: string, uuid: string): Rp {
    const p = this.providers.get(uuid);
    if (!p)
      throw err(
        method,
        `/resource_providers/${uuid}`,
        404,
        'placement.undefined_code',
        `No resource provider with uuid ${uuid} found`,
      );
    return p;
  }

  private record(p: Rp): ProviderRecord {
    let root = p;
    while (root.parent) root = this.providers.get(root.parent)!;
    return {
      uuid: p.uuid,
      name: p.name,
      generation: p.generation,
      parent_provider_uuid: p.parent,
      root_provider_uuid: root.uuid,
    };
  }

  private interfered(op: 'putInventories' | 'putTraits', p: Rp): void {
    const i = this.interference.find((x) => x.op === op && x.times > 0);
    if (!i) return;
    i.times--;
    p.generation++;
  }

  async getProvider(uuid: string): Promise<ProviderRecord | null> {
    this.log(`getProvider ${uuid}`);
    const p = this.providers.get(uuid);
    return p ? this.record(p) : null;
  }

  async listTree(uuid: string): Promise<ProviderRecord[]> {
    this.log(`listTree ${uuid}`);
    const p = this.providers.get(uuid);
    if (!p) return [];
    const root = this.record(p).root_provider_uuid;
    return [...this.providers.values()]
      .filter((q) => this.record(q).root_provider_uuid === root)
      .map((q) => this.record(q));
  }

  async createProvider(p: { uuid: string; name: string; parentUuid: string | null }): Promise<ProviderRecord> {
    this.log(`createProvider ${p.name}`);
    if (this.providers.has(p.uuid) || this.byName(p.name)) {
      throw err(
        'POST',
        '/resource_providers',
        409,
        'placement.duplicate_name',
        `Conflicting resource provider name: ${p.name} already exists.`,
      );
    }
    if (p.parentUuid !== null && !this.providers.has(p.parentUuid)) {
      throw err(
        'POST',
        '/resource_providers',
        400,
        'placement.undefined_code',
        `parent provider UUID cannot be found: ${p.parentUuid}`,
      );
    }
    const rp: Rp = {
      uuid: p.uuid,
      name: p.name,
      generation: 0,
      parent: p.parentUuid,
      inventories: {},
      traits: [],
      usages: {},
    };
    this.providers.set(p.uuid, rp);
    return this.record(rp);
  }

  async updateProvider(uuid: string, p: { name: string; parentUuid: string | null }): Promise<ProviderRecord> {
    this.log(`updateProvider ${p.name}`);
    const rp = this.rp('PUT', uuid);
    const other = this.byName(p.name);
    if (other && other.uuid !== uuid)
      throw err(
        'PUT',
        `/resource_providers/${uuid}`,
        409,
        'placement.duplicate_name',
        `Conflicting resource provider name: ${p.name} already exists.`,
      );
    rp.name = p.name;
    rp.parent = p.parentUuid;
    return this.record(rp);
  }

  async getInventories(uuid: string): Promise<InventoriesRecord> {
    this.log(`getInventories ${uuid}`);
    const p = this.rp('GET', uuid);
    return { generation: p.generation, inventories: structuredClone(p.inventories) };
  }

  async putInventories(
    uuid: string,
    generation: number,
    inventories: Record<string, InventorySpec>,
  ): Promise<InventoriesRecord> {
    this.log(`putInventories ${uuid}`);
    const p = this.rp('PUT', uuid);
    this.interfered('putInventories', p);
    const path = `/resource_providers/${uuid}/inventories`;
    if (generation !== p.generation)
      throw err('PUT', path, 409, 'placement.concurrent_update', 'resource provider generation conflict');
    for (const rc of Object.keys(p.inventories)) {
      if (!inventories[rc] && (p.usages[rc] ?? 0) > 0) {
        throw err(
          'PUT',
          path,
          409,
          'placement.inventory.inuse',
          `Inventory for '${rc}' on resource provider '${uuid}' in use.`,
        );
      }
    }
    if (this.inUseOnNextPut) {
      this.inUseOnNextPut = false;
      throw err(
        'PUT',
        path,
        409,
        'placement.inventory.inuse',
        `Inventory for 'SRIOV_NET_VF' on resource provider '${uuid}' in use.`,
      );
    }
    for (const inv of Object.values(inventories)) {
      if (inv.total < 1)
        throw err(
          'PUT',
          path,
          400,
          'placement.undefined_code',
          `JSON does not validate: 0 is less than the minimum of 1`,
        );
    }
    p.inventories = structuredClone(inventories);
    p.generation++;
    return { generation: p.generation, inventories: structuredClone(p.inventories) };
  }

  async getTraits(uuid: string): Promise<TraitsRecord> {
    this.log(`getTraits ${uuid}`);
    const p = this.rp('GET', uuid);
    return { generation: p.generation, traits: [...p.traits].sort() };
  }

  async putTraits(uuid: string, generation: number, traits: string[]): Promise<TraitsRecord> {
    this.log(`putTraits ${uuid}`);
    const p = this.rp('PUT', uuid);
    this.interfered('putTraits', p);
    const path = `/resource_providers/${uuid}/traits`;
    if (generation !== p.generation)
      throw err('PUT', path, 409, 'placement.concurrent_update', 'resource provider generation conflict');
    const unknown = traits.filter((t) => !this.traits.has(t));
    if (unknown.length)
      throw err('PUT', path, 400, 'placement.undefined_code', `No such trait(s): ${unknown.join(', ')}`);
    p.traits = [...traits].sort();
    p.generation++;
    return { generation: p.generation, traits: [...p.traits] };
  }

  async existingTraits(names: readonly string[]): Promise<Set<string>> {
    this.log(`existingTraits ${names.join(',')}`);
    return new Set(names.filter((n) => this.traits.has(n)));
  }

  async ensureTrait(name: string): Promise<'created' | 'exists'> {
    this.log(`ensureTrait ${name}`);
    if (this.traits.has(name)) return 'exists';
    this.traits.add(name);
    return 'created';
  }

  async getUsages(uuid: string): Promise<Record<string, number>> {
    this.log(`getUsages ${uuid}`);
    return { ...this.rp('GET', uuid).usages };
  }

  async deleteProvider(uuid: string): Promise<boolean> {
    this.log(`deleteProvider ${uuid}`);
    const p = this.providers.get(uuid);
    if (!p) return false;
    const path = `/resource_providers/${uuid}`;
    if ([...this.providers.values()].some((q) => q.parent === uuid)) {
      throw err(
        'DELETE',
        path,
        409,
        'placement.resource_provider.cannot_delete_parent',
        `Unable to delete parent resource provider ${uuid}: It has child resource providers.`,
      );
    }
    if (Object.values(p.usages).some((n) => n > 0)) {
      throw err('DELETE', path, 409, 'placement.resource_provider.inuse', `Resource provider ${uuid} in use.`);
    }
    this.providers.delete(uuid);
    return true;
  }
}
