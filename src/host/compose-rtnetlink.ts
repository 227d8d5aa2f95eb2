// The wiring of this machine's host ports for the Bun-compiled plugin: links, namespaces and
// PF-level VF settings over rtnetlink from the process itself, locks with flock(2), all through
// one lazily-loaded libc binding (bun:ffi). No helper process: the only child of an ADD or DEL
// is the IPAM plugin. The `vfnet` CLI runs under Node, which has no FFI: it keeps
// hostPortsWithIproute2 (compose.ts).

import { BunProcessRunner } from './bun-process.js';
import { SystemClock } from './clock.js';
import type { HostPortsOptions } from './compose.js';
import { FlockLocks as SriovCniFlocks } from './flock.js';
import { DirPeerFiles } from './peer-files.js';
import type { HostPorts } from './ports.js';
import { SystemProcessTable } from './process-table.js';
import { BunLibc } from './rtnetlink/bun-libc.js';
import { FlockLocks } from './rtnetlink/flock-locks.js';
import { NetlinkLinks } from './rtnetlink/links.js';
import { Namespaces } from './rtnetlink/netns.js';
import { NetlinkPfControl } from './rtnetlink/pf-control.js';
import { DirStateFiles } from './state-files.js';
import { RealSysfs } from './sysfs.js';

export interface RtnetlinkPortsOptions extends HostPortsOptions {
  /** The libc binding to share (the plugin's entry also ends the process through it). */
  libc?: BunLibc;
  /** The namespace handles to share (the simulated lab's switch also speaks rtnetlink). */
  namespaces?: Namespaces;
}

export function hostPortsWithRtnetlink(options: RtnetlinkPortsOptions = {}): HostPorts {
  const stateDir = options.stateDir ?? '/var/lib/cni/sriov';
  const sriovCniDir = options.sriovCniDir === undefined ? '/var/lib/cni/sriov' : options.sriovCniDir;
  const clock = new SystemClock();
  // One binding and one set of namespace handles for links, PF settings and locks; dlopen happens
  // at the first call, so a command that never touches the kernel never loads libc.
  const libc = options.libc ?? new BunLibc();
  const namespaces = options.namespaces ?? new Namespaces(libc);
  return {
    sysfs: new RealSysfs(options.sysfsRoot ?? '/'),
    pf: new NetlinkPfControl(namespaces),
    links: new NetlinkLinks(libc, namespaces),
    processes: new BunProcessRunner(),
    processTable: new SystemProcessTable(),
    state: new DirStateFiles(stateDir),
    locks: new FlockLocks(libc, {
      dir: options.lockDir ?? `${stateDir}/locks`,
      clock,
    }),
    clock,
    // sriov-cni's cache, markers and flocks, honoured as compose.ts does (the takeover's own flock
    // wrapper, which names each lock as sriov-cni does: pci/vf_lock/<pci>.lock). VfLocks takes that
    // lock beside vfnet's own, so vfnet's locks must never be placed on sriov-cni's files as well:
    // two flock(2)s of one file from one process exclude each other.
    ...(sriovCniDir
      ? {
          sriovCni: {
            files: new DirPeerFiles(sriovCniDir),
            locks: new SriovCniFlocks({ dir: `${sriovCniDir}/pci/vf_lock`, clock }),
            results: new DirPeerFiles(options.libcniCacheDir ?? '/var/lib/cni/results'),
          },
        }
      : {}),
  };
}
