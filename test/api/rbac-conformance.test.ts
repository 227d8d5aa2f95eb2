// Placement's RBAC gabbi files (test/api/gabbi/gabbits-rbac: 18 files, 414 tests, the
// *-secure-rbac.yaml with SecureRBACPolicyFixture and *-legacy-rbac.yaml with
// LegacyRBACPolicyFixture) against a live vfnet, on SQLite and on PostgreSQL. start-vfnet.sh
// maps the fixture to --policy-defaults; the tokens are noauth2's with X-Roles. Every test must
// pass: these files are the reference for who may do what.
//   node scripts/test.mjs api   (or: node --test dist/test/api/rbac-conformance.test.js after a build)
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ensureDeps } from './support/deps.js';
import { type FileResult, runGabbiFile } from './support/gabbi.js';
import { apiPaths } from './support/paths.js';
import { startPostgres } from './support/postgres.js';
import { freePort } from './support/processes.js';

const paths = apiPaths();

async function runBackend(t: TestContext, backend: string, extraEnv: Record<string, string>): Promise<void> {
  const dir = join(paths.gabbiDir, 'gabbits-rbac');
  const yamls = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  assert.equal(yamls.length, 18, `18 RBAC files in ${dir}`);
  const work = mkdtempSync(join(tmpdir(), `vfnet-rbac-${backend}-`));
  const logdir = join(work, 'logs');
  const port = await freePort();
  const env = { ...process.env, ...extraEnv, TMPDIR: work, VFNET_SERVER_JS: paths.serverJs };
  const startCmd = `bash ${join(paths.sourceDir, 'start-vfnet.sh')} ${port}`;
  const results: FileResult[] = [];
  for (const yaml of yamls) {
    const r = await runGabbiFile(join(dir, yaml), { startCmd, logdir, env });
    results.push(r);
    t.diagnostic(`${backend} ${r.file}: ${r.passed}/${r.ran}${r.broken ? ` BROKEN ${r.broken}` : ''}`);
  }
  const passed = results.reduce((s, r) => s + r.passed, 0);
  const ran = results.reduce((s, r) => s + r.ran, 0);
  const summary = `RBAC conformance ${backend}: ${passed}/${ran} passed (Placement master: 414/414)`;
  t.diagnostic(summary);
  console.log(summary);
  const failing = results.flatMap((r) => [
    ...(r.broken ? [`${r.file}: ${r.broken}`] : []),
    ...Object.entries(r.failing).map(([n, why]) => `${n}: ${why}`),
  ]);
  assert.deepEqual(failing, [], `gabbi-run logs in ${logdir}`);
  assert.equal(ran, 414);
  rmSync(work, { recursive: true, force: true });
}

test("Placement's RBAC gabbi files against vfnet", { concurrency: 2 }, async (t) => {
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
