// Where the discover, doctor and agent commands read the host from: the composition they share.
// A sysfs root that is a lab directory gets the lab's live view (its netdevs are real veths), as
// the plugin's composition root does; any other root is read as it is.
import { existsSync } from 'node:fs';
import type { StateFiles, Sysfs } from '../host/ports.js';
import { DirStateFiles } from '../host/state-files.js';
import { RealSysfs } from '../host/sysfs.js';
import { isLab, labPorts } from '../lab/plugin-ports.js';

export const DEFAULT_STATE_DIR = '/var/lib/cni/sriov';

export interface HostView {
  sysfs: Sysfs;
  /** The root is a simulated host (the lab). */
  simulated: boolean;
}

export function openHost(root: string): HostView {
  if (root !== '/' && isLab(root)) return { sysfs: labPorts(root).sysfs, simulated: true };
  return { sysfs: new RealSysfs(root), simulated: false };
}

/** The plugin's state directory, read-only use; null when it does not exist. */
export function openState(dir: string): StateFiles | null {
  return existsSync(dir) ? new DirStateFiles(dir) : null;
}
