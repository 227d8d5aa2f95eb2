// The real host, composed: what the plugin and the agent use outside tests.
import { SystemClock } from './clock.js';
import { IpLinks } from './links.js';
import { FileLocks } from './locks.js';
import { IpPfControl } from './pf-control.js';
import type { HostPorts } from './ports.js';
import { SpawnProcessRunner } from './process.js';
import { DirStateFiles } from './state-files.js';
import { RealSysfs } from './sysfs.js';

export interface RealHostOptions {
  /** Root of the sysfs tree (default `/`). */
  sysfsRoot?: string;
  /** State files directory (default /var/lib/cni/sriov). */
  stateDir?: string;
  /** Lock files directory (default `<stateDir>/locks`). */
  lockDir?: string;
}

export function realHostPorts(options: RealHostOptions = {}): HostPorts {
  const stateDir = options.stateDir ?? '/var/lib/cni/sriov';
  const clock = new SystemClock();
  const processes = new SpawnProcessRunner();
  // One set of ip sessions for links and PF settings: the host namespace's is shared.
  const links = new IpLinks(processes);
  return {
    sysfs: new RealSysfs(options.sysfsRoot ?? '/'),
    pf: new IpPfControl(processes, { ip: links.ip }),
    links,
    processes,
    state: new DirStateFiles(stateDir),
    locks: new FileLocks({ dir: options.lockDir ?? `${stateDir}/locks`, clock }),
    clock,
  };
}
