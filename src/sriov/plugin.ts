// The `sriov` plugin's commands: ADD, DEL, CHECK, STATUS and GC, and the order of their steps.
// Choosing and locking the VF is VfPicker's, claims in the resource model are ModelClaims', and
// giving a VF back is VfRestorer's.

import type { VfAccounting } from '../accounting/port.js';
import {
  CniCode,
  CniError,
  type CniRequest,
  type CniResult,
  delegateSupports,
  type ExecutableFinder,
  type HandlerCommand,
  type PendingIpam,
  type PluginHandlers,
  startIpam,
} from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { HostPorts } from '../host/ports.js';
import type { VfLedger } from '../store/vf-ledger.js';
import { AddressRelease } from './address-release.js';
import { configuredSettings, type SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import type { ForeignRecords } from './foreign-records.js';
import { GarbageCollector } from './garbage-collector.js';
import { LedgerRebuild } from './ledger-rebuild.js';
import { ModelClaims, type ModelClaimsOptions } from './model-claims.js';
import { VfNetdevs } from './netdev.js';
import { RecordRecovery } from './record-recovery.js';
import { type AttachmentRecord, type FoundRecord, ownsClaim, Records } from './records.js';
import { configOf } from './request-config.js';
import { SafeDefaults } from './safe-defaults.js';
import { SriovCniState } from './sriov-cni/state.js';
import { SriovCniTakeover } from './sriov-cni/takeover.js';
import { Sweeper, type SweepReport } from './sweeper.js';
import { VfAttacher } from './vf-attacher.js';
import { VfLocks } from './vf-locks.js';
import { VfPicker } from './vf-picker.js';
import { VfRestorer } from './vf-restorer.js';
import { type RetryPolicy, VfSettings } from './vf-settings.js';

export interface PluginOptions extends RetryPolicy, ModelClaimsOptions {
  /** Which attachment holds which VF on this node. */
  ledger: VfLedger;
  /** Finds delegate plugins in CNI_PATH; tests substitute one that needs no files. */
  findExecutable?: ExecutableFinder;
  /** How long ADD/DEL wait for a VF held by another call (sriov-cni: 60 s). */
  lockTimeoutMs: number;
  userspaceDrivers: readonly string[];
  pid: number;
  /** Attachments another plugin made (sriov-cni's cache): consulted when vfnet has no record. */
  foreignRecords?: ForeignRecords;
}

export const DEFAULT_OPTIONS: Omit<PluginOptions, 'pid' | 'ledger'> = {
  lockTimeoutMs: 60_000,
  userspaceDrivers: ['vfio-pci', 'uio_pci_generic', 'igb_uio'],
  macAttempts: 20,
  macDelayMs: 100,
};

export class SriovPlugin implements PluginHandlers {
  private readonly records: Records;
  private readonly settings: VfSettings;
  private readonly netdevs: VfNetdevs;
  private readonly locks: VfLocks;
  private readonly restorer: VfRestorer;
  private readonly picker: VfPicker;
  private readonly modelClaims: ModelClaims;
  private readonly attacher: VfAttacher;
  private readonly collector: GarbageCollector;
  private readonly recovery: RecordRecovery;
  private readonly rebuild: LedgerRebuild;
  private readonly addresses: AddressRelease;
  /** sriov-cni's attachments and the mirror of ours (null where the host has no sriov-cni state). */
  private readonly takeover: SriovCniTakeover | null;
  private readonly sweeper: Sweeper;

  constructor(
    private readonly host: HostPorts,
    private readonly log: Logger,
    private readonly options: PluginOptions,
  ) {
    this.records = new Records(host.state, options.ledger, {
      now: () => host.clock.now(),
      onDamaged: (e, aside) =>
        log.warning(`${e.message}; kept aside as ${aside ?? '(moved by another call)'}, never deleted`),
    });
    this.settings = new VfSettings(host.pf, host.clock, options);
    this.netdevs = new VfNetdevs(host.links, host.clock, options);
    this.locks = new VfLocks(host.locks, options.lockTimeoutMs, host.sriovCni?.locks ?? null);
    this.restorer = new VfRestorer(this.settings, this.netdevs, this.records, host.sysfs, log, (r) =>
      this.takeover?.forget(r),
    );
    const safe = new SafeDefaults(host.pf, host.links, this.netdevs, host.sysfs, log);
    this.takeover = host.sriovCni
      ? new SriovCniTakeover({
          state: new SriovCniState(host.sriovCni.files, () => host.clock.now()),
          results: host.sriovCni.results ?? null,
          sysfs: host.sysfs,
          links: host.links,
          records: this.records,
          settings: this.settings,
          netdevs: this.netdevs,
          locks: this.locks,
          release: (r, ns) => this.restorer.release(r, ns),
          ipamDel: (req) => void this.startIpam('DEL', req).result(),
          safe,
          log,
          userspaceDrivers: options.userspaceDrivers,
        })
      : null;
    this.attacher = new VfAttacher(
      host,
      this.records,
      this.settings,
      this.netdevs,
      this.takeover,
      (op, req) => this.startIpam(op, req),
      log,
      options,
    );
    this.picker = new VfPicker(host, this.records, this.locks, this.restorer, log, options, this.takeover);
    this.modelClaims = new ModelClaims(host.sysfs, this.records, this.picker, log, options);
    this.recovery = new RecordRecovery(
      this.records,
      this.restorer,
      safe,
      this.locks,
      host.sysfs,
      log,
      options.userspaceDrivers,
    );
    this.rebuild = new LedgerRebuild(this.records, this.locks, log);
    this.addresses = new AddressRelease((op, req) => this.startIpam(op, req), this.records, log);
    this.sweeper = new Sweeper({
      host,
      records: this.records,
      locks: this.locks,
      restorer: this.restorer,
      modelClaims: this.modelClaims,
      takeover: this.takeover,
      ipam: (req) => void this.startIpam('DEL', req).result(),
      log,
      pid: options.pid,
    });
    this.collector = new GarbageCollector({
      host,
      records: this.records,
      recovery: this.recovery,
      rebuild: this.rebuild,
      locks: this.locks,
      restorer: this.restorer,
      takeover: this.takeover,
      modelClaims: this.modelClaims,
      forwardIpam: (req) => this.forwardTolerantly('GC', req),
      log,
    });
  }

  /** Settles attachments nobody will DEL (netns gone, VF home, previous boot): see Sweeper. */
  sweep(env: CniRequest['env'], paths: string[]): Promise<SweepReport> {
    return this.sweeper.sweep(env, paths);
  }

  /** The IPAM plugin, left running while this process goes on (see startIpam). */
  private startIpam(op: HandlerCommand, req: CniRequest): PendingIpam {
    const find = this.options.findExecutable;
    return startIpam(op, req, this.host.processes, find ? { find } : {});
  }

  // ------------------------------------------------------------------ config

  private config(req: CniRequest): SriovConfig {
    return configOf(req, this.log);
  }

  // ------------------------------------------------------------------ ADD

  add(req: CniRequest): CniResult | Promise<CniResult> {
    const config = this.config(req);
    if (!this.host.links.netnsExists(req.netns)) {
      throw new CniError(
        CniCode.InvalidEnvironment,
        `CNI_NETNS ${JSON.stringify(req.netns)} is not a network namespace`,
      );
    }
    // Before anything is handed out: a lost or emptied ledger gets back the claims its records hold.
    this.rebuild.run();
    let previous = this.records.readAttachmentSafe(req.containerId, req.ifname);
    if (previous && this.takeover?.deletedByPeer(previous)) {
      // sriov-cni's DEL undid it while its binary was in place: our record is all that is left.
      this.takeover.dropDeleted(previous);
      previous = null;
    }
    if (previous?.phase === 'added') {
      throw new CniError(
        SriovCode.VfInUse,
        `container ${req.containerId} already has ${req.ifname} on VF ${previous.vf.pci}`,
        'DEL it first',
      );
    }
    if (previous) this.restorer.release(previous, previous.netns);

    const model = config.selector.kind === 'deviceID' ? null : this.modelClaims.modelFor(config);
    if (config.selector.kind === 'physnet' && !model) {
      throw new CniError(
        CniCode.InvalidConfig,
        `"physnet": picking a VF by physical network needs the resource model`,
        'give "placement": {"url": "http://HOST:8778"} (a vfnet serve or Placement where vfnet agent registered this host), or register this host in the embedded store with vfnet agent --db',
      );
    }
    // Owners found dead on the way to this call's VF: their model claims go once this ADD is done.
    const reclaimed: AttachmentRecord[] = [];
    if (model) return this.addThroughModel(config, req, model, reclaimed);
    return this.addLocally(config, req, reclaimed);
  }

  /** ADD with the VF accounted for by the ledger alone (deviceID, or a PF no model has). */
  private addLocally(
    config: SriovConfig,
    req: CniRequest,
    reclaimed: AttachmentRecord[],
  ): CniResult | Promise<CniResult> {
    const { selector } = config;
    if (selector.kind === 'physnet') throw new Error('physnet is claimed through the resource model (addThroughModel)');
    const { vf, lock } = this.picker.pick(selector, config.name, req, reclaimed);
    let result: CniResult;
    try {
      result = this.attacher.attach(config, req, vf, null);
    } finally {
      lock.release();
    }
    // Synchronous when there is nothing to release: the common ADD by deviceID stays a plain call.
    return reclaimed.length ? this.modelClaims.releaseReclaimed(reclaimed).then(() => result) : result;
  }

  private async addThroughModel(
    config: SriovConfig,
    req: CniRequest,
    model: VfAccounting,
    reclaimed: AttachmentRecord[],
  ): Promise<CniResult> {
    const picked = await this.modelClaims.pick(config, req, model, reclaimed);
    if (!picked) return this.addLocally(config, req, reclaimed);
    const { vf, lock, consumer } = picked;
    try {
      const result = this.attacher.attach(config, req, vf, { url: model.target, consumer });
      await this.modelClaims.releaseReclaimed(reclaimed);
      return result;
    } catch (e) {
      await this.modelClaims.giveBack(model, consumer, `rollback: cannot release ${consumer}`);
      throw e;
    } finally {
      lock.release();
    }
  }

  // ------------------------------------------------------------------ DEL

  del(req: CniRequest): void | Promise<void> {
    let config: SriovConfig | null = null;
    try {
      config = this.config(req);
    } catch (e) {
      // DEL must be able to clean up after a config that no longer validates.
      this.log.warning(`DEL with an invalid config, cleaning up from the attachment record: ${(e as Error).message}`);
    }
    const found = this.lookup(req.containerId, req.ifname);
    const ipamType = found?.record?.ipamType ?? config?.ipamType ?? null;
    if (found && !found.record) {
      // Damaged, kept aside, and no other copy: the VF is reset to safe defaults instead.
      const errors = this.recovery.resetUnrecorded(found.damaged!, req.containerId, req.ifname, req.netns);
      this.addresses.releaseTolerantly(req, ipamType, `the record ${found.damaged!.error.path} was damaged`);
      if (errors.length)
        throw new CniError(
          SriovCode.NetdevFailed,
          `${found.damaged!.error.message}; VF reset to safe defaults, but not completely`,
          errors.join('; '),
        );
      return;
    }
    const record = found?.record ?? null;
    if (record && config && record.network !== config.name) {
      // An attachment is (network, containerID, ifname): this one belongs to another network,
      // whose own DEL will release it. Only this network's addresses are ours to give back.
      this.log.warning(
        `DEL of network ${config.name}: ${req.containerId}/${req.ifname} is attached to network ${record.network}; leaving it alone`,
      );
      this.addresses.releaseTolerantly(req, config.ipamType ?? null, 'no attachment of this network is recorded');
      return;
    }
    // Not ours: the Go plugin's, if its cache has it (a node taken over from sriov-cni).
    if (!record && this.takeover?.del(req, config)) return;
    if (!record) {
      // Nothing of ours is recorded (never added, already deleted, or the node was wiped):
      // release the addresses and any claim a crashed ADD left before its record. Nothing is
      // left for a retry to do, so a failing IPAM plugin is logged, not reported (runtimes
      // retry a failing DEL forever).
      this.addresses.releaseTolerantly(req, ipamType, 'no attachment record');
      for (const c of this.records.allClaims()) {
        if (ownsClaim(c, req.containerId, req.ifname)) this.records.removeClaim(c.pci);
      }
      this.log.debug('DEL: no attachment record; nothing to restore');
      // An ADD that died between its model claim and its record leaves only the claim.
      const model = config && config.selector.kind !== 'deviceID' ? this.modelClaims.modelFor(config) : null;
      if (model) return this.modelClaims.releaseUnrecorded(model, req.containerId, req.ifname);
      return;
    }
    if (record.phase === 'released') {
      // The VF went back in an earlier DEL whose IPAM release failed: only that is retried.
      if (ipamType) this.startIpam('DEL', req).result();
      this.records.removeAttachment(req.containerId, req.ifname);
      return;
    }
    const lock = this.locks.vf(record.vf.pci);
    let errors: string[];
    let pending: PendingIpam | null = null;
    try {
      // Runtimes may DEL twice at once (podman's stop and conmon's cleanup): the record read
      // before the lock may be gone now, and then the other DEL has done the work.
      const current = this.lookup(req.containerId, req.ifname)?.record;
      if (!current || current.createdAt !== record.createdAt) {
        this.addresses.releaseTolerantly(req, ipamType, 'another DEL released this attachment meanwhile');
        this.log.debug('DEL: another DEL released this attachment meanwhile');
        return;
      }
      const claim = this.records.readClaim(record.vf.pci);
      if (claim && !ownsClaim(claim, req.containerId, req.ifname)) {
        // A newer ADD owns this VF now (our netns died and the VF was reclaimed): never reset it.
        this.log.warning(`VF ${record.vf.pci} now belongs to ${claim.containerId}/${claim.ifname}; leaving it alone`);
        if (ipamType) this.startIpam('DEL', req).result();
        this.records.removeAttachment(req.containerId, req.ifname);
        return;
      }
      if (found!.source === 'ledger')
        this.log.warning(
          `DEL: restoring VF ${record.vf.pci} from the ledger's copy of ${req.containerId}/${req.ifname}'s record`,
        );
      // IPAM DEL runs while the VF is given back: the move home waits in the kernel on no CPU.
      pending = this.addresses.begin(req, ipamType);
      errors = this.restorer.release(record, req.netns);
      if (found!.source === 'foreign') this.options.foreignRecords?.released(record);
    } catch (e) {
      // The record stays for a retry; the IPAM plugin is still collected, never left behind.
      this.addresses.settleQuietly(pending);
      throw e;
    } finally {
      lock.release();
    }
    const release = () => this.addresses.release(req, record, ipamType, errors, pending);
    return record.model ? this.modelClaims.release(record).then(release) : release();
  }

  /** vfnet's record, then the ledger's copy, then another plugin's (sriov-cni's cache). */
  private lookup(containerId: string, ifname: string): FoundRecord | null {
    const own = this.records.find(containerId, ifname);
    if (own) return own;
    const foreign = this.options.foreignRecords?.find(containerId, ifname) ?? null;
    return foreign ? { record: foreign, source: 'foreign', damaged: null } : null;
  }

  // ------------------------------------------------------------------ CHECK

  check(req: CniRequest): void {
    const config = this.config(req);
    const record = this.recovery.forCheck(req.containerId, req.ifname, this.options.foreignRecords);
    const fail = (what: string) =>
      new CniError(SriovCode.CheckFailed, `CHECK of ${req.containerId}/${req.ifname} failed: ${what}`);
    if (!record) {
      const peer = this.takeover?.check(req) ?? null;
      if (peer?.length) throw fail(peer.join('; '));
      if (peer) {
        if (config.ipamType) this.startIpam('CHECK', req).result();
        return;
      }
    }
    if (record?.phase !== 'added') throw fail('no attachment was made (no record)');
    const claim = this.records.readClaim(record.vf.pci);
    if (!claim || !ownsClaim(claim, req.containerId, req.ifname))
      throw fail(`VF ${record.vf.pci} is not claimed by this attachment`);
    const problems = this.settings.differences(record.vf, configuredSettings(config));
    if (!record.vf.dpdk) {
      const link = this.netdevs.inspect(req.netns, req.ifname);
      if (!link) {
        problems.push(`${req.ifname} is not in ${req.netns}`);
      } else {
        const expectedMac = record.result?.interfaces.find((i) => i.name === req.ifname)?.mac;
        if (expectedMac && link.mac.toLowerCase() !== expectedMac)
          problems.push(`${req.ifname} has MAC ${link.mac}, expected ${expectedMac}`);
        if (!link.up) problems.push(`${req.ifname} is down`);
      }
    }
    if (req.prevResult) {
      const iface = req.prevResult.interfaces.find((i) => i.name === req.ifname && i.sandbox === req.netns);
      if (!iface) problems.push(`prevResult has no interface ${req.ifname} in ${req.netns}`);
    }
    if (problems.length) throw fail(problems.join('; '));
    if (config.ipamType) this.startIpam('CHECK', req).result();
  }

  // ------------------------------------------------------------------ STATUS

  status(req: CniRequest): void | Promise<void> {
    const config = this.config(req);
    const unavailable = (why: string) => new CniError(CniCode.NotAvailable, `plugin not available: ${why}`);
    if (!this.host.state.writable()) throw unavailable(`state directory ${this.host.state.dir} is not writable`);
    try {
      this.records.allClaims();
    } catch (e) {
      throw unavailable((e as Error).message);
    }
    const { selector } = config;
    if (selector.kind === 'physnet') return this.physnetStatus(config, req, selector.physnet, unavailable);
    const why = this.picker.whyUnavailable(selector, req);
    if (why !== null) throw unavailable(why);
    if (config.ipamType) this.forwardTolerantly('STATUS', req);
  }

  /** `physnet` can ADD when the model is reachable and has room on one of this host's PFs. */
  private async physnetStatus(
    config: SriovConfig,
    req: CniRequest,
    physnet: string,
    unavailable: (why: string) => CniError,
  ): Promise<void> {
    const why = await this.modelClaims.physnetUnavailable(config, physnet);
    if (why !== null) throw unavailable(why);
    if (config.ipamType) this.forwardTolerantly('STATUS', req);
  }

  /** Delegates a 1.1.0 command to IPAM plugins that speak 1.1.0; older ones have nothing to say. */
  private forwardTolerantly(op: 'STATUS' | 'GC', req: CniRequest): void {
    const find = this.options.findExecutable ? { find: this.options.findExecutable } : {};
    if (!delegateSupports('1.1.0', req, this.host.processes, find)) {
      this.log.debug(`IPAM plugin does not support CNI 1.1.0; not forwarding ${op}`);
      return;
    }
    this.startIpam(op, req).result();
  }

  // ------------------------------------------------------------------ GC

  gc(req: CniRequest): void | Promise<void> {
    return this.collector.gc(req, this.config(req));
  }
}
