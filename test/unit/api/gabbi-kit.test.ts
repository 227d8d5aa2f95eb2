// The conformance kit is data the project carries (test/api/gabbi): Placement's YAML must stay
// exactly upstream's 13.0.0 files, and the runner must find the fixture each file names, since a
// wrong fixture silently runs a file against an empty database.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixtureOf, knownFixture } from '../../api/gabbi/fixtures.js';
import { REPO_ROOT } from '../../support/paths.js';

const kit = join(REPO_ROOT, 'test', 'api', 'gabbi');
const gabbits = join(kit, 'gabbits');

describe('conformance kit', () => {
  // The RBAC files are upstream master's of 2026-06-25 (13.0.0's differ in five legacy files,
  // changed by upstream's "Update policy scope enforcement testing").
  for (const [dir, count] of [
    ['gabbits', 47],
    ['gabbits-rbac', 18],
  ] as const) {
    it(`holds upstream's ${dir} unchanged, as ${dir}.sha256 records them`, () => {
      const recorded = new Map(
        readFileSync(join(kit, `${dir}.sha256`), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+\*?/) as [string, string])
          .map(([sum, name]) => [name, sum]),
      );
      const present = readdirSync(join(kit, dir))
        .filter((f) => f.endsWith('.yaml'))
        .sort();
      assert.deepEqual(present, [...recorded.keys()].sort());
      assert.equal(present.length, count);
      for (const f of present) {
        const sum = createHash('sha256')
          .update(readFileSync(join(kit, dir, f)))
          .digest('hex');
        assert.equal(sum, recorded.get(f), `${f} differs from upstream's`);
      }
    });
  }

  it("finds each file's fixture, past the comment lines some files put before it", () => {
    const counts: Record<string, number> = {};
    for (const f of readdirSync(gabbits).filter((n) => n.endsWith('.yaml'))) {
      const fx = fixtureOf(readFileSync(join(gabbits, f), 'utf8'));
      assert.ok(knownFixture(fx), `${f}: ${fx}`);
      counts[fx] = (counts[fx] ?? 0) + 1;
    }
    assert.deepEqual(counts, {
      APIFixture: 30,
      AllocationFixture: 6,
      GranularFixture: 4,
      CORSFixture: 1,
      DeepNUMANetworkFixture: 1,
      NUMAAggregateFixture: 1,
      NUMANetworkFixture: 1,
      NeutronQoSMultiSegmentFixture: 1,
      NonSharedStorageFixture: 1,
      SharedStorageFixture: 1,
    });
    assert.equal(fixtureOf('fixtures:\n    # a note\n    - GranularFixture\n'), 'GranularFixture');
    assert.equal(fixtureOf('tests:\n- name: x\n'), 'APIFixture');
  });
});
