// Small rooms: no source file under src/ is over 450 lines, except tables generated from
// upstream data (standard-names.ts, from os-traits and os-resource-classes). A file that grows
// past it is split along its seams, not exempted here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../support/paths.js';

const LIMIT = 450;
const GENERATED = new Set(['src/placement/standard-names.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

test(`no file under src/ is over ${LIMIT} lines, generated tables aside`, () => {
  const files = sources(join(REPO_ROOT, 'src'));
  assert.ok(files.length > 100, 'the tree was found');
  const big = files
    .map((f) => ({ file: relative(REPO_ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > LIMIT && !GENERATED.has(f.file))
    .map((f) => `${f.file}: ${f.lines}`);
  assert.deepEqual(big, []);
});
