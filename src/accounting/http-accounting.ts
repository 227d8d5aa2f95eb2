// VF accounting in any Placement-compatible service, over HTTP: the plugin's claims become
// allocations of SRIOV_NET_VF: 1 against the PF providers that `vfnet agent` registered.
import { ATTACHMENT_CONSUMER_TYPE, ATTACHMENT_PROJECT, type VfAccounting } from './port.js';

const MICROVERSION = '1.39';
const ATTEMPTS = 5;

export class PlacementRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export class HttpVfAccounting implements VfAccounting {
  constructor(
    /** The service's URL. */
    readonly target: string,
    /** The host's root provider: candidates are looked for in its tree only. */
    private readonly rootProvider: string,
    /** From placementToken() (token.ts); null sends none, and the service says 401. */
    private readonly token: string | null,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.target.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        ...(this.token ? { 'x-auth-token': this.token } : {}),
        'openstack-api-version': `placement ${MICROVERSION}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json };
  }

  private static errorOf(json: unknown): { code: string | null; detail: string } {
    const e = (json as { errors?: { code?: string; detail?: string }[] } | null)?.errors?.[0];
    return { code: e?.code ?? null, detail: e?.detail ?? '' };
  }

  async candidatePfs(trait: string): Promise<string[]> {
    const q = new URLSearchParams({ in_tree: this.rootProvider, resources: 'SRIOV_NET_VF:1', required: trait });
    const { status, json } = await this.call('GET', `/resource_providers?${q}`);
    if (status !== 200) {
      const e = HttpVfAccounting.errorOf(json);
      throw new PlacementRequestError(`GET /resource_providers: ${status} ${e.detail}`, status, e.code);
    }
    const providers = (json as { resource_providers: { uuid: string; name: string }[] }).resource_providers;
    return providers.sort((a, b) => a.name.localeCompare(b.name)).map((p) => p.uuid);
  }

  async knows(pfProvider: string): Promise<boolean> {
    const { status, json } = await this.call('GET', `/resource_providers/${pfProvider}/inventories`);
    if (status === 404) return false;
    if (status !== 200) {
      const e = HttpVfAccounting.errorOf(json);
      throw new PlacementRequestError(
        `GET /resource_providers/${pfProvider}/inventories: ${status} ${e.detail}`,
        status,
        e.code,
      );
    }
    return Boolean((json as { inventories?: Record<string, unknown> } | null)?.inventories?.SRIOV_NET_VF);
  }

  async claim(consumer: string, pfProvider: string, network: string): Promise<boolean> {
    let generation: number | null = null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { status, json } = await this.call('PUT', `/allocations/${consumer}`, {
        allocations: { [pfProvider]: { resources: { SRIOV_NET_VF: 1 } } },
        project_id: ATTACHMENT_PROJECT,
        user_id: network,
        consumer_generation: generation,
        consumer_type: ATTACHMENT_CONSUMER_TYPE,
      });
      if (status === 204) return true;
      const e = HttpVfAccounting.errorOf(json);
      if (status === 409 && e.code === 'placement.concurrent_update') {
        // The consumer exists already (a retried ADD) or someone wrote meanwhile: re-read, retry.
        const current = await this.call('GET', `/allocations/${consumer}`);
        generation = (current.json as { consumer_generation?: number | null } | null)?.consumer_generation ?? null;
        continue;
      }
      if (status === 409) return false; // no room left on that PF
      throw new PlacementRequestError(`PUT /allocations/${consumer}: ${status} ${e.detail}`, status, e.code);
    }
    return false;
  }

  async release(consumer: string): Promise<void> {
    const { status, json } = await this.call('DELETE', `/allocations/${consumer}`);
    if (status === 204 || status === 404) return;
    const e = HttpVfAccounting.errorOf(json);
    throw new PlacementRequestError(`DELETE /allocations/${consumer}: ${status} ${e.detail}`, status, e.code);
  }

  async attachmentsOn(pfProviders: readonly string[], network: string): Promise<string[]> {
    const out = new Set<string>();
    for (const pf of pfProviders) {
      const held = await this.call('GET', `/resource_providers/${pf}/allocations`);
      if (held.status === 404) continue;
      if (held.status !== 200) {
        const e = HttpVfAccounting.errorOf(held.json);
        throw new PlacementRequestError(
          `GET /resource_providers/${pf}/allocations: ${held.status} ${e.detail}`,
          held.status,
          e.code,
        );
      }
      for (const consumer of Object.keys(
        (held.json as { allocations?: Record<string, unknown> } | null)?.allocations ?? {},
      )) {
        const c = (await this.call('GET', `/allocations/${consumer}`)).json as {
          project_id?: string;
          user_id?: string;
          consumer_type?: string;
        } | null;
        if (
          c?.project_id === ATTACHMENT_PROJECT &&
          c.user_id === network &&
          c.consumer_type === ATTACHMENT_CONSUMER_TYPE
        )
          out.add(consumer);
      }
    }
    return [...out];
  }
}
