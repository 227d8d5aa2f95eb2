// The wiring of this machine's host ports: sysfs and files read directly, links and PF-level VF
// settings through iproute2 (`ip`). What the plugin and the `vfnet` CLI use outside tests.
import { SystemClock } from './clock.js';
import { FlockLocks } from './flock.js';
import { IpLinks } from './iproute2/links.js';
import { IpPfControl } from './iproute2/pf-control.js';
import { FileLocks } from './locks.js';
import { DirPeerFiles } from './peer-files.js';
import type { HostPorts } from './ports.js';
import { SpawnProcessRunner } from './process.js';
import { SystemProcessTable } from './process-table.js';
import { DirStateFiles } from './state-files.js';
import { RealSysfs } from './sysfs.js';

export interface HostPortsOptions {
  /** Root of the sysfs tree (default `/`). */
  sysfsRoot?: string;
  /** State files directory (default /var/lib/cni/sriov). */
  stateDir?: string;
  /** Lock files directory (default `<stateDir>/locks`). */
  lockDir?: string;
  /** sriov-cni's data dir, whose cache, markers and flocks vfnet honours (default /var/lib/cni/sriov; null: none). */
  sriovCniDir?: string | null;
  /** The runtime's libcni result cache (default /var/lib/cni/results). */
  libcniCacheDir?: string;
}

export function hostPortsWithIproute2(options: HostPortsOptions = {}): HostPorts {
  const stateDir = options.stateDir ?? '/var/lib/cni/sriov';
  const sriovCniDir = options.sriovCniDir === undefined ? '/var/lib/cni/sriov' : options.sriovCniDir;
  const clock = new SystemClock();
  const processes = new SpawnProcessRunner();
  const processTable = new SystemProcessTable();
  // One set of ip sessions for links and PF settings: the host namespace's is shared.
  const links = new IpLinks(processes);
  return {
    sysfs: new RealSysfs(options.sysfsRoot ?? '/'),
    pf: new IpPfControl(processes, { ip: links.ip }),
    links,
    processes,
    processTable,
    state: new DirStateFiles(stateDir),
    locks: new FileLocks({ dir: options.lockDir ?? `${stateDir}/locks`, clock, processes: processTable }),
    clock,
    ...(sriovCniDir
      ? {
          sriovCni: {
            files: new DirPeerFiles(sriovCniDir),
            locks: new FlockLocks({ dir: `${sriovCniDir}/pci/vf_lock`, clock }),
            results: new DirPeerFiles(options.libcniCacheDir ?? '/var/lib/cni/results'),
          },
        }
      : {}),
  };
}
