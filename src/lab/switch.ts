// The emulated embedded switch: what a VF's PF-level settings mean for its switch port, and the
// commands that take the port from one state to the next. Only differences produce commands, so
// a setting that does not change the switch (trust, min rate, a value already set) costs nothing.
import type { VfConfig } from '../host/ports.js';
import { batchWord } from './commands.js';
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

export interface SwitchPlan {
  /** Lines for `ip -n <switch> -batch -` (ebtables runs through `netns exec`). */
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

function spoofRule(op: '-A' | '-D', port: string, mac: string): string {
  return `-t filter ${op} FORWARD -i ${port} -s ! ${mac} -j DROP`;
}

/**
 * tbf needs a bucket of at least one timer tick of traffic; 10 ms of the rate, never less than
 * a few full frames.
 */
function tbfArgs(mbps: number): string {
  const burst = Math.max(16 * 1024, Math.ceil((mbps * 1e6) / 8 / 100));
  return `tbf rate ${mbps}mbit burst ${burst} latency 50ms`;
}

export function planPortChange(switchNetns: string, bridges: string[], from: LabPort, to: LabPort): SwitchPlan {
  const ip: string[] = [];
  const tc: string[] = [];
  const ipAfter: string[] = [];
  const next = [...bridges];
  const port = to.name;

  if (from.bridge !== to.bridge) {
    if (!next.includes(to.bridge)) {
      ip.push(`link add name ${to.bridge} type bridge`, `link set ${to.bridge} up`);
      next.push(to.bridge);
    }
    ip.push(`link set ${port} master ${to.bridge}`);
  }
  if (from.up !== to.up) ip.push(`link set ${port} ${to.up ? 'up' : 'down'}`);
  if (from.spoofFilter !== to.spoofFilter) {
    // ebtables has no netns option; `ip netns exec` inside the batch saves a spawn of our own.
    // Deletions tolerate a missing rule and an addition first removes its twin: a plugin killed
    // between the switch change and lab.json's update must not leave the two disagreeing.
    const remove = [from.spoofFilter, to.spoofFilter]
      .filter((m): m is string => Boolean(m))
      .map((m) => `ebtables ${spoofRule('-D', port, m)} 2>/dev/null`);
    const add = to.spoofFilter ? [`ebtables ${spoofRule('-A', port, to.spoofFilter)}`] : ['true'];
    ip.push(
      `netns exec ${batchWord(switchNetns)} sh -c ${batchWord([...remove.map((r) => `${r};`), ...add].join(' '))}`,
    );
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
  return { ip, tc, ipAfter, bridges: next };
}

/**
 * Puts a port into `to`'s state after an interrupted change from `from` (the switch may be in
 * either state, or between): every line is idempotent or may fail harmlessly (run with -force).
 */
export function planPortRecovery(
  switchNetns: string,
  bridges: string[],
  from: LabPort,
  to: LabPort,
): SwitchPlan & { tcAfter: string[] } {
  const ifb = shaperName(to.name);
  const macs = [from.spoofFilter, to.spoofFilter].filter((m): m is string => Boolean(m));
  const spoof = [
    ...macs.map((m) => `ebtables ${spoofRule('-D', to.name, m)} 2>/dev/null;`),
    to.spoofFilter ? `ebtables ${spoofRule('-A', to.name, to.spoofFilter)}` : 'true',
  ];
  const ip = [
    `link add name ${to.bridge} type bridge`,
    `link set ${to.bridge} up`,
    `link set ${to.name} master ${to.bridge}`,
    `link set ${to.name} ${to.up ? 'up' : 'down'}`,
    `netns exec ${batchWord(switchNetns)} sh -c ${batchWord(spoof.join(' '))}`,
  ];
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
  return { ip, tc, ipAfter, tcAfter, bridges: bridges.includes(to.bridge) ? [...bridges] : [...bridges, to.bridge] };
}
