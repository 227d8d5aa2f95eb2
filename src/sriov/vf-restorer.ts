// Giving a VF back to the host: what DEL, GC, a repeated ADD and the reclaim of a VF whose owner
// died without a DEL all do, from the attachment record.
import type { Logger } from '../host/log.js';
import type { Sysfs } from '../host/ports.js';
import type { VfNetdevs } from './netdev.js';
import { type AttachmentRecord, ownsClaim, type Records } from './records.js';
import type { VfRef } from './resolve.js';
import type { VfSettings } from './vf-settings.js';

export class VfRestorer {
  constructor(
    private readonly settings: VfSettings,
    private readonly netdevs: VfNetdevs,
    private readonly records: Records,
    private readonly sysfs: Sysfs,
    private readonly log: Logger,
    /** Called after each release, e.g. to drop sriov-cni's mirror of the attachment. */
    private readonly onReleased: ((record: AttachmentRecord) => void) | null = null,
  ) {}

  /**
   * PF-level state first (some drivers cannot reset a netdev's MAC while an admin MAC is set),
   * then the netdev, then the claim and the record. The record and claim go even when a step
   * fails, so a retried DEL cannot loop forever (sriov-cni #178); the failures are returned for
   * the caller to report once. `netns` is where the caller last saw the netdev ('' for nowhere).
   */
  release(record: AttachmentRecord, netns: string): string[] {
    // Its VF went back already (only its IPAM release failed): the VF may be another's by now.
    if (record.phase === 'released') {
      this.records.removeAttachment(record.containerId, record.ifname);
      return [];
    }
    const errors = this.settings.restore(record.vf, record.configured, record.original.pf).map((e) => e.message);
    const orig = record.original.netdev;
    if (orig && !record.vf.dpdk) {
      try {
        const places = [...new Set([netns, record.netns].filter((p) => p !== ''))];
        const hostNow = this.currentHostName(record.vf);
        if (!this.netdevs.returnHome(orig, places, record.ifname, hostNow)) {
          this.log.warning(`VF ${record.vf.pci}: its interface is nowhere to be found (namespace gone, VF removed?)`);
        } else {
          this.netdevs.settleHostMac(orig);
          this.log.info(
            `released VF ${record.vf.pci}: ${orig.name} is back in the host (looked in ${places.join(', ') || 'no namespace'}${hostNow ? `, host had ${hostNow}` : ''})`,
          );
        }
      } catch (e) {
        errors.push(`returning ${record.ifname} to the host as ${orig.name}: ${(e as Error).message}`);
      }
    }
    const macError = this.settings.reassertMac(record.vf, record.original.pf.mac.toLowerCase());
    if (macError) errors.push(macError.message);
    for (const e of errors) this.log.error(e);
    const claim = this.records.readClaim(record.vf.pci);
    if (claim && ownsClaim(claim, record.containerId, record.ifname)) this.records.removeClaim(record.vf.pci);
    this.records.removeAttachment(record.containerId, record.ifname);
    this.onReleased?.(record);
    return errors;
  }

  /** The VF's netdev name in the host right now, from sysfs (the kernel's view). */
  private currentHostName(vf: VfRef): string | null {
    return this.sysfs.list(`sys/bus/pci/devices/${vf.pci}/net`)?.[0] ?? null;
  }
}
