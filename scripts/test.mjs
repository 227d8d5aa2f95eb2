// Runs the test suites with node's own test runner, over the transpiled files in dist/test.
//   node scripts/test.mjs unit   fast, pure logic with fakes: the inner loop
//   node scripts/test.mjs all    everything: the checks (scripts/check.mjs: formatter, linter,
//                                import rules), unit, then the real-world suites (netns, cnitool,
//                                podman, Placement conformance, QEMU hardware lab)
//   node scripts/test.mjs check  the checks alone
//   node scripts/test.mjs <dir>  one suite directory under test/ (integration, client, api, identity,
//                                hardware, deploy: the image, manifests, systemd units, Debian package)
// Files named *.contract.test.js or *.bun.test.js also run under `bun test` (see below).
// Real-world suites need root and Debian packages; scripts/install-deps.sh installs what is
// missing first, so a fresh machine needs nothing by hand.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const suites = ['unit', 'integration', 'client', 'api', 'identity', 'hardware', 'deploy'];
const which = process.argv[2] ?? 'unit';
const runChecks = which === 'all' || which === 'check';
const chosen = which === 'all' ? suites : which === 'check' ? [] : [which];

// The checks run first and fail the run, but the suites still run: one report shows everything.
let checksFailed = false;
if (runChecks) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'check.mjs')], { stdio: 'inherit' });
  checksFailed = r.status !== 0;
  if (which === 'check') process.exit(r.status ?? 1);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return testFiles(p);
      return name.endsWith('.test.js') ? [p] : [];
    })
    .sort();
}

if (chosen.some((s) => s !== 'unit')) {
  const r = spawnSync('bash', [join(root, 'scripts', 'install-deps.sh')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const files = chosen.flatMap((s) => testFiles(join(root, 'dist', 'test', s)));
if (files.length === 0) {
  console.error(`no test files for ${chosen.join(', ')}`);
  process.exit(1);
}
// Real-world suites share the host (netns names, the lab, ports), so files run one at a time;
// inside a file, tests choose their own concurrency.
const concurrency = chosen.length === 1 && chosen[0] === 'unit' ? '2' : '1';
const runDir = mkdtempSync(join(tmpdir(), 'vfnet-test-'));
const tap = join(runDir, 'report.tap');
// The secret audit (test/support/secret-audit.ts): the real-world suites record every log and
// error body of the vfnet processes they start, and the secrets they use, here; checked below.
const audited = chosen.filter((s) => s !== 'unit');
const auditRoot = process.env.VFNET_SECRET_AUDIT_DIR || join(runDir, 'secret-audit');
if (audited.length > 0) mkdirSync(auditRoot, { recursive: true, mode: 0o700 });
const testEnv = {
  ...process.env,
  VFNET_ROOT: root,
  ...(audited.length > 0 ? { VFNET_SECRET_AUDIT_DIR: auditRoot } : {}),
};
const r = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: testEnv },
);
// One plain closing line, whatever the reporter, so the totals are unambiguous.
const report = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (k) => Number(report.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
const totals = { pass: count('pass'), fail: count('fail'), skip: count('skipped') };
let status = r.status ?? 1;
// What only Bun can run (the rtnetlink adapter and flock locks go through bun:ffi): contract
// suites (*.contract.test.js) run again under `bun test`, which implements node:test, and
// *.bun.test.js files skip themselves under Node and run here.
const bunFiles = files.filter((f) => /\.(contract|bun)\.test\.js$/.test(f));
if (bunFiles.length > 0) {
  const b = spawnSync(
    join(root, 'node_modules', '.bin', 'bun'),
    ['test', ...bunFiles.map((f) => (f.startsWith('/') ? f : `./${f}`))],
    { stdio: ['ignore', 'inherit', 'pipe'], env: testEnv, encoding: 'utf8' },
  );
  process.stderr.write(b.stderr ?? '');
  const bunCount = (k) => Number((b.stderr ?? '').match(new RegExp(`^\\s*(\\d+) ${k}$`, 'm'))?.[1] ?? 0);
  totals.pass += bunCount('pass');
  totals.fail += bunCount('fail');
  totals.skip += bunCount('skip');
  if (b.status !== 0) status = b.status ?? 1;
}
// After every suite: no recorded log line or error body may hold a secret, and each suite must
// have recorded enough to prove it (test/support/secret-scan.ts states the rule). The audit
// directory is kept when the check fails, to be read; it holds test secrets only.
if (audited.length > 0) {
  const { allSecrets, checkAudit, formatReport } = await import(
    join(root, 'dist', 'test', 'support', 'secret-scan.js')
  );
  const audit = checkAudit(auditRoot, audited);
  console.log(`secret audit: ${new Set(allSecrets(auditRoot).map((s) => s.value)).size} distinct secrets searched`);
  for (const line of formatReport(audit.reports)) console.log(line);
  if (audit.ok) {
    if (!process.env.VFNET_SECRET_AUDIT_DIR) rmSync(auditRoot, { recursive: true, force: true });
  } else {
    console.error(`the secret audit failed; what it read is in ${auditRoot}`);
    status = status || 1;
  }
}
console.log(`tests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped`);
if (checksFailed) console.error('the checks failed (node scripts/check.mjs says why; --fix formats)');
process.exit(checksFailed ? 1 : status);
