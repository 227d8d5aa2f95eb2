// `vfnet lab up | down | show` and the DPDK driver rebind: building the simulated host (sysfs tree,
// veth netdevs, the switch netns), taking it all down again, and reporting what the switch does.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HostError, type VfConfig } from '../host/ports.js';
import { batchWord, type CommandRunner, Ip } from './commands.js';
import {
  bridgeName,
  DEFAULT_LAB_DIR,
  KERNEL_DRIVER_VF,
  type LabOptions,
  type LabState,
  labAlias,
  physnetIndex,
  planLab,
  stableMac,
  USERSPACE_DRIVERS,
} from './layout.js';
import { hostNetdevs } from './netdevs.js';
import { hasLab, labLock, markerPath, readLabState, writeLabState } from './state.js';
import { rebindInTree, writeLabTree } from './tree.js';

/** The host the lab is built on: how commands run and where the real sysfs is. Tests inject these. */
export interface LabHost {
  runner?: CommandRunner;
  hostSys?: string;
}

export interface LabInfo {
  dir: string;
  prefix: string;
  switchNetns: string;
  env: Record<string, string>;
  pfs: { name: string; pci: string; physnet: string; numvfs: number; totalvfs: number }[];
  vfs: { pci: string; pf: string; index: number; netdev: string; physnet: string; mac: string }[];
}

/** One VF as the switch and the host see it now (labShow). */
export interface LabVfView extends VfConfig {
  pci: string;
  pf: string;
  index: number;
  physnet: string;
  driver: string;
  /** The VF netdev's name in the host netns; null when it is elsewhere (a container, or parked for DPDK). */
  netdev: string | null;
  /** The switch bridge the VF's port is enslaved to (null if none). */
  bridge: string | null;
  portUp: boolean;
  /** Source MAC the switch enforces (spoofchk with an admin MAC), or null. */
  spoofFilter: string | null;
  /** Mbps the switch shapes the VF's transmit to; 0 = unshaped. */
  shapedMbps: number;
}

export interface LabView {
  dir: string;
  prefix: string;
  switchNetns: string;
  pfs: { name: string; pci: string; physnet: string; netdev: string | null; bridge: string | null; portUp: boolean }[];
  vfs: LabVfView[];
}

export const USERSPACE = new Set<string>(USERSPACE_DRIVERS);

export function labEnv(dir: string): Record<string, string> {
  return { VFNET_SYSFS_ROOT: dir };
}

function infoOf(state: LabState): LabInfo {
  return {
    dir: state.dir,
    prefix: state.prefix,
    switchNetns: state.switchNetns,
    env: labEnv(state.dir),
    pfs: state.pfs.map(({ name, pci, physnet, numvfs, totalvfs }) => ({ name, pci, physnet, numvfs, totalvfs })),
    vfs: state.vfs.map(({ pci, pf, index, netdev, physnet, mac }) => ({ pci, pf, index, netdev, physnet, mac })),
  };
}

/** The LabInfo of an existing lab. */
export function labInfo(dir: string = DEFAULT_LAB_DIR): LabInfo {
  return infoOf(readLabState(resolve(dir)));
}

export function labUp(opts: LabOptions = {}, host: LabHost = {}): LabInfo {
  const dir = resolve(opts.dir ?? DEFAULT_LAB_DIR);
  const state = planLab({ ...opts, dir });
  const ip = new Ip(host.runner);
  const hostSys = host.hostSys ?? '/sys';
  refuseConflicts(state, ip, hostSys);

  const createdDir = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  try {
    // The marker goes first so that `lab down` can clean up after an `up` that died half-way.
    writeLabState(dir, state);
    writeLabTree(state);
    ip.batch(
      null,
      [`netns add ${state.switchNetns}`, `netns add ${state.parkNetns}`],
      'lab: create network namespaces',
    );
    const sw = batchWord(state.switchNetns);
    const hostLines: string[] = [];
    for (const pf of state.pfs) {
      hostLines.push(
        `link add name ${pf.name} address ${stableMac(state.prefix, pf.pci)} type veth peer name ${pf.uplink} netns ${sw}`,
        `link set dev ${pf.name} alias ${batchWord(labAlias(state.prefix, pf.pci))}`,
        `link set dev ${pf.name} up`,
      );
    }
    for (const vf of state.vfs) {
      hostLines.push(
        `link add name ${vf.netdev} address ${vf.mac} type veth peer name ${vf.port.name} netns ${sw}`,
        `link set dev ${vf.netdev} alias ${batchWord(labAlias(state.prefix, vf.pci))}`,
      );
    }
    ip.batch(null, hostLines, 'lab: create PF and VF netdevs');
    const switchLines = ['link set lo up'];
    for (const b of state.bridges) switchLines.push(`link add name ${b} type bridge`, `link set ${b} up`);
    for (const pf of state.pfs) {
      switchLines.push(
        `link set ${pf.uplink} master ${bridgeName(physnetIndex(state, pf.physnet), 0, '802.1q')}`,
        `link set ${pf.uplink} up`,
      );
    }
    for (const vf of state.vfs)
      switchLines.push(`link set ${vf.port.name} master ${vf.port.bridge}`, `link set ${vf.port.name} up`);
    ip.batch(state.switchNetns, switchLines, 'lab: wire the switch');
  } catch (e) {
    tearDown(state, ip, hostSys);
    removeLabFiles(dir, createdDir);
    throw e;
  }
  return infoOf(state);
}

function refuseConflicts(state: LabState, ip: Ip, hostSys: string): void {
  const dir = state.dir;
  if (hasLab(dir))
    throw new HostError(`a lab already exists at ${dir} (${markerPath(dir)}); run \`vfnet lab down\` first`, 'EEXIST');
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new HostError(`lab directory ${dir} exists and is not empty; choose another directory`, 'EEXIST');
  }
  const netns = ip.netnsList();
  for (const ns of [state.switchNetns, state.parkNetns]) {
    if (netns.includes(ns))
      throw new HostError(`network namespace ${ns} already exists: another lab with prefix ${state.prefix}?`, 'EEXIST');
  }
  for (const name of [...state.pfs.map((p) => p.name), ...state.vfs.map((v) => v.netdev)]) {
    if (existsSync(join(hostSys, 'class/net', name))) {
      throw new HostError(
        `netdev ${name} already exists: another lab with prefix ${state.prefix}? choose another prefix`,
        'EEXIST',
      );
    }
  }
  if (hostNetdevs(hostSys, state.prefix).size > 0) {
    throw new HostError(
      `netdevs of a lab with prefix ${state.prefix} are still on this host; run \`vfnet lab down\` for it`,
      'EEXIST',
    );
  }
}

/**
 * Removes every netdev and netns of a lab. Deleting a veth end deletes its peer, so the host ends
 * go first (synchronously); VF netdevs that sit in containers die with the switch netns.
 */
function tearDown(state: LabState, ip: Ip, hostSys: string): void {
  const names = [...hostNetdevs(hostSys, state.prefix).values()];
  ip.batchForce(
    null,
    names.map((n) => `link del dev ${n}`),
  );
  const existing = ip.netnsList();
  ip.batchForce(
    null,
    [state.switchNetns, state.parkNetns].filter((n) => existing.includes(n)).map((n) => `netns del ${n}`),
  );
}

function removeLabFiles(dir: string, removeDir: boolean): void {
  for (const name of ['sys', 'lab.lock', 'lab.lock.reclaim', 'lab.json'])
    rmSync(join(dir, name), { recursive: true, force: true });
  if (removeDir) {
    try {
      rmdirSync(dir);
    } catch {
      // Someone put something else there: leave it.
    }
  }
}

/** Takes down the lab at dir; tolerates half-built and half-removed labs. False when there was none. */
export function labDown(dir: string = DEFAULT_LAB_DIR, host: LabHost = {}): boolean {
  const abs = resolve(dir);
  if (!hasLab(abs)) return false;
  const state = readLabState(abs);
  tearDown(state, new Ip(host.runner), host.hostSys ?? '/sys');
  removeLabFiles(abs, true);
  return true;
}

interface SwitchLink {
  ifname: string;
  master?: string;
  flags?: string[];
}

export function labShow(dir: string = DEFAULT_LAB_DIR, host: LabHost = {}): LabView {
  const abs = resolve(dir);
  const state = readLabState(abs);
  const ip = new Ip(host.runner);
  const links = new Map(
    ip.json<SwitchLink[]>(state.switchNetns, ['link', 'show'], 'lab show: read the switch').map((l) => [l.ifname, l]),
  );
  const at = hostNetdevs(host.hostSys ?? '/sys', state.prefix);
  const portOf = (name: string) => {
    const l = links.get(name);
    return { bridge: l?.master ?? null, portUp: l?.flags?.includes('UP') ?? false };
  };
  return {
    dir: state.dir,
    prefix: state.prefix,
    switchNetns: state.switchNetns,
    pfs: state.pfs.map((pf) => ({
      name: pf.name,
      pci: pf.pci,
      physnet: pf.physnet,
      netdev: at.get(pf.pci) ?? null,
      ...portOf(pf.uplink),
    })),
    vfs: state.vfs.map((vf) => ({
      pci: vf.pci,
      pf: vf.pf,
      index: vf.index,
      physnet: vf.physnet,
      driver: vf.driver,
      netdev: at.get(vf.pci) ?? null,
      ...portOf(vf.port.name),
      // An interrupted change counts as made, as readVf says (see LabVf.pending).
      ...(vf.pending?.config ?? vf.config),
      spoofFilter: (vf.pending?.port ?? vf.port).spoofFilter,
      shapedMbps: (vf.pending?.port ?? vf.port).shapedMbps,
    })),
  };
}

/**
 * Binds a VF to another driver, as `driverctl set-override` would. A userspace driver
 * (vfio-pci, uio_pci_generic, igb_uio) takes the netdev away: the lab parks its veth in a hidden
 * netns. Back on igbvf the netdev returns under its lab name with the admin MAC (or its own).
 */
export function labBind(dir: string, pci: string, driver: string, host: LabHost = {}): void {
  const abs = resolve(dir);
  if (driver !== KERNEL_DRIVER_VF && !USERSPACE.has(driver)) {
    throw new HostError(
      `driver ${driver}: the lab knows ${KERNEL_DRIVER_VF} and ${[...USERSPACE].join(', ')}`,
      'EINVAL',
    );
  }
  const ip = new Ip(host.runner);
  const hostSys = host.hostSys ?? '/sys';
  labLock(abs).with(() => {
    const state = readLabState(abs);
    const vf = state.vfs.find((v) => v.pci === pci);
    if (!vf) throw new HostError(`the lab has no VF ${pci}`, 'ENODEV');
    if (vf.driver === driver) return;
    const toUserspace = USERSPACE.has(driver);
    const fromUserspace = USERSPACE.has(vf.driver);
    if (toUserspace && !fromUserspace) {
      const name = hostNetdevs(hostSys, state.prefix).get(pci);
      if (!name)
        throw new HostError(
          `VF ${pci}: its netdev is not in the host netns (in use by a container?); release it first`,
          'EBUSY',
        );
      ip.batch(
        null,
        [`link set dev ${name} down`, `link set dev ${name} netns ${batchWord(state.parkNetns)}`],
        `lab bind ${pci} to ${driver}`,
      );
      vf.parkedAs = name;
    } else if (!toUserspace && fromUserspace) {
      const parked = vf.parkedAs ?? vf.netdev;
      ip.batch(state.parkNetns, [`link set dev ${parked} netns ${process.pid}`], `lab bind ${pci} to ${driver}`);
      const name = parked !== vf.netdev && !existsSync(join(hostSys, 'class/net', vf.netdev)) ? vf.netdev : parked;
      const lines = name !== parked ? [`link set dev ${parked} name ${name}`] : [];
      const mac = vf.config.mac === '00:00:00:00:00:00' ? vf.mac : vf.config.mac;
      ip.batch(null, [...lines, `link set dev ${name} address ${mac}`], `lab bind ${pci} to ${driver}`);
      delete vf.parkedAs;
    }
    rebindInTree(abs, pci, vf.driver, driver);
    vf.driver = driver;
    writeLabState(abs, state);
  });
}
