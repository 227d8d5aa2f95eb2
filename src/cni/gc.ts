// GC's input: the attachments the runtime still considers valid.
import { CniCode, CniError } from './errors.js';

export interface Attachment {
  containerID: string;
  ifname: string;
}

export const VALID_ATTACHMENTS_KEY = 'cni.dev/valid-attachments';

/**
 * The `cni.dev/valid-attachments` list, or null when the key is absent: libcni v1.3.0 sends GC
 * without it after it has DELeted every cached attachment, and a plugin must accept that. What null
 * means (nothing is valid, or nothing to check) is the plugin's decision.
 */
export function validAttachments(config: Record<string, unknown>): Attachment[] | null {
  const raw = config[VALID_ATTACHMENTS_KEY];
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) {
    throw new CniError(
      CniCode.InvalidConfig,
      'invalid network config',
      `${VALID_ATTACHMENTS_KEY}: expected an array of {"containerID", "ifname"}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw.map((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.containerID !== 'string' || typeof e.ifname !== 'string') {
      throw new CniError(
        CniCode.InvalidConfig,
        'invalid network config',
        `${VALID_ATTACHMENTS_KEY}[${i}]: expected {"containerID": string, "ifname": string}, got ${JSON.stringify(entry)}`,
      );
    }
    return { containerID: e.containerID, ifname: e.ifname };
  });
}
