// VF accounting in any Placement-compatible service, over HTTP: the plugin's claims become
// allocations of SRIOV_NET_VF: 1 against the PF providers that `vfnet agent` registered.
import type { VfAccounting } from '../sriov/accounting.js';

const MICROVERSION = '1.39';
/** Placement's consumer types are upper-case words; this one marks a container attachment. */
const CONSUMER_TYPE = 'CNI_ATTACHMENT';
const PROJECT = 'vfnet';
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
    private readonly url: string,
    /** The host's root provider: candidates are looked for in its tree only. */
    private readonly rootProvider: string,
    private readonly token = 'admin',
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        'x-auth-token': this.token,
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

  async claim(consumer: string, pfProvider: string): Promise<boolean> {
    let generation: number | null = null;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { status, json } = await this.call('PUT', `/allocations/${consumer}`, {
        allocations: { [pfProvider]: { resources: { SRIOV_NET_VF: 1 } } },
        project_id: PROJECT,
        user_id: PROJECT,
        consumer_generation: generation,
        consumer_type: CONSUMER_TYPE,
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
}
