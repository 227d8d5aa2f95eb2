// The import check must be able to fail: it runs the project's dependency-cruiser rules over a
// small tree laid out like src/ and test/, once clean and once per kind of forbidden import,
// and expects the named rule to refuse exactly the bad edge.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../../support/paths.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Lays out `files` (path → source) in a fresh directory and runs the project's rules over it. */
function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vfnet-house-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'),
    ['--config', join(REPO_ROOT, '.dependency-cruiser.cjs'), 'src', 'test'],
    { cwd: dir, encoding: 'utf8' },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const base = {
  'src/host/ports.ts': 'export interface Clock { now(): number }\n',
  'src/os/fs.ts': 'export const readFileSync = (p: string) => p;\n',
  'src/sriov/plugin.ts': "import type { Clock } from '../host/ports.js';\nexport const f = (c: Clock) => c.now();\n",
  'test/support/fake.ts':
    "import type { Clock } from '../../src/host/ports.js';\nexport const clock: Clock = { now: () => 0 };\n",
};

test('a tree that follows design §3 passes', () => {
  const r = cruise(base);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /no dependency violations/);
});

const forbidden: Array<[string, string, string, RegExp]> = [
  [
    'a port importing the domain (type only)',
    'src/host/log.ts',
    "import type { f } from '../sriov/plugin.js';\nexport type F = typeof f;\n",
    /host-is-the-bottom: src\/host\/log\.ts → src\/sriov\/plugin\.ts/,
  ],
  [
    'src importing a fake from test',
    'src/sriov/wire.ts',
    "import { clock } from '../../test/support/fake.js';\nexport const c = clock;\n",
    /src-not-to-test: src\/sriov\/wire\.ts → test\/support\/fake\.ts/,
  ],
  [
    'the domain importing the CLI',
    'src/api/serve.ts',
    "import { run } from '../cli/main.js';\nexport const r = run;\n",
    /entry-points-are-top: src\/api\/serve\.ts → src\/cli\/main\.ts/,
  ],
  [
    'the domain opening files itself',
    'src/sriov/io.ts',
    "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    /domain-does-no-io: src\/sriov\/io\.ts → (node:)?fs/,
  ],
  [
    'the domain opening files through src/os',
    'src/sriov/io.ts',
    "import { readFileSync } from '../os/fs.js';\nexport const r = readFileSync;\n",
    /domain-does-no-io-through-os: src\/sriov\/io\.ts → src\/os\/fs\.ts/,
  ],
  [
    'src/os reaching up into a port',
    'src/os/fs.ts',
    "import type { Clock } from '../host/ports.js';\nexport type C = Clock;\n",
    /os-is-the-floor: src\/os\/fs\.ts → src\/host\/ports\.ts/,
  ],
];

for (const [what, path, text, rule] of forbidden) {
  test(`the check refuses ${what}`, () => {
    const files: Record<string, string> = { ...base, [path]: text, 'src/cli/main.ts': 'export const run = 1;\n' };
    const r = cruise(files);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, rule);
  });
}

test('the check refuses a circle', () => {
  const r = cruise({
    ...base,
    'src/api/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'src/api/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
  });
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /no-circular/);
});
