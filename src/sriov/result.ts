// The result of an ADD: the previous plugins' result (a chained call), plus this VF's interface
// in the pod and the addresses IPAM gave it.
import { emptyResult, type CniRequest, type CniResult } from '../cni/index.js';
import type { VfRef } from './resolve.js';

export function attachmentResult(req: CniRequest, vf: VfRef, mac: string | undefined, mtu: number | undefined, ipam: CniResult | null): CniResult {
  const base = req.prevResult ?? emptyResult();
  const index = base.interfaces.length;
  const iface: CniResult['interfaces'][number] = { name: req.ifname, sandbox: req.netns, pciID: vf.pci };
  if (mac) iface.mac = mac;
  if (mtu) iface.mtu = mtu;
  const result: CniResult = {
    interfaces: [...base.interfaces, iface],
    ips: [...base.ips, ...(ipam?.ips ?? []).map((ip) => ({ ...ip, interface: index }))],
    routes: [...base.routes, ...(ipam?.routes ?? [])],
    dns: ipam && Object.keys(ipam.dns).length ? ipam.dns : base.dns,
  };
  // An IPAM plugin that reports no DNS leaves the network config's own `dns`.
  const dns = req.config.dns;
  if (!Object.keys(result.dns).length && dns && typeof dns === 'object') result.dns = dns as CniResult['dns'];
  return result;
}
