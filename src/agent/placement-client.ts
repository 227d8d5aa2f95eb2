// A small typed client for the part of the Placement API the agent uses, over HTTP with Node's
// fetch. Any Placement-compatible service works: OpenStack Placement itself or `vfnet serve`.
// Every request sends microversion 1.39 (nested providers, 200 + body on create, re-parenting) and
// the caller's `x-auth-token` (none by default: the CLI reads it from a file or the environment,
// src/accounting/token.ts). Failures are PlacementError values carrying Placement's own error code.
import type { InventorySpec } from './discover.js';

export const MICROVERSION = '1.39';

/** Codes for failures that never reached Placement, or that it answered with something unreadable. */
export const ClientCode = {
  unreachable: 'vfnet.agent.unreachable',
  badResponse: 'vfnet.agent.bad_response',
} as const;

export class PlacementError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status; 0 when the service could not be reached. */
    readonly status: number,
    /** Placement's `code` (placement.concurrent_update, placement.inventory.inuse, ...), or a ClientCode. */
    readonly code: string,
    readonly title: string,
    /** Placement's message, without webob's generic first paragraph. */
    readonly detail: string,
    readonly requestId: string | null = null,
  ) {
    super(`${method} ${path}: ${status === 0 ? 'unreachable' : `${status} ${title}`}: ${detail} (${code})`);
    this.name = 'PlacementError';
  }

  is(status: number, code?: string): boolean {
    return this.status === status && (code === undefined || this.code === code);
  }
}

export interface ProviderRecord {
  uuid: string;
  name: string;
  generation: number;
  parent_provider_uuid: string | null;
  root_provider_uuid: string;
}

export interface InventoriesRecord {
  generation: number;
  inventories: Record<string, InventorySpec>;
}

export interface TraitsRecord {
  generation: number;
  traits: string[];
}

/** What the agent needs from a Placement service. The HTTP client implements it; tests fake it. */
export interface PlacementApi {
  getProvider(uuid: string): Promise<ProviderRecord | null>;
  /** Every provider of the tree that contains `uuid`; empty when there is no such provider. */
  listTree(uuid: string): Promise<ProviderRecord[]>;
  createProvider(p: { uuid: string; name: string; parentUuid: string | null }): Promise<ProviderRecord>;
  updateProvider(uuid: string, p: { name: string; parentUuid: string | null }): Promise<ProviderRecord>;
  getInventories(uuid: string): Promise<InventoriesRecord>;
  /** Replaces all inventories; 409 placement.concurrent_update when `generation` is stale. */
  putInventories(
    uuid: string,
    generation: number,
    inventories: Record<string, InventorySpec>,
  ): Promise<InventoriesRecord>;
  getTraits(uuid: string): Promise<TraitsRecord>;
  putTraits(uuid: string, generation: number, traits: string[]): Promise<TraitsRecord>;
  /** Which of these traits exist (one request for all of them). */
  existingTraits(names: readonly string[]): Promise<Set<string>>;
  /** Creates a CUSTOM_* trait if it does not exist. */
  ensureTrait(name: string): Promise<'created' | 'exists'>;
  /** Amounts allocated against the provider, by resource class. */
  getUsages(uuid: string): Promise<Record<string, number>>;
  /** False when there was nothing to delete. */
  deleteProvider(uuid: string): Promise<boolean>;
}

export interface PlacementClientOptions {
  /** The x-auth-token; none is sent without one (the service then answers 401). */
  token?: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
}

interface ErrorBody {
  errors?: { status?: number; title?: string; detail?: string; code?: string; request_id?: string }[];
  /** The auth layer's 401 body has this shape instead. */
  message?: string;
  title?: string;
}

function cleanDetail(detail: string): string {
  // webob puts a generic explanation first, then "\n\n ", then Placement's message.
  const parts = detail.split('\n\n');
  return (parts.length > 1 ? parts.slice(1).join(' ') : detail).trim();
}

export class HttpPlacementClient implements PlacementApi {
  private readonly base: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(baseUrl: string, opts: PlacementClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.token = opts.token ?? '';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** One request; the parsed JSON body (null for 204), or a PlacementError. `allow` lists statuses that are answers, not errors. */
  private async request(
    method: string,
    path: string,
    body?: unknown,
    allow: number[] = [],
  ): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers: {
          'openstack-api-version': `placement ${MICROVERSION}`,
          ...(this.token ? { 'x-auth-token': this.token } : {}),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, bad port, ...) is in its cause.
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = c?.code ?? c?.message;
      throw new PlacementError(
        method,
        path,
        0,
        ClientCode.unreachable,
        'Unreachable',
        `${this.base}: ${(e as Error).message}${why ? ` (${why})` : ''}`,
      );
    }
    const text = await res.text();
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        if (res.ok)
          throw new PlacementError(
            method,
            path,
            res.status,
            ClientCode.badResponse,
            'Bad response',
            `not JSON: ${text.slice(0, 200)}`,
          );
      }
    }
    if (res.ok || allow.includes(res.status)) return { status: res.status, json };
    const e = (json as ErrorBody | null)?.errors?.[0];
    throw new PlacementError(
      method,
      path,
      res.status,
      e?.code ?? (res.status === 406 ? 'placement.not_acceptable' : 'placement.undefined_code'),
      e?.title ?? (json as ErrorBody | null)?.title ?? res.statusText,
      cleanDetail(e?.detail ?? (json as ErrorBody | null)?.message ?? text.slice(0, 500)),
      e?.request_id ?? res.headers.get('x-openstack-request-id'),
    );
  }

  private provider(json: unknown, method: string, path: string): ProviderRecord {
    const p = json as Partial<ProviderRecord> | null;
    if (!p || typeof p.uuid !== 'string' || typeof p.generation !== 'number') {
      throw new PlacementError(
        method,
        path,
        200,
        ClientCode.badResponse,
        'Bad response',
        'expected a resource provider',
      );
    }
    return {
      uuid: p.uuid,
      name: p.name ?? '',
      generation: p.generation,
      parent_provider_uuid: p.parent_provider_uuid ?? null,
      root_provider_uuid: p.root_provider_uuid ?? p.uuid,
    };
  }

  async getProvider(uuid: string): Promise<ProviderRecord | null> {
    const path = `/resource_providers/${encodeURIComponent(uuid)}`;
    const r = await this.request('GET', path, undefined, [404]);
    return r.status === 404 ? null : this.provider(r.json, 'GET', path);
  }

  async listTree(uuid: string): Promise<ProviderRecord[]> {
    const path = `/resource_providers?in_tree=${encodeURIComponent(uuid)}`;
    const r = await this.request('GET', path);
    const list = (r.json as { resource_providers?: unknown[] } | null)?.resource_providers ?? [];
    return list.map((p) => this.provider(p, 'GET', path));
  }

  async createProvider(p: { uuid: string; name: string; parentUuid: string | null }): Promise<ProviderRecord> {
    const body: Record<string, unknown> = { uuid: p.uuid, name: p.name };
    if (p.parentUuid !== null) body.parent_provider_uuid = p.parentUuid;
    const r = await this.request('POST', '/resource_providers', body);
    return this.provider(r.json, 'POST', '/resource_providers');
  }

  async updateProvider(uuid: string, p: { name: string; parentUuid: string | null }): Promise<ProviderRecord> {
    const path = `/resource_providers/${encodeURIComponent(uuid)}`;
    const r = await this.request('PUT', path, { name: p.name, parent_provider_uuid: p.parentUuid });
    return this.provider(r.json, 'PUT', path);
  }

  private inventories(json: unknown): InventoriesRecord {
    const j = json as { resource_provider_generation?: number; inventories?: Record<string, InventorySpec> } | null;
    return { generation: j?.resource_provider_generation ?? 0, inventories: j?.inventories ?? {} };
  }

  async getInventories(uuid: string): Promise<InventoriesRecord> {
    return this.inventories(
      (await this.request('GET', `/resource_providers/${encodeURIComponent(uuid)}/inventories`)).json,
    );
  }

  async putInventories(
    uuid: string,
    generation: number,
    inventories: Record<string, InventorySpec>,
  ): Promise<InventoriesRecord> {
    const r = await this.request('PUT', `/resource_providers/${encodeURIComponent(uuid)}/inventories`, {
      resource_provider_generation: generation,
      inventories,
    });
    return this.inventories(r.json);
  }

  private traits(json: unknown): TraitsRecord {
    const j = json as { resource_provider_generation?: number; traits?: string[] } | null;
    return { generation: j?.resource_provider_generation ?? 0, traits: [...(j?.traits ?? [])].sort() };
  }

  async getTraits(uuid: string): Promise<TraitsRecord> {
    return this.traits((await this.request('GET', `/resource_providers/${encodeURIComponent(uuid)}/traits`)).json);
  }

  async putTraits(uuid: string, generation: number, traits: string[]): Promise<TraitsRecord> {
    const r = await this.request('PUT', `/resource_providers/${encodeURIComponent(uuid)}/traits`, {
      resource_provider_generation: generation,
      traits,
    });
    return this.traits(r.json);
  }

  async existingTraits(names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const r = await this.request('GET', `/traits?name=in:${names.map(encodeURIComponent).join(',')}`);
    return new Set((r.json as { traits?: string[] } | null)?.traits ?? []);
  }

  async ensureTrait(name: string): Promise<'created' | 'exists'> {
    const r = await this.request('PUT', `/traits/${encodeURIComponent(name)}`);
    return r.status === 201 ? 'created' : 'exists';
  }

  async getUsages(uuid: string): Promise<Record<string, number>> {
    const r = await this.request('GET', `/resource_providers/${encodeURIComponent(uuid)}/usages`);
    return (r.json as { usages?: Record<string, number> } | null)?.usages ?? {};
  }

  async deleteProvider(uuid: string): Promise<boolean> {
    const r = await this.request('DELETE', `/resource_providers/${encodeURIComponent(uuid)}`, undefined, [404]);
    return r.status !== 404;
  }
}
