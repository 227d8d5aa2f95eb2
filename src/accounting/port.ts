// The resource model as the plugin sees it: which of this host's PFs can give one more VF, and
// the claim of one VF (SRIOV_NET_VF: 1 on the PF's provider) by one attachment. A VF the plugin
// picks itself (`master`, `physnet`) is claimed here before it is used, so plugins and
// schedulers never hand it out twice, and the account matches the hardware. The model is either
// the node's embedded store or a Placement-compatible service.
import { PROVIDER_NAMESPACE, uuidV5 } from './ids.js';

export interface VfAccounting {
  /** Where the model is, for messages and attachment records: a URL or the embedded store's file: URL. */
  readonly target: string;
  /** Provider UUIDs of this host's PFs that can give one more VF and carry `trait`, best first. */
  candidatePfs(trait: string): Promise<string[]>;
  /** True when the model has this PF (a provider with an SRIOV_NET_VF inventory). */
  knows(pfProvider: string): Promise<boolean>;
  /**
   * Claims one VF on the PF's provider for `consumer` (of network `network`, recorded as its
   * user); false when the PF has no room left.
   */
  claim(consumer: string, pfProvider: string, network: string): Promise<boolean>;
  /** Gives the consumer's VF back; nothing to give back is fine. */
  release(consumer: string): Promise<void>;
  /** The attachment consumers of `network` that hold VFs on these PF providers. */
  attachmentsOn(pfProviders: readonly string[], network: string): Promise<string[]>;
}

/** Placement's consumer types are upper-case words; this one marks a container attachment. */
export const ATTACHMENT_CONSUMER_TYPE = 'CNI_ATTACHMENT';
/** The project of every attachment consumer; its user is the CNI network's name. */
export const ATTACHMENT_PROJECT = 'vfnet';

/** The consumer of an attachment: stable across calls, from containerID and ifname (design §5.2). */
export function attachmentConsumer(containerId: string, ifname: string): string {
  return uuidV5(PROVIDER_NAMESPACE, `attachment/${containerId}/${ifname}`);
}
