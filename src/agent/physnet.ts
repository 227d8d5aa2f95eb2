// The physnet map: which physical network each PF is cabled to. Only the operator knows this, so
// it comes from configuration (`--physnet enp3s0f0=public`), keyed by PF netdev name or by PF PCI
// address (stable across udev renames).
import { AgentCode, AgentError } from './errors.js';

/** The same names the plugin's `physnet` key accepts. */
const PHYSNET = /^[A-Za-z0-9_-]{1,200}$/;
const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;
const IFNAME = /^[^\s/:]{1,15}$/;

/** PF netdev name or PCI address → physnet name. */
export type PhysnetMap = ReadonlyMap<string, string>;

/** Parses `pf=name` entries (each may also be a comma-separated list of them). */
export function parsePhysnets(entries: readonly string[]): PhysnetMap {
  const map = new Map<string, string>();
  for (const entry of entries
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const eq = entry.indexOf('=');
    const pf = eq < 0 ? '' : entry.slice(0, eq).trim();
    const physnet = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const key = PCI.test(pf.toLowerCase()) ? pf.toLowerCase() : pf;
    if (!PCI.test(key) && !IFNAME.test(key)) {
      throw new AgentError(
        AgentCode.badPhysnet,
        `--physnet ${JSON.stringify(entry)}: expected <pf>=<physnet>, where <pf> is a PF netdev name or its PCI address`,
      );
    }
    if (!PHYSNET.test(physnet)) {
      throw new AgentError(
        AgentCode.badPhysnet,
        `--physnet ${JSON.stringify(entry)}: the physnet ${JSON.stringify(physnet)} must be 1-200 letters, digits, "_" or "-"`,
      );
    }
    const before = map.get(key);
    if (before !== undefined && before !== physnet) {
      throw new AgentError(
        AgentCode.badPhysnet,
        `--physnet: ${key} is given twice, as ${JSON.stringify(before)} and ${JSON.stringify(physnet)}`,
      );
    }
    map.set(key, physnet);
  }
  return map;
}

/** The physnet of a PF, by PCI address first (it survives renames), then by netdev name. */
export function physnetOf(
  map: PhysnetMap,
  pf: { pci: string; netdev: string; otherNetdevs?: readonly string[] },
): string | null {
  return (
    map.get(pf.pci) ??
    map.get(pf.netdev) ??
    pf.otherNetdevs?.map((n) => map.get(n)).find((p) => p !== undefined) ??
    null
  );
}
