// The emulated embedded switch: what a VF's PF-level settings mean for its switch port, and the
// commands that take the port from one state to the next. Only differences produce commands, so
// a setting that does not change the switch (trust, min rate, a value already set) costs nothing.
import type { VfConfig } from '../host/ports.js';
import { bridgeName, type LabPort, type LabState, type LabVf, physnetIndex } from './layout.js';

const ZERO_MAC = '00:00:00:00:00:00';

/** The port as the switch must have it for this configuration. */
export function desiredPort(state: Pick<LabState, 'pfs'>, vf: LabVf, config: VfConfig): LabPort {
  return {
    name: vf.port.name,
    bridge: bridgeName(physnetIndex(state, vf.physnet), config.vlan, config.proto),
    up: config.linkState !== 'disable',
    // Like a real PF: spoof checking needs an admin MAC to check against.
    spoofFilter: config.spoofchk === true && config.mac !== ZERO_MAC ? config.mac : null,
    shapedMbps: config.maxTxRate,
  };
}

/**
 * One change of the switch's ports and bridges, as data: a driver carries it out (iproute2 under
 * Node, rtnetlink inside the Bun plugin: switch-drivers.ts), so both mean the same kernel state.
 */
export type SwitchStep =
  /** Create a bridge and bring it up. */
  | { kind: 'bridge'; name: string }
  /** Make the port a member of the bridge (a port moved to another bridge starts with default flags and no FDB entries). */
  | { kind: 'master'; port: string; bridge: string }
  | { kind: 'up'; port: string; up: boolean }
  /**
   * MAC spoof checking: a locked bridge port forwards only frames whose source MAC has an FDB
   * entry on that port, so the port forgets what it learned and the admin MAC is pinned there as
   * a static entry (learning off);
   * `unpin` removes stale entries (missing ones are fine), `pin: null` unlocks the port.
   */
  | { kind: 'spoof'; port: string; unpin: string[]; pin: string | null };

export interface SwitchPlan {
  /** Port and bridge changes, run first. */
  steps: SwitchStep[];
  /** Lines for `ip -n <switch> -batch -` after the steps (the rate shaper's ifb device). */
  ip: string[];
  /** Lines for `tc -n <switch> -batch -`, run after `ip`. */
  tc: string[];
  /** Lines for `ip -n <switch> -batch -`, run after `tc` (removing what tc no longer uses). */
  ipAfter: string[];
  /** Bridges that exist once the plan has run. */
  bridges: string[];
}

export function shaperName(port: string): string {
  return `i${port}`;
}

/**
 * tbf needs a bucket of at least one timer tick of traffic; 10 ms of the rate, never less than
 * a few full frames.
 */
function tbfArgs(mbps: number): string {
  const burst = Math.max(16 * 1024, Math.ceil((mbps * 1e6) / 8 / 100));
  return `tbf rate ${mbps}mbit burst ${burst} latency 50ms`;
}

export function planPortChange(bridges: string[], from: LabPort, to: LabPort): SwitchPlan {
  const steps: SwitchStep[] = [];
  const ip: string[] = [];
  const tc: string[] = [];
  const ipAfter: string[] = [];
  const next = [...bridges];
  const port = to.name;

  const moved = from.bridge !== to.bridge;
  if (moved) {
    if (!next.includes(to.bridge)) {
      steps.push({ kind: 'bridge', name: to.bridge });
      next.push(to.bridge);
    }
    steps.push({ kind: 'master', port, bridge: to.bridge });
  }
  if (from.up !== to.up) steps.push({ kind: 'up', port, up: to.up });
  // A moved port lost its lock and FDB entries with its old bridge: a filter is set up again.
  if (from.spoofFilter !== to.spoofFilter || (moved && to.spoofFilter)) {
    // Unpinning tolerates a missing entry and pinning replaces its twin: a plugin killed between
    // the switch change and lab.json's update must not leave the two disagreeing.
    const unpin = moved ? [] : [from.spoofFilter].filter((m): m is string => Boolean(m) && m !== to.spoofFilter);
    steps.push({ kind: 'spoof', port, unpin, pin: to.spoofFilter });
  }
  if (from.shapedMbps !== to.shapedMbps) {
    // The VF's transmit direction is the switch port's ingress, and ingress cannot be shaped:
    // redirect it through an ifb device and shape that device's egress with tbf.
    const ifb = shaperName(port);
    if (from.shapedMbps === 0) {
      ip.push(`link add name ${ifb} type ifb`, `link set ${ifb} up`);
      tc.push(
        `qdisc add dev ${ifb} root ${tbfArgs(to.shapedMbps)}`,
        `qdisc add dev ${port} handle ffff: ingress`,
        `filter add dev ${port} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ${ifb}`,
      );
    } else if (to.shapedMbps === 0) {
      tc.push(`qdisc del dev ${port} handle ffff: ingress`);
      ipAfter.push(`link del ${ifb}`);
    } else {
      tc.push(`qdisc replace dev ${ifb} root ${tbfArgs(to.shapedMbps)}`);
    }
  }
  return { steps, ip, tc, ipAfter, bridges: next };
}

/**
 * Puts a port into `to`'s state after an interrupted change from `from` (the switch may be in
 * either state, or between): every line is idempotent or may fail harmlessly (run with -force).
 */
export function planPortRecovery(bridges: string[], from: LabPort, to: LabPort): SwitchPlan & { tcAfter: string[] } {
  const ifb = shaperName(to.name);
  const unpin = [from.spoofFilter].filter((m): m is string => Boolean(m) && m !== to.spoofFilter);
  const steps: SwitchStep[] = [
    { kind: 'bridge', name: to.bridge },
    { kind: 'master', port: to.name, bridge: to.bridge },
    { kind: 'up', port: to.name, up: to.up },
    { kind: 'spoof', port: to.name, unpin, pin: to.spoofFilter },
  ];
  const ip: string[] = [];
  const tc = [`qdisc del dev ${to.name} handle ffff: ingress`];
  const ipAfter = [`link del ${ifb}`];
  const tcAfter: string[] = [];
  if (to.shapedMbps > 0) {
    ipAfter.push(`link add name ${ifb} type ifb`, `link set ${ifb} up`);
    tcAfter.push(
      `qdisc add dev ${ifb} root ${tbfArgs(to.shapedMbps)}`,
      `qdisc add dev ${to.name} handle ffff: ingress`,
      `filter add dev ${to.name} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ${ifb}`,
    );
  }
  return {
    steps,
    ip,
    tc,
    ipAfter,
    tcAfter,
    bridges: bridges.includes(to.bridge) ? [...bridges] : [...bridges, to.bridge],
  };
}
