// deploy/systemd's units, as the Debian package installs them, checked by systemd itself:
// `systemd-analyze verify` (syntax, every key known, the executables there) and
// `systemd-analyze security` (the exposure score, which docs/operator-guide.md states).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../support/paths.js';
import { Scratch } from '../support/scratch.js';
import { debianPackage, dpkg, run, systemRoot } from './support/debian.js';

const UNITS = { 'vfnet-serve.service': 1.5, 'vfnet-agent.service': 2.0 };
let root = '';
const s = new Scratch('vfnet-systemd');

function exposure(unit: string): number {
  const r = run('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, unit]);
  assert.equal(r.status, 0, r.stderr);
  const m = `${r.stdout}${r.stderr}`.match(/Overall exposure level for \S+: (\d+\.\d)/);
  assert.ok(m, r.stdout);
  return Number(m[1]);
}

describe('the systemd units', () => {
  before(() => {
    root = systemRoot(s);
    const r = dpkg(root, '-i', debianPackage());
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => s.dispose());

  for (const [unit, most] of Object.entries(UNITS)) {
    test(`${unit} verifies clean: no error, no warning`, () => {
      const r = run('systemd-analyze', ['verify', `--root=${root}`, unit]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr.trim(), '');
    });

    test(`${unit} is exposed at most ${most} (systemd-analyze security), as the guide says`, () => {
      const score = exposure(unit);
      assert.ok(score <= most, `${unit}: ${score}`);
      const guide = readFileSync(join(REPO_ROOT, 'docs', 'operator-guide.md'), 'utf8');
      assert.match(
        guide,
        new RegExp(`${unit.replace('.', '\\.')}\\S* +\\| +${score.toFixed(1)}`),
        'the score in docs/operator-guide.md',
      );
    });
  }

  test('verify catches a unit that names an executable the package does not install', () => {
    const unit = join(root, 'lib/systemd/system/vfnet-broken.service');
    const text = readFileSync(join(root, 'lib/systemd/system/vfnet-serve.service'), 'utf8').replace(
      '/usr/bin/vfnet',
      '/usr/bin/vfnet-missing',
    );
    writeFileSync(unit, text);
    const r = run('systemd-analyze', ['verify', `--root=${root}`, 'vfnet-broken.service']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /vfnet-missing is not executable/);
  });
});
