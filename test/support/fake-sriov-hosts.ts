// Fake SR-IOV hosts for the agent's unit tests: a dual-port ixgbe NIC (two PFs on 0000:3b:00) and,
// optionally, a second NIC with one i40e PF, plus fixed host facts.
import type { HostFacts } from '../../src/agent/host-facts.js';
import { FakeHost, type FakePfSpec } from './fake-host/host.js';

export const FACTS: HostFacts = { hostname: 'compute1', vcpus: 16, memoryMb: 65536, diskGb: 500 };

export interface HostShape {
  /** VFs per PF on the ixgbe NIC (default 4). */
  vfs?: number;
  /** Add the second NIC (0000:af:00.0, i40e, 2 VFs). */
  secondNic?: boolean;
  /** Per-PF overrides of the ixgbe NIC, by PF index. */
  pf?: Partial<FakePfSpec>[];
}

function vfsOf(pfIndex: number, n: number, name: string): FakePfSpec['vfs'] {
  // 82599 layout: VFs of the two PFs interleave on device 0x10.
  return Array.from({ length: n }, (_, i) => {
    const fn = pfIndex + 2 * i;
    return { pci: `0000:3b:${(0x10 + (fn >> 3)).toString(16)}.${fn & 7}`, netdev: `${name}v${i}`, driver: 'ixgbevf' };
  });
}

export function sriovHost(shape: HostShape = {}): FakeHost {
  const host = new FakeHost();
  const n = shape.vfs ?? 4;
  for (const i of [0, 1]) {
    const name = `enp59s0f${i}`;
    host.addPf({
      name,
      pci: `0000:3b:00.${i}`,
      driver: 'ixgbe',
      vendor: '0x8086',
      device: '0x10fb',
      totalvfs: 63,
      vfs: vfsOf(i, n, name),
      ...(shape.pf?.[i] ?? {}),
    });
  }
  if (shape.secondNic) {
    host.addPf({
      name: 'ens785f0',
      pci: '0000:af:00.0',
      driver: 'i40e',
      vendor: '0x8086',
      totalvfs: 64,
      vfs: [
        { pci: '0000:af:02.0', netdev: 'ens785f0v0' },
        { pci: '0000:af:02.1', netdev: 'ens785f0v1' },
      ],
    });
  }
  return host;
}

/** A host without SR-IOV: one virtio NIC. */
export function plainHost(): FakeHost {
  const host = new FakeHost();
  host.addPf({ name: 'ens3', pci: '0000:00:03.0', driver: 'virtio-pci', vendor: '0x1af4', totalvfs: null, numvfs: 0 });
  return host;
}
