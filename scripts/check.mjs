// The rules that check themselves, run first by `npm test` and failing it:
//  - tsc: the types, strict (the Node program, and the dashboard page's browser script);
//  - Biome: the formatter (nothing may differ from its output), the linter and sorted imports;
//  - dependency-cruiser: design §3's one-way imports, no circles, src/ never importing test/
//    (.dependency-cruiser.cjs says what each rule forbids and why).
// `node scripts/check.mjs --fix` rewrites what Biome can fix by itself.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const fix = process.argv.includes('--fix');

const steps = [
  ['tsc', ['-p', '.', '--noEmit']],
  // The dashboard page's browser script, with DOM types instead of Node's.
  ['tsc', ['-p', 'tsconfig.page.json', '--noEmit']],
  ['biome', fix ? ['check', '--write', '.'] : ['ci', '--error-on-warnings', '.']],
  ['depcruise', ['--config', '.dependency-cruiser.cjs', 'src', 'test', 'bench']],
];
let failed = 0;
for (const [tool, args] of steps) {
  const r = spawnSync(bin(tool), args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`check: ${tool} failed`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
