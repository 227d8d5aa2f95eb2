// `vfnet lab up|down|show|bind`: the simulated SR-IOV host, from the command line.
import type { Command } from 'commander';
import { DEFAULT_LAB_DIR, type LabInfo, type LabView, labBind, labDown, labShow, labUp } from '../lab/index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function printInfo(info: LabInfo): void {
  console.log(`lab up in ${info.dir} (switch netns ${info.switchNetns})`);
  for (const pf of info.pfs) {
    console.log(`  PF ${pf.name}  ${pf.pci}  physnet ${pf.physnet}  VFs ${pf.numvfs}/${pf.totalvfs}`);
    for (const vf of info.vfs.filter((v) => v.pf === pf.name))
      console.log(`    VF ${vf.index}  ${vf.pci}  ${vf.netdev}  ${vf.mac}`);
  }
  console.log('point a runtime at it with:');
  for (const [k, v] of Object.entries(info.env)) console.log(`  export ${k}=${v}`);
}

function printView(view: LabView): void {
  console.log(
    'PCI           PF        VF  netdev        mac                vlan qos proto    spoof trust link    min  max  bridge',
  );
  for (const vf of view.vfs) {
    console.log(
      [
        vf.pci.padEnd(13),
        vf.pf.padEnd(9),
        String(vf.index).padEnd(3),
        (vf.netdev ?? '(away)').padEnd(13),
        vf.mac.padEnd(18),
        String(vf.vlan).padEnd(4),
        String(vf.qos).padEnd(3),
        vf.proto.padEnd(8),
        (vf.spoofchk ? 'on' : 'off').padEnd(5),
        (vf.trust ? 'on' : 'off').padEnd(5),
        String(vf.linkState).padEnd(7),
        String(vf.minTxRate).padEnd(4),
        String(vf.maxTxRate).padEnd(4),
        vf.bridge ?? '-',
      ].join(' '),
    );
  }
}

export function registerLab(program: Command): void {
  const lab = program
    .command('lab')
    .description('a simulated SR-IOV host (sysfs tree, veth VFs, an emulated switch) for demos and tests');
  lab
    .command('up')
    .description('build a simulated SR-IOV host')
    .option('--dir <dir>', 'lab directory (the sysfs root the plugin reads)', DEFAULT_LAB_DIR)
    .option('--prefix <prefix>', 'name prefix for netdevs and namespaces', 'vfl')
    .option('--pfs <n>', 'number of PFs on the NIC', positiveInt, 2)
    .option('--vfs <n>', 'VFs per PF (sriov_numvfs)', positiveInt, 4)
    .option('--total-vfs <n>', 'sriov_totalvfs per PF', positiveInt, 7)
    .option('--physnet <names>', 'physical network per PF, comma-separated', 'public,intranet')
    .option('--json', 'print the lab as JSON')
    .action((o) => {
      const info = labUp({
        dir: o.dir,
        prefix: o.prefix,
        pfs: o.pfs,
        vfsPerPf: o.vfs,
        totalVfs: Math.max(o.totalVfs, o.vfs),
        physnets: String(o.physnet).split(','),
      });
      if (o.json) console.log(JSON.stringify(info, null, 2));
      else printInfo(info);
    });
  lab
    .command('down')
    .description('remove everything `lab up` made')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .action((o) => {
      const removed = labDown(o.dir);
      console.error(removed ? `lab in ${o.dir} removed` : `no lab in ${o.dir}`);
    });
  lab
    .command('show')
    .description("every VF's settings as the emulated switch sees them")
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .option('--json', 'print as JSON')
    .action((o) => {
      const view = labShow(o.dir);
      if (o.json) console.log(JSON.stringify(view, null, 2));
      else printView(view);
    });
  lab
    .command('bind <pci> <driver>')
    .description('bind a VF to a driver: igbvf (kernel netdev) or vfio-pci / uio_pci_generic (DPDK mode)')
    .option('--dir <dir>', 'lab directory', DEFAULT_LAB_DIR)
    .action((pci, driver, o) => labBind(o.dir, pci, driver));
}
