// The simulated SR-IOV host (design §7.1). The CLI wires `vfnet lab up|down|show` to these; the
// plugin's composition root imports ./plugin-ports.js directly (isLab, labPorts).

export { DEFAULT_LAB_DIR, DEFAULT_PREFIX, type LabOptions, labAlias } from './layout.js';
export type { LabHost, LabInfo, LabVfView, LabView } from './lifecycle.js';
export { labBind, labDown, labEnv, labInfo, labShow, labUp } from './lifecycle.js';
export { LAB_LINK_SPEED_MBPS, LabPfControl } from './pf-control.js';
export { isLab, labPorts } from './plugin-ports.js';
export { LabSysfs } from './sysfs.js';
