// The `sriov` CNI plugin executable: the composition root. It reads where the host is (real, or
// the simulated lab) from the environment, builds the ports, and hands one invocation to the
// dispatcher. Kept free of anything the plugin does not need: this file is exec'd several times
// per container.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { hostProviderUuid, pfProviderUuid } from '../agent/ids.js';
import { HttpVfAccounting } from '../agent/placement-accounting.js';
import { runPlugin } from '../cni/index.js';
import { realHostPorts } from '../host/index.js';
import { createLogger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';
import { DEFAULT_OPTIONS, SriovPlugin } from '../sriov/plugin.js';

const env = process.env;
// VFNET_STATE_DIR, or DEFAULT_CNI_DIR as sriov-cni's integration tests set it.
const stateDir = env.VFNET_STATE_DIR || env.DEFAULT_CNI_DIR || '/var/lib/cni/sriov';
const sysfsRoot = env.VFNET_SYSFS_ROOT || '/';
const lockTimeoutMs = Number(env.VFNET_LOCK_TIMEOUT_MS) > 0 ? Number(env.VFNET_LOCK_TIMEOUT_MS) : DEFAULT_OPTIONS.lockTimeoutMs;
// The name `vfnet agent` registered this host under (its --hostname), which the provider UUIDs derive from.
const host = env.VFNET_HOSTNAME || hostname();

function hostPorts(): HostPorts {
  const host = realHostPorts({ sysfsRoot, stateDir });
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

// VERSION needs no host at all: don't build one (podman calls it before every ADD and DEL).
const handlers = env.CNI_COMMAND === 'VERSION' ? ({} as SriovPlugin) : new SriovPlugin(hostPorts(), log, {
  ...DEFAULT_OPTIONS, lockTimeoutMs, pid: process.pid,
  accountingFor: (url) => new HttpVfAccounting(url, hostProviderUuid(host)),
  pfProvider: (pci) => pfProviderUuid(host, pci),
});
void runPlugin(handlers, { env, stdin: readStdin(), stdout: (text) => process.stdout.write(text), stderr }).then((code) => {
  process.exitCode = code;
});
