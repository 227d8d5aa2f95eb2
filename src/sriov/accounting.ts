// The resource model as the plugin sees it: which of this host's PFs can give one more VF, and
// the claim of one VF (SRIOV_NET_VF: 1 on the PF's provider) by one attachment. A VF chosen by
// the plugin itself (`physnet`) is claimed here before it is used, so two hosts' worth of
// plugins and schedulers never hand it out twice, and the account matches the hardware.
import { PROVIDER_NAMESPACE, uuidV5 } from '../agent/ids.js';

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
  return uuidV5(PROVIDER_NAMESPACE, `attachment/${containerId}/${ifname}`);
}
