// The vfnet Debian package, built once per test file by deploy/debian/build.sh, and a system
// root to install it into with `dpkg --root`: an empty dpkg database, busybox as /bin/sh (dpkg
// runs the maintainer scripts chrooted there) and a copy of the host's systemd units (what
// `systemd-analyze verify --root` resolves the units' dependencies against).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/paths.js';
import type { Scratch } from '../../support/scratch.js';

let deb: string | undefined;

/**
 * The package, built once per test file into a directory of the process's own (not a test's
 * scratch, which goes with its test while later tests still install the package), removed at exit.
 */
export function debianPackage(): string {
  if (!deb) {
    const dir = mkdtempSync(join(tmpdir(), 'vfnet-deb-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    deb = execFileSync('bash', [join(REPO_ROOT, 'deploy', 'debian', 'build.sh'), dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    }).trim();
  }
  return deb;
}

export function systemRoot(s: Scratch): string {
  const root = s.mkdir('root');
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'bin', 'lib/systemd', 'tmp'])
    mkdirSync(join(root, d), { recursive: true });
  for (const f of ['status', 'available']) writeFileSync(join(root, 'var/lib/dpkg', f), '');
  cpSync('/bin/busybox', join(root, 'bin', 'busybox'));
  symlinkSync('busybox', join(root, 'bin', 'sh'));
  cpSync('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  return root;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** dpkg on that root; libc6 is the host's, outside the root's database, hence --force-depends. */
export const dpkg = (root: string, ...args: string[]) => run('dpkg', [`--root=${root}`, '--force-depends', ...args]);
