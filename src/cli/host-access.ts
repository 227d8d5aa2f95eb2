// Where the discover, doctor and agent commands read the host from: the composition they share.
// A sysfs root that is a lab directory gets the lab's live view (its netdevs are real veths), as
// the plugin's composition root does; any other root is read as it is.
import { existsSync } from 'node:fs';
import { IpPfControl } from '../host/iproute2/pf-control.js';
import type { PfControl, StateFiles, Sysfs } from '../host/ports.js';
import { DirStateFiles } from '../host/state-files.js';
import { RealSysfs } from '../host/sysfs.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';

export const DEFAULT_STATE_DIR = '/var/lib/cni/sriov';

export interface HostView {
  sysfs: Sysfs;
  /** The root is a simulated host (the lab). */
  simulated: boolean;
  /** The PFs' view of their VFs; null for a sysfs tree that is neither this machine's nor a lab's. */
  pf: PfControl | null;
}

export function openHost(root: string): HostView {
  if (root !== '/' && isLab(root)) {
    const lab = labPorts(root);
    return { sysfs: lab.sysfs, simulated: true, pf: lab.pf };
  }
  return { sysfs: new RealSysfs(root), simulated: false, pf: root === '/' ? new IpPfControl() : null };
}

/** The plugin's state directory, read-only use; null when it does not exist. */
export function openState(dir: string): StateFiles | null {
  return existsSync(dir) ? new DirStateFiles(dir) : null;
}
