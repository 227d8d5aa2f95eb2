// The lab's sysfs tree on disk, laid out as the kernel lays out /sys for an igb NIC with VFs:
// devices live under sys/devices/<root bus>/<root port>/<pci>, and sys/bus/pci/devices,
// sys/bus/pci/drivers, sys/class/net and sys/kernel/iommu_groups point at them with relative
// symlinks. VF net/ directories are not written: LabSysfs computes them live (see sysfs.ts).
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DRIVERS, type LabState, pciDevicePath, ROOT_BUS, ROOT_PORT } from './layout.js';

const IOMMU_GROUP_BASE = 40;

export function driverLinkTarget(driver: string): string {
  return `../../../../bus/pci/drivers/${driver}`;
}

export function writeLabTree(state: LabState): void {
  const dir = state.dir;
  const file = (rel: string, content: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), `${content}\n`);
  };
  const link = (rel: string, target: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    symlinkSync(target, join(dir, rel));
  };

  const rootPort = `sys/devices/${ROOT_BUS}/${ROOT_PORT}`;
  file(`${rootPort}/vendor`, '0x8086');
  file(`${rootPort}/class`, '0x060400');
  for (const drv of LAB_DRIVERS) {
    file(`sys/bus/pci/drivers/${drv}/bind`, '');
    file(`sys/bus/pci/drivers/${drv}/unbind`, '');
  }

  const devices = [
    ...state.pfs.map((pf) => ({ pci: pf.pci, driver: 'igb', device: '0x10c9' })),
    ...state.vfs.map((vf) => ({ pci: vf.pci, driver: vf.driver, device: '0x10ca' })),
  ];
  devices.forEach(({ pci, driver, device }, i) => {
    const dev = pciDevicePath(pci);
    file(`${dev}/vendor`, '0x8086');
    file(`${dev}/device`, device);
    file(`${dev}/subsystem_vendor`, '0x8086');
    file(`${dev}/subsystem_device`, '0x0000');
    file(`${dev}/class`, '0x020000');
    file(`${dev}/numa_node`, '0');
    file(`${dev}/enable`, '1');
    link(`${dev}/driver`, driverLinkTarget(driver));
    link(`sys/bus/pci/devices/${pci}`, `../../../devices/${ROOT_BUS}/${ROOT_PORT}/${pci}`);
    link(`sys/bus/pci/drivers/${driver}/${pci}`, `../../../../devices/${ROOT_BUS}/${ROOT_PORT}/${pci}`);
    const group = String(IOMMU_GROUP_BASE + i);
    link(`${dev}/iommu_group`, `../../../../kernel/iommu_groups/${group}`);
    link(`sys/kernel/iommu_groups/${group}/devices/${pci}`, `../../../../devices/${ROOT_BUS}/${ROOT_PORT}/${pci}`);
  });

  for (const pf of state.pfs) {
    const dev = pciDevicePath(pf.pci);
    file(`${dev}/sriov_totalvfs`, String(pf.totalvfs));
    file(`${dev}/sriov_numvfs`, String(pf.numvfs));
    file(`${dev}/sriov_offset`, '128');
    file(`${dev}/sriov_stride`, state.pfs.length <= 2 ? '2' : '4');
    file(`${dev}/sriov_vf_device`, '10ca');
    file(`${dev}/sriov_drivers_autoprobe`, '1');
    // The PF's netdev never moves, so a static net/ entry is right for readers other than LabSysfs.
    link(`${dev}/net/${pf.name}/device`, `../../../${pf.pci}`);
    link(`sys/class/net/${pf.name}`, `../../devices/${ROOT_BUS}/${ROOT_PORT}/${pf.pci}/net/${pf.name}`);
  }
  for (const vf of state.vfs) {
    link(`${pciDevicePath(vf.pfPci)}/virtfn${vf.index}`, `../${vf.pci}`);
    link(`${pciDevicePath(vf.pci)}/physfn`, `../${vf.pfPci}`);
  }
}

/** Rebinds a device in the tree: its `driver` link and the drivers/<name>/<pci> back-links. */
export function rebindInTree(dir: string, pci: string, from: string, to: string): void {
  const dev = pciDevicePath(pci);
  const tmp = join(dir, dev, `.driver.${process.pid}`);
  rmSync(tmp, { force: true });
  symlinkSync(driverLinkTarget(to), tmp);
  renameSync(tmp, join(dir, dev, 'driver'));
  try {
    unlinkSync(join(dir, 'sys/bus/pci/drivers', from, pci));
  } catch {
    // Already gone: a previous rebind was interrupted after this step.
  }
  rmSync(join(dir, 'sys/bus/pci/drivers', to, pci), { force: true });
  symlinkSync(`../../../../devices/${ROOT_BUS}/${ROOT_PORT}/${pci}`, join(dir, 'sys/bus/pci/drivers', to, pci));
}
