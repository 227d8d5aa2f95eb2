// PfControl for a lab: a VF's PF-level settings live in lab.json (as a real PF holds them in its
// driver), and the emulated switch is made to enforce them. Validation and errnos follow the
// kernel's rtnetlink checks and an igb-class driver, so the plugin sees what real hardware says.
import {
  HostError,
  type Links,
  type PfControl,
  type VfConfig,
  type VfLinkState,
  type VlanProto,
} from '../host/ports.js';
import { type CommandRunner, Ip } from './commands.js';
import { KERNEL_DRIVER_VF, type LabState, type LabVf } from './layout.js';
import { NetdevFinder } from './netdevs.js';
import { readLabState, updateLabState, writeLabState } from './state.js';
import { desiredPort, planPortChange, planPortRecovery } from './switch.js';
import { IpSwitchDriver, type SwitchDriver } from './switch-drivers.js';

/** The lab's PFs are 1 GbE ports, as on the 82576 it imitates; igb refuses rates above link speed. */
export const LAB_LINK_SPEED_MBPS = 1000;

export interface LabPfControlOptions {
  runner?: CommandRunner;
  /** The real sysfs, where host netdevs are found (default /sys). */
  hostSys?: string;
  /** Who changes the switch's ports and bridges (default: iproute2 through `runner`). */
  switchDriver?: SwitchDriver;
  /** Who sets a host netdev's MAC (default: iproute2 through `runner`). */
  hostLinks?: Pick<Links, 'setMac'>;
}

export class LabPfControl implements PfControl {
  private readonly ip: Ip;
  private readonly hostSys: string;
  private readonly driver: SwitchDriver;
  private readonly hostLinks: Pick<Links, 'setMac'> | null;

  constructor(
    readonly dir: string,
    opts: LabPfControlOptions = {},
  ) {
    this.ip = new Ip(opts.runner);
    this.hostSys = opts.hostSys ?? '/sys';
    this.driver = opts.switchDriver ?? new IpSwitchDriver(opts.runner);
    this.hostLinks = opts.hostLinks ?? null;
  }

  readVf(pf: string, vf: number): VfConfig | null {
    const state = readLabState(this.dir);
    const pfEntry = findPf(state, pf);
    if (!Number.isInteger(vf) || vf < 0 || vf >= pfEntry.numvfs) return null;
    const entry = findVf(state, pf, vf);
    // An interrupted change counts as made: the next change completes it before its own.
    return { ...(entry.pending?.config ?? entry.config) };
  }

  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void {
    if (proto !== '802.1q' && proto !== '802.1ad') {
      throw new HostError(
        `vf ${vf} of ${pf}: vlan protocol ${String(proto)} is not supported (802.1q or 802.1ad)`,
        'EPROTONOSUPPORT',
      );
    }
    checkRange(pf, vf, 'vlan', vlan, 0, 4095);
    checkRange(pf, vf, 'qos', qos, 0, 7);
    this.change(pf, vf, (c) => ({ ...c, vlan, qos, proto }));
  }

  setMac(pf: string, vf: number, mac: string): void {
    const normal = normalMac(mac);
    if (normal === null)
      throw new HostError(`vf ${vf} of ${pf}: ${JSON.stringify(mac)} is not a MAC address`, 'EINVAL');
    if (Number.parseInt(normal.slice(0, 2), 16) & 1) {
      throw new HostError(`vf ${vf} of ${pf}: MAC ${normal} is multicast; a VF needs a unicast MAC`, 'EINVAL');
    }
    this.change(
      pf,
      vf,
      (c) => ({ ...c, mac: normal }),
      (state, entry) => this.adoptAdminMac(state, entry, normal),
    );
  }

  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void {
    checkRange(pf, vf, 'min_tx_rate', minTxRate, 0, LAB_LINK_SPEED_MBPS);
    checkRange(pf, vf, 'max_tx_rate', maxTxRate, 0, LAB_LINK_SPEED_MBPS);
    if (maxTxRate > 0 && minTxRate > maxTxRate) {
      throw new HostError(`vf ${vf} of ${pf}: min_tx_rate ${minTxRate} is above max_tx_rate ${maxTxRate}`, 'EINVAL');
    }
    this.change(pf, vf, (c) => ({ ...c, minTxRate, maxTxRate }));
  }

  setSpoofchk(pf: string, vf: number, on: boolean): void {
    this.change(pf, vf, (c) => ({ ...c, spoofchk: on }));
  }

  setTrust(pf: string, vf: number, on: boolean): void {
    this.change(pf, vf, (c) => ({ ...c, trust: on }));
  }

  setLinkState(pf: string, vf: number, state: VfLinkState): void {
    if (state !== 'auto' && state !== 'enable' && state !== 'disable') {
      throw new HostError(`vf ${vf} of ${pf}: link state ${String(state)} is not auto, enable or disable`, 'EINVAL');
    }
    this.change(pf, vf, (c) => ({ ...c, linkState: state }));
  }

  /**
   * One setting change, under the lab lock: the switch first, then the record, so a failure
   * leaves both as they were. Nothing runs or is written when the setting is already so.
   */
  private change(
    pf: string,
    vf: number,
    edit: (c: VfConfig) => VfConfig,
    after?: (state: LabState, entry: LabVf) => void,
  ): void {
    updateLabState(this.dir, (state) => {
      const pfEntry = findPf(state, pf);
      if (!Number.isInteger(vf) || vf < 0 || vf >= pfEntry.numvfs) {
        throw new HostError(`${pf} has no VF ${vf} (sriov_numvfs is ${pfEntry.numvfs})`, 'EINVAL');
      }
      const entry = findVf(state, pf, vf);
      if (entry.pending) this.recover(state, entry);
      const config = edit(entry.config);
      if (sameConfig(config, entry.config))
        return { state: entry.pending === undefined ? null : state, result: undefined };
      const port = desiredPort(state, entry, config);
      const plan = planPortChange(state.bridges, entry.port, port);
      // The intent first: a process killed while the switch changes leaves it to be completed.
      entry.pending = { config, port };
      writeLabState(this.dir, state);
      this.driver.apply(state.switchNetns, plan.steps, `lab switch, vf ${vf} of ${pf}`);
      this.ip.batch(state.switchNetns, plan.ip, `lab switch, vf ${vf} of ${pf}`);
      if (plan.tc.length > 0)
        this.ip.run(
          'tc',
          ['-n', state.switchNetns, '-batch', '-'],
          `lab switch tc, vf ${vf} of ${pf}`,
          `${plan.tc.join('\n')}\n`,
        );
      this.ip.batch(state.switchNetns, plan.ipAfter, `lab switch, vf ${vf} of ${pf}`);
      entry.config = config;
      entry.port = port;
      delete entry.pending;
      state.bridges = plan.bridges;
      after?.(state, entry);
      return { state, result: undefined };
    });
  }

  /** Completes an interrupted change: the switch is forced into the pending state, which is then the VF's. */
  private recover(state: LabState, entry: LabVf): void {
    const pending = entry.pending!;
    const plan = planPortRecovery(state.bridges, entry.port, pending.port);
    this.driver.apply(state.switchNetns, plan.steps, 'lab switch recovery', true);
    this.ip.batchForce(state.switchNetns, plan.ip);
    this.ip.runForce('tc', ['-n', state.switchNetns, '-force', '-batch', '-'], `${plan.tc.join('\n')}\n`);
    this.ip.batchForce(state.switchNetns, plan.ipAfter);
    if (plan.tcAfter.length > 0)
      this.ip.runForce('tc', ['-n', state.switchNetns, '-force', '-batch', '-'], `${plan.tcAfter.join('\n')}\n`);
    entry.config = pending.config;
    entry.port = pending.port;
    delete entry.pending;
    state.bridges = plan.bridges;
  }

  /** A real VF takes its admin MAC at its next reset; the lab does it at once when the netdev is at home. */
  private adoptAdminMac(state: LabState, entry: LabVf, mac: string): void {
    if (entry.driver !== KERNEL_DRIVER_VF) return;
    const name = new NetdevFinder(this.hostSys, state.prefix).find(entry.pci, entry.parkedAs ?? entry.netdev);
    if (!name) return;
    const effective = mac === '00:00:00:00:00:00' ? entry.mac : mac;
    if (this.hostLinks) this.hostLinks.setMac(null, name, effective);
    else this.ip.batch(null, [`link set dev ${name} address ${effective}`], `lab vf ${entry.pci}: set MAC of ${name}`);
  }
}

function findPf(state: LabState, pf: string) {
  const found = state.pfs.find((p) => p.name === pf);
  if (!found) throw new HostError(`lab has no PF named ${pf}`, 'ENODEV');
  return found;
}

function findVf(state: LabState, pf: string, vf: number): LabVf {
  const found = state.vfs.find((v) => v.pf === pf && v.index === vf);
  if (!found) throw new HostError(`${pf} has no VF ${vf}`, 'EINVAL');
  return found;
}

function checkRange(pf: string, vf: number, what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HostError(`vf ${vf} of ${pf}: ${what} ${value} is out of range ${min}–${max}`, 'EINVAL');
  }
}

function normalMac(mac: string): string | null {
  const m = /^([0-9a-f]{2})([:-][0-9a-f]{2}){5}$/i.exec(mac.trim());
  return m ? mac.trim().toLowerCase().replace(/-/g, ':') : null;
}

function sameConfig(a: VfConfig, b: VfConfig): boolean {
  return (
    a.mac === b.mac &&
    a.vlan === b.vlan &&
    a.qos === b.qos &&
    a.proto === b.proto &&
    a.spoofchk === b.spoofchk &&
    a.trust === b.trust &&
    a.linkState === b.linkState &&
    a.minTxRate === b.minTxRate &&
    a.maxTxRate === b.maxTxRate
  );
}
