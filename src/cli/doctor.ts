// `vfnet doctor`: what stands between this host and working SR-IOV, with the fix for each.
// Exit status: 0 every check passed, 1 something failed, 2 warnings only.
import type { Command } from 'commander';
import { DEFAULT_STATE_DIR, openHost, openState } from '../agent/host-access.js';
import { runDoctor } from '../agent/doctor.js';
import { renderDoctor } from '../agent/render.js';
import { defaultSysfsRoot } from './discover.js';

export function registerDoctor(program: Command): void {
  program.command('doctor')
    .description('check this host for SR-IOV: IOMMU, PFs and VFs, drivers, links, and the plugin\'s ledger; says how to fix what is wrong')
    .option('--sysfs-root <dir>', 'read sysfs under this root (a lab directory works too)', defaultSysfsRoot())
    .option('--state-dir <dir>', "the sriov plugin's state directory (claims and attachment records)", process.env.VFNET_STATE_DIR || DEFAULT_STATE_DIR)
    .option('--json', 'print JSON instead of a table')
    .action((o: { sysfsRoot: string; stateDir: string; json?: boolean }) => {
      const host = openHost(o.sysfsRoot);
      const report = runDoctor({ sysfs: host.sysfs, simulated: host.simulated, state: openState(o.stateDir), stateDir: o.stateDir });
      console.log(o.json ? JSON.stringify(report, null, 2) : renderDoctor(report, process.stdout.columns || 120));
      process.exitCode = report.exitCode;
    });
}
