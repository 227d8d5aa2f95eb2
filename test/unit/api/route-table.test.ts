// The route table against Placement's list of routes, the microversion list against 1.0–1.39,
// and the shape of src/api that keeps it readable beside Placement.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MAX_VERSION, MV, versionString } from '../../../src/api/microversion.js';
import { ROUTES } from '../../../src/api/route-table.js';

describe('route table', () => {
  it("has Placement's paths and methods, each once, in Placement's allow order", () => {
    const placement: Record<string, string[]> = {
      '/': ['GET'],
      '/resource_classes': ['GET', 'POST'],
      '/resource_classes/:name': ['GET', 'PUT', 'DELETE'],
      '/resource_providers': ['GET', 'POST'],
      '/resource_providers/:uuid': ['GET', 'PUT', 'DELETE'],
      '/resource_providers/:uuid/inventories': ['GET', 'POST', 'PUT', 'DELETE'],
      '/resource_providers/:uuid/inventories/:rc': ['GET', 'PUT', 'DELETE'],
      '/resource_providers/:uuid/usages': ['GET'],
      '/resource_providers/:uuid/aggregates': ['GET', 'PUT'],
      '/resource_providers/:uuid/allocations': ['GET'],
      '/resource_providers/:uuid/traits': ['GET', 'PUT', 'DELETE'],
      '/allocations': ['POST'],
      '/allocations/:consumer': ['GET', 'PUT', 'DELETE'],
      '/allocation_candidates': ['GET'],
      '/traits': ['GET'],
      '/traits/:name': ['GET', 'PUT', 'DELETE'],
      '/usages': ['GET'],
      '/reshaper': ['POST'],
    };
    const ours: Record<string, string[]> = {};
    for (const r of ROUTES) (ours[r.path] ??= []).push(r.method);
    assert.deepEqual(ours, placement);
  });
});

describe('microversions', () => {
  it('names every version from 1.0 to the latest, once and in order', () => {
    const minors = Object.values(MV);
    assert.deepEqual(minors, minors.map((_, i) => i));
    assert.equal(versionString(MAX_VERSION), `1.${minors.length - 1}`);
    assert.equal(versionString(MAX_VERSION), '1.39');
  });
});

describe('src/api layout', () => {
  const root = process.env.VFNET_ROOT ?? new URL('../../../../', import.meta.url).pathname;
  const api = join(root, 'src', 'api');
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it('handlers never import one another', () => {
    const handlers = files(join(api, 'handlers'));
    assert.equal(handlers.length, 10, 'one file per Placement handler module');
    for (const f of handlers) {
      assert.doesNotMatch(readFileSync(f, 'utf8'), /from '\.\/[^']+'/, f);
    }
  });

  it('no file is over 400 lines', () => {
    for (const f of files(api)) assert.ok(readFileSync(f, 'utf8').split('\n').length <= 400, f);
  });
});
