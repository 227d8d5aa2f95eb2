// What the Go sriov-cni's ADD does to the in-memory host (the VF configured and moved into the
// pod), and the cache it leaves, in the shape of each version (reference/sriov-cni.md §4.5).
import { IPAM, PF, type PluginEnv, POD, VF0, VF1 } from './sriov-env.js';

/** What sriov-cni's ADD does to the host, and the cache it leaves, in the shape of `version`. */
export function goAdd(
  env: Pick<PluginEnv, 'host'>,
  version: 'v2.0' | 'v2.4' | 'master',
  o: { cid?: string; netns?: string; vf?: 0 | 1 } = {},
): void {
  const cid = o.cid ?? 'c1',
    netns = o.netns ?? POD,
    vf = o.vf ?? 0;
  const pci = vf === 0 ? VF0 : VF1,
    hostName = vf === 0 ? 'enp175s6' : 'enp175s7';
  const { pf, links } = env.host;
  const link = links.get(null, hostName)!;
  if (version !== 'v2.0') {
    pf.setMac(PF, vf, 'ca:fe:c0:ff:ee:01');
    pf.setSpoofchk(PF, vf, false);
    pf.setTrust(PF, vf, true);
  }
  pf.setVlan(PF, vf, 100, 0, '802.1q');
  links.moveAndRename(null, hostName, netns, 'net1');
  if (version !== 'v2.0') links.setMac(netns, 'net1', 'ca:fe:c0:ff:ee:01');
  links.setUp(netns, 'net1', true);
  const base = { cniVersion: '0.4.0', name: 'net-a', type: 'sriov', deviceID: pci, Master: PF, VFID: vf, ...IPAM };
  const orig = {
    HostIFName: hostName,
    SpoofChk: true,
    AdminMAC: '00:00:00:00:00:00',
    EffectiveMAC: link.mac,
    Vlan: 0,
    VlanQoS: 0,
    MinTxRate: 0,
    MaxTxRate: 0,
    LinkState: 0,
  };
  const cache =
    version === 'v2.0'
      ? { ...base, Vlan: 100, vlan: 100, HostIFNames: hostName, ContIFNames: 'net1', DPDKMode: false }
      : version === 'v2.4'
        ? {
            ...base,
            OrigVfState: orig,
            DPDKMode: false,
            MAC: 'ca:fe:c0:ff:ee:01',
            vlan: 100,
            vlanQoS: 0,
            spoofchk: 'off',
            trust: 'on',
            ContIFNames: 'net1',
          }
        : {
            ...base,
            OrigVfState: { ...orig, Trust: false, VlanProto: 0x8100, MTU: link.mtu },
            MAC: 'ca:fe:c0:ff:ee:01',
            MTU: 1500,
            vlan: 100,
            vlanQoS: 0,
            vlanProto: '802.1q',
            spoofchk: 'off',
            trust: 'on',
            logLevel: 'info',
          };
  env.host.fake.sriovCniFiles.write(`${cid}-net1`, JSON.stringify(cache));
  if (version === 'master') env.host.fake.sriovCniFiles.write(`pci/${pci}`, netns);
}
