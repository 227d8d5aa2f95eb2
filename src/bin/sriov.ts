// The `sriov` CNI plugin executable: the composition root. It reads where the host is (real, or
// the simulated lab) from the environment, builds the ports, and hands one invocation to the
// dispatcher. Kept free of anything the plugin does not need: this file is exec'd several times
// per container.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { accountingByTarget } from '../accounting/by-target.js';
import { hostProviderUuid, pfProviderUuid } from '../accounting/ids.js';
import { placementToken } from '../accounting/token.js';
import { type PluginHandlers, runPlugin } from '../cni/index.js';
import { hostPortsWithRtnetlink } from '../host/compose-rtnetlink.js';
import { createLogger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';
import { DEFAULT_OPTIONS, SriovPlugin } from '../sriov/plugin.js';
import { nodeDbPath, nodeDbTarget } from '../store/node-paths.js';
import type { VfLedger } from '../store/vf-ledger.js';

const env = process.env;
// VFNET_STATE_DIR, or DEFAULT_CNI_DIR as sriov-cni's integration tests set it.
const stateDir = env.VFNET_STATE_DIR || env.DEFAULT_CNI_DIR || '/var/lib/cni/sriov';
// sriov-cni's data dir (its cache, markers and flocks): VFNET_SRIOV_CNI_DIR, or DEFAULT_CNI_DIR (its
// own override), else /var/lib/cni/sriov, unless VFNET_STATE_DIR moved the state elsewhere: a test
// or a second instance that moves it never touches the node's sriov-cni state.
const sriovCniDir =
  env.VFNET_SRIOV_CNI_DIR || env.DEFAULT_CNI_DIR || (env.VFNET_STATE_DIR ? null : '/var/lib/cni/sriov');
// The node's embedded store (ledger, and the model when no `placement` is configured).
const dbPath = nodeDbPath({ db: env.VFNET_DB, stateDir });
const sysfsRoot = env.VFNET_SYSFS_ROOT || '/';
const lockTimeoutMs =
  Number(env.VFNET_LOCK_TIMEOUT_MS) > 0 ? Number(env.VFNET_LOCK_TIMEOUT_MS) : DEFAULT_OPTIONS.lockTimeoutMs;
// The name `vfnet agent` registered this host under (its --hostname), which the provider UUIDs derive from.
const host = env.VFNET_HOSTNAME || hostname();

function hostPorts(): HostPorts {
  const host = hostPortsWithRtnetlink({ sysfsRoot, stateDir, sriovCniDir });
  // A lab directory replaces what a real NIC provides: its sysfs tree and its PF-level settings.
  return sysfsRoot !== '/' && isLab(sysfsRoot) ? { ...host, ...labPorts(sysfsRoot) } : host;
}

const stderr = (text: string) => process.stderr.write(text);
const log = createLogger({ containerID: env.CNI_CONTAINERID, netns: env.CNI_NETNS, ifname: env.CNI_IFNAME }, stderr);
function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // No stdin (VERSION from some callers): the dispatcher decides what that means.
    return Buffer.alloc(0);
  }
}

/** A ledger that could not be opened fails each use, so the command reports it as a CNI error. */
function unavailableLedger(e: unknown): VfLedger {
  const fail = (): never => {
    throw e;
  };
  return { location: dbPath, read: fail, write: fail, remove: fail, all: fail };
}

async function plugin(): Promise<SriovPlugin> {
  // The store's modules load here, not at start-up: VERSION never needs them.
  const [{ openNodeLedger }, accountingFor] = await Promise.all([
    import('../store/node-store.js'),
    accountingByTarget(
      hostProviderUuid(host),
      placementToken(process.env, (p) => readFileSync(p, 'utf8')),
    ),
  ]);
  const ledger = await openNodeLedger(dbPath).catch(unavailableLedger);
  return new SriovPlugin(hostPorts(), log, {
    ...DEFAULT_OPTIONS,
    lockTimeoutMs,
    pid: process.pid,
    ledger,
    accountingFor,
    embeddedModel: nodeDbTarget(dbPath),
    pfProvider: (pci) => pfProviderUuid(host, pci),
  });
}

/**
 * The plugin, built when the dispatcher first hands it a request: VERSION, a bare exec (no
 * CNI_COMMAND) and any call refused before its handler never build a host or open the ledger,
 * which would create the node's database: they must change nothing on disk.
 */
function lazyPlugin(): PluginHandlers {
  let built: Promise<SriovPlugin> | null = null;
  const get = () => (built ??= plugin());
  return {
    add: async (r) => (await get()).add(r),
    del: async (r) => (await get()).del(r),
    check: async (r) => (await get()).check(r),
    status: async (r) => (await get()).status(r),
    gc: async (r) => (await get()).gc(r),
  };
}

async function main(): Promise<number> {
  const handlers = lazyPlugin();
  return runPlugin(handlers, { env, stdin: readStdin(), stdout: (text) => process.stdout.write(text), stderr });
}
// No top-level await: the executable is compiled to bytecode, which needs a CommonJS-shaped entry.
void main().then((code) => {
  process.exitCode = code;
});
