// The sriov plugin on the in-memory host, as the unit tests of src/sriov set it up: one igb-like
// PF (enp175s0f1) with two kernel-mode VFs, two pods' netns, an in-memory ledger and a logger
// that keeps its lines; and CNI requests for it.
import type { CniRequest, HandlerCommand } from '../../src/cni/index.js';
import { createLogger } from '../../src/host/log.js';
import { DEFAULT_OPTIONS, type PluginOptions, SriovPlugin } from '../../src/sriov/plugin.js';
import { MemoryVfLedger, type VfLedger } from '../../src/store/vf-ledger.js';
import { type FakeHostPorts, type FakePfSpec, fakeHostPorts } from './fake-host/host.js';

export const POD = '/var/run/netns/pod1';
export const POD2 = '/var/run/netns/pod2';
export const PF = 'enp175s0f1';
export const VF0 = '0000:af:06.0';
export const VF1 = '0000:af:06.1';
export const IPAM = { ipam: { type: 'host-local', subnet: '10.56.217.0/24' } };

export interface PluginEnv {
  host: FakeHostPorts;
  ledger: MemoryVfLedger;
  plugin: SriovPlugin;
  /** Every line the plugin logged. */
  logs: string[];
}

export interface EnvOptions {
  /** More of the PF's spec (refusals, adminMac). */
  pf?: Partial<FakePfSpec>;
  /** Other PFs, after the first. */
  morePfs?: FakePfSpec[];
  /** Namespaces besides POD and POD2. */
  moreNetns?: string[];
}

/** A plugin on `host` with `ledger`: a new one on the same host is a new CNI process. */
export function pluginOn(
  host: FakeHostPorts,
  ledger: VfLedger,
  logs: string[],
  extra: Partial<PluginOptions> = {},
): SriovPlugin {
  return new SriovPlugin(
    host,
    createLogger({}, (l) => logs.push(l)),
    {
      ...DEFAULT_OPTIONS,
      ledger,
      lockTimeoutMs: 500,
      macDelayMs: 1,
      pid: 4242,
      findExecutable: (name) => `/opt/cni/bin/${name}`,
      ...extra,
    },
  );
}

export function sriovEnv(o: EnvOptions = {}): PluginEnv {
  const host = fakeHostPorts({ fixture: false });
  host.fake.addPf({
    name: PF,
    pci: '0000:af:00.1',
    vfs: [
      { pci: VF0, netdev: 'enp175s6' },
      { pci: VF1, netdev: 'enp175s7' },
    ],
    ...o.pf,
  });
  for (const pf of o.morePfs ?? []) host.fake.addPf(pf);
  for (const ns of [POD, POD2, ...(o.moreNetns ?? [])]) host.fake.addNetns(ns);
  const logs: string[] = [];
  const ledger = new MemoryVfLedger();
  return { host, ledger, plugin: pluginOn(host, ledger, logs), logs };
}

/** A request of container c1 for net1 in POD, with network net-a's config (cniVersion `version` unless given). */
export function cniRequest(
  command: HandlerCommand,
  config: Record<string, unknown>,
  over: Partial<CniRequest> = {},
  version = '1.0.0',
): CniRequest {
  const full = { cniVersion: version, name: 'net-a', type: 'sriov', ...config };
  return {
    command,
    containerId: 'c1',
    netns: POD,
    ifname: 'net1',
    args: new Map(),
    ignoreUnknownArgs: true,
    paths: ['/opt/cni/bin'],
    cniVersion: full.cniVersion,
    config: full,
    stdin: Buffer.from(JSON.stringify(full)),
    prevResult: null,
    env: {},
    stderr: () => {},
    ...over,
  };
}
