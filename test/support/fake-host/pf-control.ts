// The PfControl port of the fake host: per-VF settings set through the PF (VLAN, MAC, rate,
// spoofchk, trust, link state), with the refusals a driver answers for what it does not support.
import { errnoText, type CallRecorder } from './recorder.js';
import { type FakeLink, type FakeNetwork, type PfFeature, ZERO_MAC } from './network.js';
import { HostError, type PfControl, type VfConfig, type VfLinkState, type VlanProto } from '../../../src/host/ports.js';

/** The PfControl port over a FakeNetwork: VF settings live on the PF link, as IFLA_VFINFO_LIST does. */
export class FakePfControl implements PfControl {
  constructor(
    private readonly net: FakeNetwork,
    private readonly recorder: CallRecorder,
  ) {}

  readVf(pf: string, vf: number): VfConfig | null {
    return this.recorder.call('ReadVf', `ReadVf ${pf} ${vf}`, 'silent', () => {
      const config = this.requirePf(pf).vfs?.[vf];
      return config ? { ...config } : null;
    });
  }

  setVlan(pf: string, vf: number, vlan: number, qos: number, proto: VlanProto): void {
    const wire = proto === '802.1ad' ? 0x88a8 : 0x8100;
    this.vfCall('LinkSetVfVlanQosProto', `${pf} ${vf} ${vlan} ${qos} ${wire}`, pf, vf, (config, link) => {
      refuse(link, 'vlan');
      if (proto === '802.1ad') refuse(link, 'proto8021ad');
      if (!Number.isInteger(vlan) || vlan < 0 || vlan > 4095 || !Number.isInteger(qos) || qos < 0 || qos > 7) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.vlan = vlan;
      config.qos = qos;
      config.proto = proto;
    });
  }

  setMac(pf: string, vf: number, mac: string): void {
    this.vfCall('LinkSetVfHardwareAddr', `${pf} ${vf} ${mac}`, pf, vf, (config, link) => {
      refuse(link, 'mac');
      // Drivers accept all-zero (it clears the admin MAC) and refuse multicast.
      if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac) || (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.mac = mac.toLowerCase();
      if (config.mac === ZERO_MAC) this.net.adminSet.delete(config);
      else this.net.adminSet.add(config);
    });
  }

  setRate(pf: string, vf: number, minTxRate: number, maxTxRate: number): void {
    this.vfCall('LinkSetVfRate', `${pf} ${vf} ${minTxRate} ${maxTxRate}`, pf, vf, (config, link) => {
      refuse(link, 'rate');
      if (minTxRate !== 0) refuse(link, 'minRate');
      if (minTxRate < 0 || maxTxRate < 0 || (maxTxRate > 0 && minTxRate > maxTxRate)) {
        throw new HostError('RTNETLINK answers: Invalid argument', 'EINVAL');
      }
      config.minTxRate = minTxRate;
      config.maxTxRate = maxTxRate;
    });
  }

  setSpoofchk(pf: string, vf: number, on: boolean): void {
    this.vfCall('LinkSetVfSpoofchk', `${pf} ${vf} ${on}`, pf, vf, (config, link) => {
      refuse(link, 'spoofchk');
      config.spoofchk = on;
    });
  }

  setTrust(pf: string, vf: number, on: boolean): void {
    this.vfCall('LinkSetVfTrust', `${pf} ${vf} ${on}`, pf, vf, (config, link) => {
      refuse(link, 'trust');
      config.trust = on;
    });
  }

  setLinkState(pf: string, vf: number, state: VfLinkState): void {
    const wire = { auto: 0, enable: 1, disable: 2 }[state];
    this.vfCall('LinkSetVfState', `${pf} ${vf} ${wire}`, pf, vf, (config, link) => {
      refuse(link, 'linkState');
      config.linkState = state;
    });
  }

  private vfCall(op: string, args: string, pf: string, vf: number, apply: (config: VfConfig, link: FakeLink) => void): void {
    this.recorder.call(op, `${op} ${args}`, 'netlink', () => {
      const link = this.requirePf(pf);
      const config = link.vfs?.[vf];
      if (!config) throw new HostError(`RTNETLINK answers: Invalid argument`, 'EINVAL');
      apply(config, link);
    });
  }

  private requirePf(pf: string): FakeLink {
    const link = this.net.links.find((l) => l.ns === null && l.name === pf);
    if (!link) throw new HostError(`Cannot find device "${pf}"`, 'ENODEV');
    return link;
  }
}

function refuse(link: FakeLink, feature: PfFeature): void {
  const errno = link.refusals[feature];
  if (errno) throw new HostError(`RTNETLINK answers: ${errnoText(errno)}`, errno);
}
