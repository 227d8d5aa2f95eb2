// The resource model as the plugin sees it: which of this host's PFs can give one more VF, and
// the claim of one VF (SRIOV_NET_VF: 1 on the PF's provider) by one attachment. A VF chosen by
// the plugin itself (`physnet`) is claimed here before it is used, so two hosts' worth of
// plugins and schedulers never hand it out twice, and the account matches the hardware.
import { createHash } from 'node:crypto';

export interface VfAccounting {
  /** Provider UUIDs of this host's PFs that can give one more VF and carry `trait`, best first. */
  candidatePfs(trait: string): Promise<string[]>;
  /** Claims one VF on the PF's provider for `consumer`; false when it has no room left. */
  claim(consumer: string, pfProvider: string): Promise<boolean>;
  /** Gives the consumer's VF back; nothing to give back is fine. */
  release(consumer: string): Promise<void>;
}

/** The consumer of an attachment: stable across calls, from containerID and ifname (design §5.2). */
export function attachmentConsumer(containerId: string, ifname: string): string {
  const h = createHash('sha1').update(`vfnet-attachment\u0000${containerId}\u0000${ifname}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
