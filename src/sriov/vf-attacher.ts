// ADD's attachment of a chosen VF: the original state recorded before the first change, the
// PF-level settings, IPAM, the move into the pod and, for a rollback to sriov-cni, its cache;
// each step journalled, so a failure anywhere undoes exactly what was done.
import {
  CniCode,
  CniError,
  type CniRequest,
  type CniResult,
  type HandlerCommand,
  type PendingIpam,
} from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { HostPorts, VfConfig } from '../host/ports.js';
import { configuredSettings, type SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import { Journal } from './journal.js';
import type { NetdevOriginal, VfNetdevs } from './netdev.js';
import { type AttachmentRecord, RECORD_SCHEMA, type Records } from './records.js';
import type { VfRef } from './resolve.js';
import { attachmentResult } from './result.js';
import type { SriovCniTakeover } from './sriov-cni/takeover.js';
import { type VfSettings, ZERO_MAC } from './vf-settings.js';

export class VfAttacher {
  constructor(
    private readonly host: HostPorts,
    private readonly records: Records,
    private readonly settings: VfSettings,
    private readonly netdevs: VfNetdevs,
    private readonly takeover: SriovCniTakeover | null,
    private readonly startIpam: (op: HandlerCommand, req: CniRequest) => PendingIpam,
    private readonly log: Logger,
    private readonly options: { pid: number },
  ) {}

  attach(config: SriovConfig, req: CniRequest, vf: VfRef, model: AttachmentRecord['model']): CniResult {
    const journal = new Journal();
    journal.record(`release the claim on ${vf.pci}`, () => this.records.removeClaim(vf.pci));
    let netdevOrig: NetdevOriginal | null = null;
    let pfOrig: VfConfig | null = null;
    try {
      pfOrig = this.settings.read(vf);
      if (!vf.dpdk) {
        const link = this.netdevs.inspect(null, vf.netdev!);
        if (!link)
          throw new CniError(
            SriovCode.DeviceUnusable,
            `VF ${vf.pci}: its interface ${vf.netdev} is not in the host namespace`,
          );
        netdevOrig = {
          name: link.name,
          mac: link.mac.toLowerCase(),
          mtu: link.mtu,
          up: link.up,
          ifindex: link.ifindex,
        };
        // A PF that lists the VF's own MAC is echoing what the VF reported (igbvf), not holding an
        // admin MAC: restoring it as one would lock the VF to it. The original admin MAC is none.
        if (pfOrig.mac.toLowerCase() === netdevOrig.mac && pfOrig.mac.toLowerCase() !== ZERO_MAC)
          pfOrig = { ...pfOrig, mac: ZERO_MAC };
      }
      const record: AttachmentRecord = {
        schema: RECORD_SCHEMA,
        network: config.name,
        containerId: req.containerId,
        ifname: req.ifname,
        netns: req.netns,
        vf,
        configured: configuredSettings(config),
        original: { pf: pfOrig, netdev: netdevOrig },
        ipamType: config.ipamType ?? null,
        phase: 'adding',
        result: null,
        pid: this.options.pid,
        createdAt: new Date(this.host.clock.now()).toISOString(),
        model,
        bootId: this.host.sysfs.read('proc/sys/kernel/random/boot_id'),
        delegate: { config: req.config, paths: req.paths },
      };
      // The original state is on disk before the first change: a crash anywhere after this is undone by DEL or GC.
      this.records.writeAttachment(record);
      journal.record('remove the attachment record', () => this.records.removeAttachment(req.containerId, req.ifname));

      // The IPAM plugin runs while the PF settings are applied and the kernel moves the VF (a
      // move waits ~15 ms in rcu_barrier(), on no CPU): its answer is needed only for the addresses.
      const pending = config.ipamType ? this.startIpam('ADD', req) : null;
      if (pending) {
        journal.record(`release the ${config.ipamType} addresses`, () => {
          // Never before the ADD it undoes has ended; an ADD that failed allocated nothing to release.
          try {
            pending.result();
          } catch {
            return;
          }
          this.startIpam('DEL', req).result();
        });
      }
      const ipamResult = (): CniResult | null => {
        const ipam = pending?.result() ?? null;
        if (ipam && ipam.ips.length === 0) {
          throw new CniError(CniCode.InvalidConfig, `IPAM plugin ${config.ipamType} returned no IP addresses`);
        }
        return ipam;
      };

      this.settings.apply(vf, record.configured, pfOrig, journal);

      let mac = config.mac ?? (pfOrig.mac !== '00:00:00:00:00:00' ? pfOrig.mac.toLowerCase() : undefined);
      let mtu: number | undefined;
      if (!vf.dpdk) {
        const link = this.netdevs.attach(netdevOrig!, req.netns, req.ifname, config.mac, ipamResult, journal);
        mac = link.mac.toLowerCase();
        mtu = link.mtu;
      }
      // Read once, by attach() for a netdev VF: the answer is kept, so this only waits for a DPDK one.
      const ipam = ipamResult();

      const result = attachmentResult(req, vf, mac, mtu, ipam);
      if (this.takeover) {
        // For a rollback to sriov-cni: its DEL restores this attachment from these.
        journal.record(`remove sriov-cni's cache and marker of ${vf.pci}`, () => this.takeover?.forget(record));
        this.takeover.mirror(record, req.config, this.host.links.get(null, vf.pf)?.mtu ?? null);
      }
      this.records.writeAttachment({
        ...record,
        phase: 'added',
        result,
        ...(this.takeover ? { sriovCniMirror: true } : {}),
      });
      journal.commit();
      this.log.info(
        `attached VF ${vf.pci} (${vf.pf} VF ${vf.index}${vf.dpdk ? `, ${vf.driver}` : `, was ${vf.netdev}`}) as ${req.ifname}`,
      );
      return result;
    } catch (e) {
      const failures = journal.rollback();
      if (netdevOrig) {
        try {
          this.netdevs.settleHostMac(netdevOrig);
        } catch (err) {
          failures.push({ step: `restore the MAC of ${netdevOrig.name}`, error: err as Error });
        }
      }
      if (pfOrig) {
        const macError = this.settings.reassertMac(vf, pfOrig.mac.toLowerCase());
        if (macError) failures.push({ step: 'restore the admin MAC', error: macError });
      }
      for (const f of failures) this.log.error(`rollback: cannot ${f.step}: ${f.error.message}`);
      if (e instanceof CniError && failures.length) {
        throw new CniError(
          e.code,
          e.msg,
          [e.details, `rollback incomplete: ${failures.map((f) => `${f.step}: ${f.error.message}`).join('; ')}`]
            .filter(Boolean)
            .join('; '),
        );
      }
      throw e;
    }
  }
}
