// `vfnet doctor`: what stands between this host and working SR-IOV, with the fix for each.
// Exit status: 0 every check passed, 1 something failed, 2 warnings only.

import { hostname } from 'node:os';
import type { Command } from 'commander';
import { hostProviderUuid, pfProviderUuid } from '../accounting/ids.js';
import { StoreVfAccounting } from '../accounting/store-accounting.js';
import { capablePfs } from '../agent/discover.js';
import { type DoctorInput, runDoctor } from '../agent/doctor.js';
import { renderDoctor } from '../agent/render.js';
import { scanHost } from '../agent/scan.js';
import type { Sysfs } from '../host/ports.js';
import { nodeDbPath, nodeDbTarget } from '../store/node-paths.js';
import { openNodeModel, readNodeLedger } from '../store/node-store.js';
import { defaultSysfsRoot } from './discover.js';
import { DEFAULT_STATE_DIR, openHost, openState } from './host-access.js';

interface DoctorOptions {
  sysfsRoot: string;
  stateDir: string;
  db?: string;
  hostname: string;
  json?: boolean;
}

/** The claims the embedded model holds for this host's attachments; null when the file has no model. */
async function embeddedModelClaims(sysfs: Sysfs, path: string, host: string): Promise<DoctorInput['model']> {
  const store = await openNodeModel(path);
  if (!store) return null;
  const pfs = capablePfs(scanHost(sysfs)).map((pf) => pfProviderUuid(host, pf.pci));
  const accounting = new StoreVfAccounting(async () => store, hostProviderUuid(host), nodeDbTarget(path));
  try {
    const held = await accounting.heldOn(pfs);
    return { target: accounting.target, held: new Map([...held].map(([c, h]) => [c, h.provider])) };
  } finally {
    await accounting.close();
  }
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      "check this host for SR-IOV: IOMMU, PFs and VFs, drivers, links, and the plugin's ledger; says how to fix what is wrong",
    )
    .option('--sysfs-root <dir>', 'read sysfs under this root (a lab directory works too)', defaultSysfsRoot())
    .option(
      '--state-dir <dir>',
      "the sriov plugin's state directory (attachment records)",
      process.env.VFNET_STATE_DIR || DEFAULT_STATE_DIR,
    )
    .option(
      '--db <path>',
      "the node's embedded store (the ledger, and the model if vfnet agent --db registered this host); default: VFNET_DB, else vfnet.db in a non-default --state-dir, else /var/lib/vfnet/vfnet.db",
    )
    .option(
      '--hostname <name>',
      'the name vfnet agent registered this host under',
      process.env.VFNET_HOSTNAME || hostname(),
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (o: DoctorOptions) => {
      const host = openHost(o.sysfsRoot);
      const db = nodeDbPath({ db: o.db ?? process.env.VFNET_DB, stateDir: o.stateDir });
      const report = runDoctor({
        sysfs: host.sysfs,
        simulated: host.simulated,
        pf: host.pf,
        state: openState(o.stateDir),
        stateDir: o.stateDir,
        ledger: await readNodeLedger(db),
        model: await embeddedModelClaims(host.sysfs, db, o.hostname),
      });
      console.log(o.json ? JSON.stringify(report, null, 2) : renderDoctor(report, process.stdout.columns || 120));
      process.exitCode = report.exitCode;
    });
}
