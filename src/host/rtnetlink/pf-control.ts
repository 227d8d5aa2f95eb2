// The PfControl port over rtnetlink: each setter is one RTM_SETLINK on the PF carrying
// IFLA_VFINFO_LIST → IFLA_VF_INFO → one IFLA_VF_* attribute, as `ip link set dev PF vf N ...`
// sends it; readVf is RTM_GETLINK with RTEXT_FILTER_VF. The driver's refusals come back as the
// same errnos ip reports (EOPNOTSUPP, EPROTONOSUPPORT, EINVAL), with the kernel's text if any.
import { HostError, type PfControl, type VfConfig, type VfLinkState, type VlanProto } from '../ports.js';
import { attempt, hostError } from './errors.js';
import {
  decodeLink,
  decodeVfInfoList,
  getLinkByName,
  IFLA_VFINFO_LIST,
  RTEXT_FILTER_SKIP_STATS,
  RTEXT_FILTER_VF,
  setVf,
  type VfSetting,
} from './link-codec.js';
import type { Namespaces } from './netns.js';
import { NetlinkError } from './socket.js';

const ENODEV = 19;

export class NetlinkPfControl implements PfControl {
  constructor(private readonly namespaces: Namespaces) {}

  readVf(pf: string, vf: number): VfConfig | null {
    return attempt(`cannot read the VFs of ${pf}`, () => {
      const link = this.pfLink(pf, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
      const list = link.attrs.get(IFLA_VFINFO_LIST);
      return list ? (decodeVfInfoList(list).get(vf) ?? null) : null;
    });
  }

  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void {
    this.set(pf, vf, { kind: 'vlan', vlan, qos, proto }, `vlan ${vlan} qos ${qos} proto ${proto}`);
  }

  setMac(pf: string, vf: number, mac: string): void {
    this.set(pf, vf, { kind: 'mac', mac }, `mac ${mac}`);
  }

  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void {
    this.set(
      pf,
      vf,
      { kind: 'rate', min: minTxRate, max: maxTxRate },
      `min_tx_rate ${minTxRate} max_tx_rate ${maxTxRate}`,
    );
  }

  setSpoofchk(pf: string, vf: number, on: boolean): void {
    this.set(pf, vf, { kind: 'spoofchk', on }, `spoofchk ${on ? 'on' : 'off'}`);
  }

  setTrust(pf: string, vf: number, on: boolean): void {
    this.set(pf, vf, { kind: 'trust', on }, `trust ${on ? 'on' : 'off'}`);
  }

  setLinkState(pf: string, vf: number, state: VfLinkState): void {
    this.set(pf, vf, { kind: 'linkState', state }, `state ${state}`);
  }

  private set(pf: string, vf: number, setting: VfSetting, what: string): void {
    const doing = `cannot set ${what} on VF ${vf} of ${pf}`;
    try {
      // Values that no driver takes are refused here, as ip refuses them before asking the kernel.
      if (!Number.isInteger(vf) || vf < 0) throw new HostError(`"${vf}" is not a VF index`, 'EINVAL');
      if (setting.kind === 'rate' && (!validU32(setting.min) || !validU32(setting.max)))
        throw new HostError('rates are whole Mbps ≥ 0', 'EINVAL');
      const link = this.pfLink(pf, RTEXT_FILTER_SKIP_STATS);
      this.namespaces.socket(null).request(setVf(link.info.ifindex, vf, setting));
    } catch (e) {
      throw hostError(doing, e);
    }
  }

  /** The PF in the host namespace; ENODEV as ip words it. */
  private pfLink(pf: string, extMask: number): ReturnType<typeof decodeLink> {
    try {
      const [reply] = this.namespaces.socket(null).request(getLinkByName(pf, extMask));
      const link = reply ? decodeLink(reply.payload) : null;
      if (link && link.info.name === pf) return link;
    } catch (e) {
      if (!(e instanceof NetlinkError && e.errno === ENODEV)) throw e;
    }
    throw new HostError(`Cannot find device "${pf}"`, 'ENODEV');
  }
}

function validU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}
