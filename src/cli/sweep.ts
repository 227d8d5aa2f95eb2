// `vfnet sweep`: one pass of the sweeper (src/sriov/sweeper.ts) over this node's attachments,
// vfnet's and sriov-cni's: those whose netns is gone, whose VF came home without a DEL, or that a
// previous boot made, get their VF restored and their claims and addresses released.
// Exit status: 0 nothing to do or all settled, 1 something could not be restored or released,
// 2 some were left for the next sweep (their VF was busy).

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { accountingByTarget } from '../accounting/by-target.js';
import { hostProviderUuid, pfProviderUuid } from '../accounting/ids.js';
import { placementToken } from '../accounting/token.js';
import { hostPortsWithIproute2 } from '../host/compose.js';
import { createLogger, type Logger } from '../host/log.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';
import { DEFAULT_OPTIONS, SriovPlugin } from '../sriov/plugin.js';
import type { SweepReport } from '../sriov/sweeper.js';
import { nodeDbPath, nodeDbTarget } from '../store/node-paths.js';
import { defaultSysfsRoot } from './discover.js';
import { DEFAULT_STATE_DIR } from './host-access.js';

export interface SweepOptions {
  sysfsRoot: string;
  stateDir: string;
  sriovCniDir?: string;
  db?: string;
  hostname: string;
  cniPath: string;
}

/** The plugin as the sweeper needs it, composed as the plugin executable composes itself. */
export async function openSweeper(
  o: SweepOptions,
  log: Logger,
): Promise<{ sweep(): Promise<SweepReport>; close(): void }> {
  const dbPath = nodeDbPath({ db: o.db ?? process.env.VFNET_DB, stateDir: o.stateDir });
  const [{ openNodeLedger }, accountingFor] = await Promise.all([
    import('../store/node-store.js'),
    accountingByTarget(
      () => hostProviderUuid(o.hostname),
      () => placementToken(process.env, (p) => readFileSync(p, 'utf8')),
    ),
  ]);
  const ledger = await openNodeLedger(dbPath);
  // As the plugin finds it: given, else the default one unless the state dir was moved.
  const sriovCniDir =
    o.sriovCniDir || process.env.DEFAULT_CNI_DIR || (o.stateDir === DEFAULT_STATE_DIR ? DEFAULT_STATE_DIR : null);
  const base = hostPortsWithIproute2({ sysfsRoot: o.sysfsRoot, stateDir: o.stateDir, sriovCniDir });
  const host = o.sysfsRoot !== '/' && isLab(o.sysfsRoot) ? { ...base, ...labPorts(o.sysfsRoot) } : base;
  const plugin = new SriovPlugin(host, log, {
    ...DEFAULT_OPTIONS,
    pid: process.pid,
    ledger,
    accountingFor,
    embeddedModel: nodeDbTarget(dbPath),
    pfProvider: (pci) => pfProviderUuid(o.hostname, pci),
  });
  const paths = o.cniPath.split(':').filter(Boolean);
  return {
    sweep: () => plugin.sweep(process.env, paths),
    close: () => (ledger as { close?: () => void }).close?.(),
  };
}

export function renderSweep(r: SweepReport): string[] {
  const lines = r.swept.map(
    (s) =>
      `swept   ${s.pci}  ${s.source} ${s.containerId}/${s.ifname}: ${s.why}${s.errors.length ? ` — NOT fully restored: ${s.errors.join('; ')}` : ''}`,
  );
  for (const d of r.deferred) lines.push(`later   ${d.pci}  ${d.containerId}/${d.ifname}: ${d.why}`);
  lines.push(
    `${r.swept.length} swept, ${r.deferred.length} left for the next sweep, ${r.live} live attachment(s) untouched`,
  );
  return lines;
}

export function sweepExitCode(r: SweepReport): number {
  if (r.swept.some((s) => s.errors.length)) return 1;
  return r.deferred.length ? 2 : 0;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description(
      'restore the VFs of attachments nobody will DEL (netns gone, VF came home, previous boot), and release their claims and addresses; live ones are never touched',
    )
    .option('--sysfs-root <dir>', 'read sysfs under this root (a lab directory works too)', defaultSysfsRoot())
    .option('--state-dir <dir>', "the sriov plugin's state directory", process.env.VFNET_STATE_DIR || DEFAULT_STATE_DIR)
    .option(
      '--sriov-cni-dir <dir>',
      "sriov-cni's data dir, its caches and markers (default: VFNET_SRIOV_CNI_DIR, else /var/lib/cni/sriov unless --state-dir moved the state)",
      process.env.VFNET_SRIOV_CNI_DIR,
    )
    .option('--db <path>', "the node's embedded store (default: VFNET_DB, else as the plugin finds it)")
    .option(
      '--hostname <name>',
      'the name vfnet agent registered this host under',
      process.env.VFNET_HOSTNAME || hostname(),
    )
    .option(
      '--cni-path <dirs>',
      'where IPAM plugins are, for records that kept no CNI_PATH',
      process.env.CNI_PATH || '/opt/cni/bin',
    )
    .option('--json', 'print the report as JSON')
    .action(async (o: SweepOptions & { json?: boolean }) => {
      const log = createLogger({}, (l) => process.stderr.write(l));
      const sweeper = await openSweeper(o, log);
      try {
        const report = await sweeper.sweep();
        console.log(o.json ? JSON.stringify(report, null, 2) : renderSweep(report).join('\n'));
        process.exitCode = sweepExitCode(report);
      } finally {
        sweeper.close();
      }
    });
}
