// What the compiled plugin loads at start-up (docs/benchmarks.md "Plugin"): Bun evaluates every
// Node built-in a chunk imports, on every exec. The plugin is bundled here as scripts/build.mjs
// bundles it (ESM, split), and its chunks' static imports are checked: the entry imports no
// built-in at all (VERSION), no chunk imports the modules that pull in Node's streams, nor node:fs
// and node:path (src/os serves their calls in the plugin: libc through bun:ffi, and own path code).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runOk } from '../../support/exec.js';
import { REPO_ROOT } from '../../support/paths.js';

const out = mkdtempSync(join(tmpdir(), 'vfnet-bundle-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** The module specifiers each chunk imports statically (`import ... from "x"`). */
async function chunks(): Promise<Map<string, string[]>> {
  await runOk(join(REPO_ROOT, 'node_modules', '.bin', 'bun'), [
    'build',
    '--target',
    'bun',
    '--format',
    'esm',
    '--splitting',
    '--external',
    'better-sqlite3',
    '--external',
    'pg',
    join(REPO_ROOT, 'src', 'bin', 'sriov.ts'),
    '--outdir',
    out,
  ]);
  const map = new Map<string, string[]>();
  for (const f of readdirSync(out).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(out, f), 'utf8');
    map.set(
      f,
      [...text.matchAll(/^import\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gm)].map((m) => (m[1] ?? m[2])!),
    );
  }
  return map;
}

test("the plugin's entry imports no built-in, and no chunk imports fs, path, child_process, net, crypto or os", async () => {
  const map = await chunks();
  const entry = map.get('sriov.js');
  assert.ok(entry, `an entry chunk sriov.js among ${[...map.keys()].join(', ')}`);
  assert.deepEqual(
    entry.filter((m) => !m.startsWith('./')),
    [],
    'VERSION is answered before any built-in is loaded',
  );
  // The parse sees imports at all: the dispatcher's chunk does import bun:ffi.
  assert.ok(
    [...map.values()].some((imports) => imports.includes('bun:ffi')),
    'some chunk imports bun:ffi',
  );
  for (const [file, imports] of map) {
    const heavy = imports.filter((m) => /^(node:)?(fs|path|child_process|net|crypto|os)$/.test(m));
    assert.deepEqual(heavy, [], `${file} imports ${heavy.join(', ')}`);
  }
});
