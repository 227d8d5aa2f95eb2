// A complete attachment record for tests that need one on disk: records are schema-checked on
// read, so a fixture must have every field a real ADD writes; tests override what they are about.
import { freshVfConfig } from '../../src/host/ports.js';
import { type AttachmentRecord, RECORD_SCHEMA } from '../../src/sriov/records.js';

export function testRecord(
  over: Partial<AttachmentRecord> & Pick<AttachmentRecord, 'containerId' | 'ifname'>,
): AttachmentRecord {
  return {
    schema: RECORD_SCHEMA,
    network: 'net-a',
    netns: '/var/run/netns/pod1',
    vf: {
      pci: '0000:af:06.0',
      pf: 'enp175s0f1',
      pfPci: '0000:af:00.1',
      index: 0,
      netdev: 'enp175s6',
      driver: 'iavf',
      dpdk: false,
    },
    configured: {},
    original: { pf: freshVfConfig(), netdev: { name: 'enp175s6', mac: '02:00:00:00:00:01', mtu: 1500, up: false } },
    ipamType: null,
    phase: 'added',
    result: null,
    pid: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    model: null,
    ...over,
  };
}
