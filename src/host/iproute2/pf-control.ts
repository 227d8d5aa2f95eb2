import type { PfControl, ProcessRunner, VfConfig, VfLinkState, VlanProto } from '../ports.js';
import { SpawnProcessRunner } from '../process.js';
import { type IpTransport, SpawnIp } from './ip.js';
import { ipError } from './ip-errors.js';

/**
 * One entry of `vfinfo_list` in `ip -d -j link show <pf>` (iproute2 6.1). Field names as measured on
 * igb and netdevsim (/tmp/igb-facts.md, §1 and §6): `vlan_list` is `[{}]` when no VLAN is set, and
 * its entry omits `qos` when 0 and `protocol` unless the driver reports 802.1ad; `tx_rate` appears
 * only when a max rate is set. Older iproute2 printed `vlan` and `qos` on the entry itself.
 */
export interface VfInfoJson {
  vf: number;
  address?: string;
  vlan_list?: Array<{ vlan?: number; qos?: number; protocol?: string }>;
  vlan?: number;
  qos?: number;
  rate?: { max_tx?: number; min_tx?: number };
  tx_rate?: number;
  spoofchk?: boolean;
  trust?: boolean;
  link_state?: string;
}

export function vfConfigFromJson(v: VfInfoJson): VfConfig {
  const vlanEntry = v.vlan_list?.[0] ?? {};
  const linkState = v.link_state;
  return {
    mac: (v.address ?? '00:00:00:00:00:00').toLowerCase(),
    vlan: vlanEntry.vlan ?? v.vlan ?? 0,
    qos: vlanEntry.qos ?? v.qos ?? 0,
    proto: /802\.1ad/i.test(vlanEntry.protocol ?? '') ? '802.1ad' : '802.1q',
    spoofchk: typeof v.spoofchk === 'boolean' ? v.spoofchk : null,
    trust: typeof v.trust === 'boolean' ? v.trust : null,
    linkState:
      linkState === 'auto' || linkState === 'enable' || linkState === 'disable' ? (linkState as VfLinkState) : null,
    minTxRate: v.rate?.min_tx ?? 0,
    maxTxRate: v.rate?.max_tx ?? v.tx_rate ?? 0,
  };
}

/** PF-level VF settings through `ip link set dev <pf> vf N ...`, read back from `ip -d -j link show`. */
export class IpPfControl implements PfControl {
  private readonly ip: IpTransport;

  constructor(processes: ProcessRunner = new SpawnProcessRunner(), options: { ip?: IpTransport } = {}) {
    this.ip = options.ip ?? new SpawnIp(processes);
  }

  readVf(pf: string, vf: number): VfConfig | null {
    const r = this.ip.run(null, ['link', 'show', 'dev', pf], { json: true, details: true });
    if (!r.ok) throw ipError(`cannot read the VFs of ${pf}`, r.stderr);
    const link = (JSON.parse(r.stdout) as Array<{ ifname: string; vfinfo_list?: VfInfoJson[] }>)[0];
    const entry = link?.vfinfo_list?.find((v) => v.vf === vf);
    return entry ? vfConfigFromJson(entry) : null;
  }

  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void {
    // Without `proto` ip sends IFLA_VF_VLAN, which every driver takes; 802.1Q is its default anyway.
    const args = ['vlan', String(vlan), 'qos', String(qos)];
    if (proto === '802.1ad') args.push('proto', '802.1ad');
    this.set(pf, vf, args, `vlan ${vlan} qos ${qos} proto ${proto}`);
  }

  setMac(pf: string, vf: number, mac: string): void {
    this.set(pf, vf, ['mac', mac], `mac ${mac}`);
  }

  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void {
    this.set(
      pf,
      vf,
      ['min_tx_rate', String(minTxRate), 'max_tx_rate', String(maxTxRate)],
      `min_tx_rate ${minTxRate} max_tx_rate ${maxTxRate}`,
    );
  }

  setSpoofchk(pf: string, vf: number, on: boolean): void {
    this.set(pf, vf, ['spoofchk', on ? 'on' : 'off'], `spoofchk ${on ? 'on' : 'off'}`);
  }

  setTrust(pf: string, vf: number, on: boolean): void {
    this.set(pf, vf, ['trust', on ? 'on' : 'off'], `trust ${on ? 'on' : 'off'}`);
  }

  setLinkState(pf: string, vf: number, state: VfLinkState): void {
    this.set(pf, vf, ['state', state], `state ${state}`);
  }

  private set(pf: string, vf: number, args: string[], what: string): void {
    const r = this.ip.run(null, ['link', 'set', 'dev', pf, 'vf', String(vf), ...args]);
    if (!r.ok) throw ipError(`cannot set ${what} on VF ${vf} of ${pf}`, r.stderr);
  }
}
