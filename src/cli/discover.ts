// `vfnet discover`: the provider tree this host would register (design §5.2), as a tree or JSON.
import type { Command } from 'commander';
import { type Discovery, discover } from '../agent/discover.js';
import { systemHostFacts } from '../agent/host-facts.js';
import { parsePhysnets } from '../agent/physnet.js';
import { renderTree } from '../agent/render.js';
import { openHost } from './host-access.js';

export const collect = (value: string, previous: string[]): string[] => [...previous, value];
export const defaultSysfsRoot = () => process.env.VFNET_SYSFS_ROOT || '/';

/** The JSON view: providers as Placement will hold them, plus what was seen on the way. */
export function discoveryJson(d: Discovery): unknown {
  return {
    host: d.facts,
    providers: d.providers.map((p) => ({
      kind: p.kind,
      uuid: p.uuid,
      name: p.name,
      parent_provider_uuid: p.parentUuid,
      inventories: p.inventories,
      traits: p.traits,
      pci: p.pci,
      ...(p.kind === 'pf' ? { physnet: p.physnet, pf: p.pf } : {}),
    })),
    non_sriov: d.scan.nonSriov,
    notes: d.notes,
  };
}

export function registerDiscover(program: Command): void {
  program
    .command('discover')
    .description("this host's SR-IOV NICs, PFs and VFs as the Placement provider tree the agent registers")
    .option('--sysfs-root <dir>', 'read sysfs under this root (a lab directory works too)', defaultSysfsRoot())
    .option('--physnet <pf=name>', 'physical network of a PF (netdev name or PCI address); repeatable', collect, [])
    .option('--hostname <name>', "host name for provider names and UUIDs (default: this machine's)")
    .option('--json', 'print JSON instead of a tree')
    .action((o: { sysfsRoot: string; physnet: string[]; hostname?: string; json?: boolean }) => {
      const host = openHost(o.sysfsRoot);
      const d = discover(host.sysfs, systemHostFacts({ hostname: o.hostname }), parsePhysnets(o.physnet));
      console.log(o.json ? JSON.stringify(discoveryJson(d), null, 2) : renderTree(d));
    });
}
