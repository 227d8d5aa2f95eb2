// The composition of the `sriov` plugin for every command but VERSION, part of the dispatcher's
// chunk (sriov-main.ts): where the host is (real, or the simulated lab), its ports, the node's store and the
// plugin. Also how the process ends (see `exit`).

import { createRequire } from 'node:module';
import { accountingByTarget } from '../accounting/by-target.js';
import { hostProviderUuid, pfProviderUuid } from '../accounting/ids.js';
import { placementToken } from '../accounting/token.js';
import { hostPortsWithRtnetlink } from '../host/compose-rtnetlink.js';
import type { Logger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import { BunLibc } from '../host/rtnetlink/bun-libc.js';
import { Namespaces } from '../host/rtnetlink/netns.js';
import { type PhaseTimings, timedPorts } from '../host/timings.js';
import { NetlinkSwitchDriver } from '../lab/netlink-switch.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';
import { readFileSync } from '../os/fs.js';
import { DEFAULT_OPTIONS, SriovPlugin } from '../sriov/plugin.js';
import { nodeDbPath, nodeDbTarget } from '../store/node-paths.js';
import { openNodeLedger } from '../store/node-store.js';
import type { VfLedger } from '../store/vf-ledger.js';

type Env = Record<string, string | undefined>;

export interface ComposedPlugin {
  plugin: SriovPlugin;
  /** Ends the process with this exit code, once stdout and stderr are written. */
  exit(code: number): void;
}

export async function composePlugin(env: Env, log: Logger, timings: PhaseTimings | null): Promise<ComposedPlugin> {
  // VFNET_STATE_DIR, or DEFAULT_CNI_DIR as sriov-cni's integration tests set it.
  const stateDir = env.VFNET_STATE_DIR || env.DEFAULT_CNI_DIR || '/var/lib/cni/sriov';
  // The node's embedded store (ledger, and the model when no `placement` is configured).
  const dbPath = nodeDbPath({ db: env.VFNET_DB, stateDir });
  const sysfsRoot = env.VFNET_SYSFS_ROOT || '/';
  // sriov-cni's data dir (its cache, markers and flocks): VFNET_SRIOV_CNI_DIR, or DEFAULT_CNI_DIR
  // (its own override), else /var/lib/cni/sriov, unless VFNET_STATE_DIR moved the state elsewhere:
  // a test or a second instance that moves it never touches the node's sriov-cni state.
  const sriovCniDir =
    env.VFNET_SRIOV_CNI_DIR || env.DEFAULT_CNI_DIR || (env.VFNET_STATE_DIR ? null : '/var/lib/cni/sriov');
  const lockTimeoutMs =
    Number(env.VFNET_LOCK_TIMEOUT_MS) > 0 ? Number(env.VFNET_LOCK_TIMEOUT_MS) : DEFAULT_OPTIONS.lockTimeoutMs;
  // The name `vfnet agent` registered this host under (its --hostname), which the provider UUIDs
  // derive from; read when a UUID is first needed (a deviceID attachment needs none).
  let hostName: string | undefined;
  const host = () => (hostName ??= env.VFNET_HOSTNAME || hostname());
  const libc = new BunLibc();
  const namespaces = new Namespaces(libc);

  let ports: HostPorts = hostPortsWithRtnetlink({ sysfsRoot, stateDir, sriovCniDir, libc, namespaces });
  // A lab directory replaces what a real NIC provides: its sysfs tree and its PF-level settings.
  // Its emulated switch is driven over rtnetlink from this process too: the lab is the simulated
  // host's hardware, which applies a setting without starting processes.
  if (sysfsRoot !== '/' && isLab(sysfsRoot)) {
    const lab = labPorts(sysfsRoot, {
      switchDriver: new NetlinkSwitchDriver(namespaces, ports.links),
      hostLinks: ports.links,
      oneCommand: true,
    });
    ports = { ...ports, ...lab };
  }
  if (timings) ports = timedPorts(ports, timings);

  // The model's modules (SqlStore) load only where a node's file holds a model (node-store.ts).
  const accountingFor = await accountingByTarget(
    () => hostProviderUuid(host()),
    () => placementToken(env, (p) => readFileSync(p, 'utf8')),
  );
  timings?.mark('accounting');
  let ledger = await openNodeLedger(dbPath).catch((e: unknown) => unavailableLedger(dbPath, e));
  if (timings) ledger = timings.wrap('ledger', ledger);
  timings?.mark('ledger open');
  const plugin = new SriovPlugin(ports, log, {
    ...DEFAULT_OPTIONS,
    lockTimeoutMs,
    pid: process.pid,
    ledger,
    accountingFor,
    embeddedModel: nodeDbTarget(dbPath),
    pfProvider: (pci) => pfProviderUuid(host(), pci),
  });
  // _exit(2), not a return to the runtime: at exit bun:sqlite closes every open database, and a
  // close checkpoints the WAL into the database file (two fsyncs, then one more to start the next
  // WAL: 17–38 ms under load, per exec). Nothing needs it. Every ledger and model transaction is
  // committed by now, and in WAL mode a commit is in the WAL file when COMMIT returns, so this exit
  // leaves exactly what a SIGKILL after the command would, which SQLite is built to survive (the
  // next opener reads the WAL); the attachment records were renamed into place before, and locks
  // are flock(2)s the kernel drops. The WAL is still checkpointed, by SQLite's own
  // wal_autocheckpoint inside the commit that fills it, once per many execs instead of in each.
  // Against a power cut it is what synchronous=NORMAL promises (the last commits may roll back,
  // the file never corrupts), as for the attachment records, which are not fsynced either: GC
  // heals both.
  return { plugin, exit: (code) => libc.exit(code) };
}

/**
 * The host's name, as os.hostname() gives it (the UTS namespace's nodename, which
 * /proc/sys/kernel/hostname shows to whoever reads it). Read from /proc because node:os is one
 * more module for Bun to evaluate on every exec; node:os only where /proc is not mounted.
 */
function hostname(): string {
  try {
    return readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
  } catch {
    return (createRequire(import.meta.url)('node:os') as typeof import('node:os')).hostname();
  }
}

/** A ledger that could not be opened fails each use, so the command reports it as a CNI error. */
function unavailableLedger(location: string, e: unknown): VfLedger {
  const fail = (): never => {
    throw e;
  };
  return { location, read: fail, write: fail, remove: fail, all: fail };
}
