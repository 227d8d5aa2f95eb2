// What the plugin's composition root needs from the lab, apart from the rest of src/lab so the
// plugin executable does not carry lab up/down: is this sysfs root a lab, and its ports if so.
import { existsSync } from '../os/fs.js';
import { join } from '../os/path.js';
import { LAB_MARKER } from './layout.js';
import { LabPfControl, type LabPfControlOptions } from './pf-control.js';
import { LabSysfs } from './sysfs.js';

/** Is this sysfs root a lab directory? */
export function isLab(root: string): boolean {
  return existsSync(join(root, LAB_MARKER));
}

/**
 * The host ports a lab replaces: its sysfs view and its PF-level VF settings. A process that
 * serves one command (the plugin) says so with `oneCommand`: its sysfs view then keeps the
 * directories it has seen (LabSysfsOptions.rememberDirectories).
 */
export function labPorts(
  root: string,
  opts: LabPfControlOptions & { oneCommand?: boolean } = {},
): { sysfs: LabSysfs; pf: LabPfControl } {
  const { oneCommand, ...pfOpts } = opts;
  const hostSys = opts.hostSys ?? '/sys';
  return {
    sysfs: new LabSysfs(root, { hostSys, rememberDirectories: oneCommand === true }),
    pf: new LabPfControl(root, { ...pfOpts, hostSys }),
  };
}
