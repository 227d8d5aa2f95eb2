// Makes the QEMU igb lab (test/hardware/lab: setup.sh, run-in-guest.sh, build-netdevsim.sh) ready,
// or says why it cannot be had. setup.sh and build-netdevsim.sh are idempotent but slow, so they
// run only when their products are missing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type RunResult, run } from '../support/exec.js';
import { REPO_ROOT } from '../support/paths.js';

/** The lab's scripts are the project's own; VFNET_SRIOV_LAB points at another copy to try a change. */
export const LAB_SCRIPTS = process.env.VFNET_SRIOV_LAB ?? join(REPO_ROOT, 'test', 'hardware', 'lab');
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

/** The kernel and its modules; run-in-guest.sh (re)builds its small initramfs by itself. */
function labBuilt(): boolean {
  return (
    existsSync(join(LAB_DIR, 'vmlinuz')) &&
    existsSync(join(LAB_DIR, 'modules', 'modules.dep')) &&
    existsSync(join(LAB_DIR, 'busybox', 'bin', 'busybox'))
  );
}

export async function ensureLab(progress: (line: string) => void): Promise<LabState> {
  // Missing scripts are a broken checkout, not a machine without QEMU: fail, do not skip.
  if (!existsSync(join(LAB_SCRIPTS, 'setup.sh'))) throw new Error(`no lab scripts at ${LAB_SCRIPTS}`);
  if (!labBuilt() || !(await qemuHasIgb())) {
    progress(`running ${LAB_SCRIPTS}/setup.sh (QEMU from bookworm-backports, guest kernel; once)`);
    const r = await run('bash', [join(LAB_SCRIPTS, 'setup.sh')], { timeoutMs: 30 * 60_000, env: { LAB: LAB_DIR } });
    if (!(await qemuHasIgb())) {
      return {
        ready: false,
        reason: `QEMU >= 8 (-device igb) could not be installed: setup.sh exit ${r.status}\n${tail(r)}`,
      };
    }
    if (r.status !== 0 || !labBuilt())
      throw new Error(`setup.sh failed although QEMU has igb (exit ${r.status}):\n${tail(r)}`);
  }
  if (!existsSync(NETDEVSIM_KO)) {
    progress(`running ${LAB_SCRIPTS}/build-netdevsim.sh (once)`);
    const r = await run('bash', [join(LAB_SCRIPTS, 'build-netdevsim.sh')], {
      timeoutMs: 20 * 60_000,
      env: { LAB: LAB_DIR },
    });
    // Not a reason to skip the igb scenarios: the netdevsim scenario reports the missing module.
    if (r.status !== 0) progress(`build-netdevsim.sh failed (exit ${r.status}):\n${tail(r)}`);
  }
  return { ready: true };
}
