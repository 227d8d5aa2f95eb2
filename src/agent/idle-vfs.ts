// `vfnet doctor`'s look at the VFs no one holds: each must be as a freshly created VF is, or the
// next container to get it inherits the previous one's network (a VLAN, an admin MAC that pins
// its MAC) or never sees it at all (its netdev left in some namespace, or home under a pod's name).
import type { PfControl } from '../host/ports.js';
import type { ScannedPf, ScannedVf } from './scan.js';

const ZERO_MAC = '00:00:00:00:00:00';

/** The names runtimes give pod interfaces (Multus: net1, net2...; the primary: eth0). */
const POD_NAME = /^(eth|net)\d+$/;

export interface IdleVfProblem {
  pf: ScannedPf;
  vf: ScannedVf;
  what: string[];
}

/**
 * What is wrong with each idle VF, from the PF's view (`pf`, when it can be read) and sysfs.
 * `hostMacOf` gives a host netdev's MAC: igb's PF lists the VF's own MAC as if it were an admin
 * MAC, so a listed MAC equal to the netdev's is not counted.
 */
export function idleVfProblems(
  idle: readonly { pf: ScannedPf; vf: ScannedVf }[],
  userspaceDrivers: readonly string[],
  pf: PfControl | null,
  hostMacOf: (netdev: string) => string | null,
): IdleVfProblem[] {
  const out: IdleVfProblem[] = [];
  for (const { pf: p, vf } of idle) {
    const what: string[] = [];
    const userspace = vf.driver !== null && userspaceDrivers.includes(vf.driver);
    if (vf.netdev === null && vf.driver !== null && !userspace) what.push('its netdev is not in the host namespace');
    // A kernel that names devices ethN names the VFs so too; only a PF named otherwise tells.
    if (vf.netdev !== null && POD_NAME.test(vf.netdev) && !POD_NAME.test(p.netdev))
      what.push(`its netdev has a pod interface's name (${vf.netdev})`);
    let state = null;
    try {
      state = pf?.readVf(p.netdev, vf.index) ?? null;
    } catch {
      state = null;
    }
    if (state) {
      if (state.vlan !== 0) what.push(`VLAN ${state.vlan}${state.qos ? ` qos ${state.qos}` : ''}`);
      const mac = state.mac.toLowerCase();
      const own = vf.netdev ? (hostMacOf(vf.netdev)?.toLowerCase() ?? null) : null;
      if (mac !== ZERO_MAC && mac !== own) what.push(`admin MAC ${mac}`);
    }
    if (what.length) out.push({ pf: p, vf, what });
  }
  return out;
}
