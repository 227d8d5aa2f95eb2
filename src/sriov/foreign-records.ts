// The seam for attachments another plugin made: today's Go sriov-cni keeps its own cache
// (/var/lib/cni/sriov/<containerID>-<ifname>, reference/sriov-cni.md §4). When vfnet has no record
// of an attachment, DEL, CHECK and GC ask this source before concluding there is nothing to
// restore; what it returns is restored exactly as a record of vfnet's would be.
import type { AttachmentRecord } from './records.js';

export interface ForeignRecords {
  /**
   * The attachment as another plugin recorded it, translated into vfnet's record (its `vf`,
   * `configured` and `original` are what DEL restores); null when that plugin has none either.
   * An unreadable foreign record is the source's to report: throw a CniError naming its file.
   */
  find(containerId: string, ifname: string): AttachmentRecord | null;
  /** vfnet has given the VF back from `record` (under the VF's lock): remove the foreign cache entry and markers. */
  released(record: AttachmentRecord): void;
}
