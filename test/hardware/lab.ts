// Makes the QEMU igb lab (shared/sriov-lab) ready, or says why it cannot be had. setup.sh and
// build-netdevsim.sh are idempotent but slow, so they run only when their products are missing.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from '../support/exec.js';
import { REPO_ROOT } from '../support/paths.js';

/** shared/ sits beside the repository (the work tree here, CI's clone there). */
export const LAB_SCRIPTS = process.env.VFNET_SRIOV_LAB ?? join(REPO_ROOT, '..', 'shared', 'sriov-lab');
export const LAB_DIR = process.env.LAB ?? '/var/tmp/sriovlab';
export const NETDEVSIM_KO = join(LAB_DIR, 'nds', 'netdevsim.ko');

export type LabState = { ready: true } | { ready: false; reason: string };

function tail(r: RunResult, lines = 15): string {
  return `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-lines).join('\n');
}

/** QEMU ≥ 8 is what brings `-device igb`: asking for the device is the version check that matters. */
async function qemuHasIgb(): Promise<boolean> {
  const r = await run('qemu-system-x86_64', ['-device', 'help'], { timeoutMs: 30_000 });
  return r.status === 0 && r.stdout.includes('"igb"');
}

function labBuilt(): boolean {
  return existsSync(join(LAB_DIR, 'initramfs.cpio')) && existsSync(join(LAB_DIR, 'vmlinuz'));
}

export async function ensureLab(progress: (line: string) => void): Promise<LabState> {
  // A missing shared/ is a broken checkout, not a machine without QEMU: fail, do not skip.
  if (!existsSync(join(LAB_SCRIPTS, 'setup.sh'))) throw new Error(`no lab scripts at ${LAB_SCRIPTS} (set VFNET_SRIOV_LAB)`);
  if (!labBuilt() || !(await qemuHasIgb())) {
    // setup.sh reads /etc/apt/sources.list under `set -o pipefail` to find the archive; on a
    // deb822-only host (Debian 12's default) the file is absent and the script dies with status 2
    // before installing anything. An empty file means the same to apt and lets it go on.
    if (!existsSync('/etc/apt/sources.list')) writeFileSync('/etc/apt/sources.list', '');
    progress(`running ${LAB_SCRIPTS}/setup.sh (QEMU from bookworm-backports, guest kernel; once)`);
    const r = await run('bash', [join(LAB_SCRIPTS, 'setup.sh')], { timeoutMs: 30 * 60_000, env: { LAB: LAB_DIR } });
    if (!(await qemuHasIgb())) {
      return { ready: false, reason: `QEMU >= 8 (-device igb) could not be installed: setup.sh exit ${r.status}\n${tail(r)}` };
    }
    if (r.status !== 0 || !labBuilt()) throw new Error(`setup.sh failed although QEMU has igb (exit ${r.status}):\n${tail(r)}`);
  }
  if (!existsSync(NETDEVSIM_KO)) {
    progress(`running ${LAB_SCRIPTS}/build-netdevsim.sh (once)`);
    const r = await run('bash', [join(LAB_SCRIPTS, 'build-netdevsim.sh')], { timeoutMs: 20 * 60_000, env: { LAB: LAB_DIR } });
    // Not a reason to skip the igb scenarios: the netdevsim scenario reports the missing module.
    if (r.status !== 0) progress(`build-netdevsim.sh failed (exit ${r.status}):\n${tail(r)}`);
  }
  return { ready: true };
}
