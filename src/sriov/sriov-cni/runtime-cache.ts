// sriov-cni's cache keeps only `ipam.type` (Go marshals its IPAM struct, which has no other
// field), so an IPAM DEL for a pod whose DEL never came needs the config from elsewhere: the
// runtime's libcni cache, `/var/lib/cni/results/<network>-<containerID>-<ifname>`, which holds the
// network config libcni ran the ADD with (base64 in `config`; a whole conflist for a list).
import type { PeerFiles } from '../../host/ports.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sriov plugin's config as the ADD had it (cniVersion and name of its list included), or null. */
export function configFromRuntimeCache(
  results: PeerFiles,
  network: string,
  containerId: string,
  ifname: string,
): Obj | null {
  const text = results.read(`${network}-${containerId}-${ifname}`);
  if (text === null) return null;
  try {
    const entry = JSON.parse(text) as unknown;
    if (!isObj(entry) || typeof entry.config !== 'string') return null;
    const config = JSON.parse(Buffer.from(entry.config, 'base64').toString('utf8')) as unknown;
    if (!isObj(config)) return null;
    if (!Array.isArray(config.plugins)) return isObj(config.ipam) ? config : null;
    const plugin = config.plugins.find((p): p is Obj => isObj(p) && p.type === 'sriov');
    return plugin ? { ...plugin, cniVersion: config.cniVersion, name: config.name } : null;
  } catch {
    return null;
  }
}
