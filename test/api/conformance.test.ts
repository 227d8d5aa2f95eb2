// Placement conformance: Placement's own gabbi files (test/api/gabbi/gabbits, 47 files, 751 tests)
// against a live vfnet server, once on SQLite and once on PostgreSQL. The committed expectation
// (conformance-expected.json) records per file how many tests pass and which fail and why; any
// file that passes fewer, or a test that fails without being listed, is a regression.
// VFNET_UPDATE_EXPECTED=1 rewrites the expectation from this run instead of asserting (then
// review the diff: it is the record of the truth as measured).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ensureDeps } from './support/deps.js';
import { type FileResult, runGabbiFile } from './support/gabbi.js';
import { apiPaths } from './support/paths.js';
import { startPostgres } from './support/postgres.js';
import { freePort } from './support/processes.js';

interface FileExpectation {
  tests: number;
  passed: number;
  failing: Record<string, string>;
}
interface BackendExpectation {
  passed: number;
  tests: number;
  files: Record<string, FileExpectation>;
}
interface Expectation {
  about: string;
  backends: Record<string, BackendExpectation>;
}

const paths = apiPaths();
const expectedFile = join(paths.sourceDir, 'conformance-expected.json');
const updating = process.env.VFNET_UPDATE_EXPECTED === '1';

// The three tests that fail against real Placement 8.0.0 as well: gabbi 2.4.0 reads a
// `/regex/` in response_strings as a literal (test/api/gabbi/README.md).
const GABBI_REGEX_CASES = new Set([
  'allocations-1-12_put_empty_allocations',
  'allocations-bug-1714072_fail_with_empty_resources',
  'allocations-bug-1714072_fail_with_empty_resources_dictish',
]);
const GABBI_REGEX_REASON =
  'gabbi 2.4.0 matches /regex/ in response_strings literally; fails on real Placement 8.0.0 too';

function loadExpectation(): Expectation {
  try {
    return JSON.parse(readFileSync(expectedFile, 'utf8')) as Expectation;
  } catch {
    return { about: '', backends: {} };
  }
}

function compare(
  results: FileResult[],
  exp: BackendExpectation | undefined,
): { regressions: string[]; improvements: string[] } {
  const regressions: string[] = [];
  const improvements: string[] = [];
  for (const r of results) {
    const e = exp?.files[r.file] ?? { tests: 0, passed: 0, failing: {} };
    if (r.broken && e.passed > 0) regressions.push(`${r.file}: did not run (${r.broken})`);
    if (r.passed < e.passed) regressions.push(`${r.file}: ${r.passed} passed, expected at least ${e.passed}`);
    for (const [name, why] of Object.entries(r.failing)) {
      if (!(name in e.failing) && e.passed > 0) regressions.push(`${r.file}: ${name} fails: ${why}`);
    }
    const nowPassing = Object.keys(e.failing).filter((n) => !(n in r.failing) && !r.broken);
    if (r.passed > e.passed || nowPassing.length > 0) {
      improvements.push(
        `${r.file}: ${r.passed} passed (expected ${e.passed})${nowPassing.length ? `; now passing: ${nowPassing.join(', ')}` : ''}`,
      );
    }
  }
  return { regressions, improvements };
}

function recordExpectation(backend: string, results: FileResult[], old: Expectation): void {
  // Re-read: the other backend may have been recorded by this same run.
  const current = loadExpectation();
  const prev = old.backends[backend];
  const files: Record<string, FileExpectation> = {};
  for (const r of results) {
    const failing: Record<string, string> = {};
    for (const [name, why] of Object.entries(r.failing).sort(([a], [b]) => a.localeCompare(b))) {
      failing[name] = GABBI_REGEX_CASES.has(name) ? GABBI_REGEX_REASON : (prev?.files[r.file]?.failing[name] ?? why);
    }
    if (r.broken) failing['(whole file)'] = r.broken.slice(0, 240);
    files[r.file] = { tests: r.ran, passed: r.passed, failing };
  }
  current.about =
    'Per-file gabbi results of vfnet (test/api/conformance.test.ts). A run fails when a file ' +
    'passes fewer tests than "passed" or a test fails that is not in "failing". Regenerate with ' +
    'VFNET_UPDATE_EXPECTED=1 node scripts/test.mjs api, then review the diff.';
  current.backends[backend] = {
    passed: results.reduce((s, r) => s + r.passed, 0),
    tests: results.reduce((s, r) => s + r.ran, 0),
    files,
  };
  writeFileSync(expectedFile, `${JSON.stringify(current, null, 2)}\n`);
}

async function runBackend(t: TestContext, backend: string, extraEnv: Record<string, string>): Promise<void> {
  const expectation = loadExpectation();
  const gabbits = join(paths.gabbiDir, 'gabbits');
  const yamls = readdirSync(gabbits)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const work = mkdtempSync(join(tmpdir(), `vfnet-conformance-${backend}-`));
  const logdir = join(work, 'logs');
  const port = await freePort();
  const env = { ...process.env, ...extraEnv, TMPDIR: work, VFNET_SERVER_JS: paths.serverJs };
  const startCmd = `bash ${join(paths.sourceDir, 'start-vfnet.sh')} ${port}`;
  const results: FileResult[] = [];
  const started = Date.now();
  for (const yaml of yamls) {
    const r = await runGabbiFile(join(gabbits, yaml), { startCmd, logdir, env });
    results.push(r);
    const e = expectation.backends[backend]?.files[r.file];
    t.diagnostic(
      `${backend} ${r.file}: ${r.passed}/${r.ran}${e ? ` (expected ${e.passed})` : ''}${r.broken ? ` BROKEN ${r.broken}` : ''}`,
    );
  }
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const ran = results.reduce((s, r) => s + r.ran, 0);
  const exp = expectation.backends[backend];
  const summary =
    `conformance ${backend}: ${passed}/${ran} passed` +
    ` (expected ${exp?.passed ?? 0}/${exp?.tests ?? 0}, real Placement 8.0.0: 748/751), ${((Date.now() - started) / 1000).toFixed(0)} s`;
  t.diagnostic(summary);
  console.log(summary);

  if (updating) {
    recordExpectation(backend, results, expectation);
    t.diagnostic(`recorded ${expectedFile}`);
    rmSync(work, { recursive: true, force: true });
    return;
  }
  const { regressions, improvements } = compare(results, exp);
  for (const line of improvements) t.diagnostic(`improved (update the expectation): ${line}`);
  if (regressions.length === 0) rmSync(work, { recursive: true, force: true });
  assert.deepEqual(regressions, [], `regressions against ${expectedFile}; gabbi-run logs in ${logdir}`);
}

// The two backends run side by side: most of a file's time is process start-up (server,
// gabbi-run), which leaves a core idle, and the runs share nothing but the machine.
test('Placement conformance (gabbi) against vfnet', { concurrency: 2 }, async (t) => {
  const deps = await ensureDeps(paths.root, ['gabbi', 'curl', 'postgres']);
  if (!deps.ok) {
    t.skip(deps.skip);
    return;
  }
  await Promise.all([
    t.test('SQLite', async (t) => {
      await runBackend(t, 'sqlite', {});
    }),
    t.test('PostgreSQL', async (t) => {
      const pg = await startPostgres(paths.root);
      try {
        await runBackend(t, 'postgres', { VFNET_DB: pg.url });
      } finally {
        await pg.stop();
      }
    }),
  ]);
});
