// The `sriov` plugin's commands: ADD, DEL, CHECK, STATUS and GC over the host ports.
import { CniCode, CniError, delegateIpam, delegateSupports, emptyResult, validAttachments, type CniRequest, type CniResult, type ExecutableFinder, type HandlerCommand, type PluginHandlers } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import { HostError, type HostPorts, type Lock, type VfConfig } from '../host/ports.js';
import { configuredSettings, parseConfig, type ConfigNotes, type SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import { Journal } from './journal.js';
import { VfNetdevs, type NetdevOriginal } from './netdev.js';
import { ownsClaim, RECORD_SCHEMA, Records, type AttachmentRecord, type VfClaim } from './records.js';
import { isUsable, listPfVfs, notUsable, resolveDevice, type VfRef } from './resolve.js';
import { VfSettings, ZERO_MAC, type RetryPolicy } from './vf-settings.js';
import { attachmentConsumer, type VfAccounting } from '../accounting/port.js';
import type { VfLedger } from '../store/vf-ledger.js';

export interface PluginOptions extends RetryPolicy {
  /** Which attachment holds which VF on this node. */
  ledger: VfLedger;
  /**
   * The resource model at a target: a Placement URL (`"placement": {"url": ...}`), or the
   * embedded store's `file:` URL. Absent: no model, so `physnet` is unavailable.
   */
  accountingFor?: (target: string) => VfAccounting;
  /** The embedded store's `file:` URL, the model when the config names no `placement`. */
  embeddedModel?: string;
  /** The provider UUID of one of this host's PFs, by PF PCI address (as `vfnet agent` registers it). */
  pfProvider?: (pfPci: string) => string;
  /** Finds delegate plugins in CNI_PATH; tests substitute one that needs no files. */
  findExecutable?: ExecutableFinder;
  /** How long ADD/DEL wait for a VF held by another call (sriov-cni: 60 s). */
  lockTimeoutMs: number;
  userspaceDrivers: readonly string[];
  pid: number;
}

export const DEFAULT_OPTIONS: Omit<PluginOptions, 'pid' | 'ledger'> = {
  lockTimeoutMs: 60_000,
  userspaceDrivers: ['vfio-pci', 'uio_pci_generic', 'igb_uio'],
  macAttempts: 20,
  macDelayMs: 100,
};

const vfLock = (pci: string) => `vf-${pci}`;
const pfLock = (pf: string) => `pf-${pf}`;

export class SriovPlugin implements PluginHandlers {
  private readonly records: Records;
  private readonly settings: VfSettings;
  private readonly netdevs: VfNetdevs;
  /** Model claims of stale owners restored during this call, released before it returns. */
  private readonly staleModelClaims: AttachmentRecord[] = [];

  constructor(
    private readonly host: HostPorts,
    private readonly log: Logger,
    private readonly options: PluginOptions,
  ) {
    this.records = new Records(host.state, options.ledger);
    this.settings = new VfSettings(host.pf, host.clock, options);
    this.netdevs = new VfNetdevs(host.links, host.clock, options);
  }

  private ipam(op: HandlerCommand, req: CniRequest): CniResult | null {
    return delegateIpam(op, req, this.host.processes, this.options.findExecutable ? { find: this.options.findExecutable } : {});
  }

  // ------------------------------------------------------------------ config

  private config(req: CniRequest): SriovConfig {
    const notes: ConfigNotes = { warnings: [], debug: [] };
    // Logging settings first, so that even a config error is logged where the user asked.
    const level = req.config.logLevel, file = req.config.logFile;
    if (typeof level === 'string' && ['panic', 'error', 'warning', 'info', 'debug'].includes(level.toLowerCase())) {
      this.log.configure(level.toLowerCase() as SriovConfig['logLevel'], typeof file === 'string' && file.startsWith('/') ? file : undefined);
    }
    const config = parseConfig(req.config, req.args, notes);
    this.log.configure(config.logLevel, config.logFile);
    for (const w of notes.warnings) this.log.warning(w);
    for (const d of notes.debug) this.log.debug(d);
    if (!req.ignoreUnknownArgs) {
      const unknown = [...req.args.keys()].filter((k) => k !== 'MAC');
      if (unknown.length) {
        throw new CniError(CniCode.InvalidEnvironment, `unknown CNI_ARGS [${unknown.join(', ')}]`,
          'this plugin reads only MAC; runtimes that send more must add IgnoreUnknown=1');
      }
    }
    return config;
  }

  private acquire(name: string, what: string): Lock {
    try {
      return this.host.locks.acquire(name, this.options.lockTimeoutMs);
    } catch (e) {
      if (e instanceof HostError && e.errno === 'ETIMEDOUT') {
        throw new CniError(CniCode.TryAgainLater, `timed out after ${this.options.lockTimeoutMs / 1000} s waiting for ${what}`,
          'another ADD or DEL holds it; try again later');
      }
      throw new CniError(CniCode.IoFailure, `cannot lock ${what}`, (e as Error).message);
    }
  }

  /** A claim protects its VF while its owner's namespace lives (or the owner is this call). */
  private claimHolds(claim: VfClaim | null, req: CniRequest): claim is VfClaim {
    if (!claim || ownsClaim(claim, req.containerId, req.ifname)) return false;
    if (claim.netns && this.host.links.netnsExists(claim.netns)) return true;
    // The owner's namespace is gone; so is the owner, unless its attachment record says otherwise.
    const owner = this.records.readAttachmentSafe(claim.containerId, claim.ifname);
    return owner !== null && owner.phase === 'adding' && owner.pid !== this.options.pid && this.pidAlive(owner.pid);
  }

  private pidAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  // ------------------------------------------------------------------ VF selection

  /** Chooses the VF and takes its lock and claim. */
  private claim(config: SriovConfig, req: CniRequest): { vf: VfRef; lock: Lock } {
    const { selector } = config;
    const { userspaceDrivers } = this.options;
    if (selector.kind === 'physnet') throw new Error('physnet is claimed through the resource model (claimThroughModel)');
    if (selector.kind === 'deviceID' || selector.vf !== null) {
      let vf: VfRef;
      if (selector.kind === 'deviceID') {
        vf = resolveDevice(this.host.sysfs, selector.pci, userspaceDrivers);
      } else {
        const all = listPfVfs(this.host.sysfs, 'master', selector.pf, userspaceDrivers);
        const found = all.find((v) => v.index === selector.vf);
        if (!found) throw new CniError(SriovCode.DeviceUnusable, `"vf": ${selector.vf} does not exist on ${selector.pf}, which has ${all.length} VFs`);
        vf = found;
      }
      const lock = this.acquire(vfLock(vf.pci), `VF ${vf.pci}`);
      try {
        const holder = this.records.readClaim(vf.pci);
        if (this.claimHolds(holder, req)) {
          throw new CniError(SriovCode.VfInUse, `VF ${vf.pci} (${vf.pf} VF ${vf.index}) is already in use`,
            `held by container ${holder.containerId} as ${holder.ifname} in ${holder.netns}`);
        }
        this.reclaimIfStale(holder, req);
        // Re-resolve under the lock: the previous holder's DEL may have just given the netdev back.
        const fresh = selector.kind === 'deviceID' ? resolveDevice(this.host.sysfs, vf.pci, userspaceDrivers) : vf;
        if (!isUsable(fresh)) throw notUsable(fresh);
        this.writeClaim(config, req, fresh);
        return { vf: fresh, lock };
      } catch (e) {
        lock.release();
        throw e;
      }
    }
    // `master` without `vf`: the first free VF, chosen under the PF's lock so that two ADDs
    // never pick the same one.
    const pf = selector.pf;
    const pfl = this.acquire(pfLock(pf), `PF ${pf}`);
    try {
      const vfs = listPfVfs(this.host.sysfs, 'master', pf, userspaceDrivers);
      let inUse = 0;
      for (const vf of vfs) {
        const holder = this.records.readClaim(vf.pci);
        if (this.claimHolds(holder, req)) { inUse++; continue; }
        const lock = this.host.locks.tryAcquire(vfLock(vf.pci));
        if (!lock) { inUse++; continue; }
        try {
          this.reclaimIfStale(holder, req);
          const fresh = holder ? listPfVfs(this.host.sysfs, 'master', pf, userspaceDrivers).find((v) => v.pci === vf.pci) ?? vf : vf;
          if (!isUsable(fresh)) { lock.release(); inUse++; continue; }
          this.writeClaim(config, req, fresh);
          return { vf: fresh, lock };
        } catch (e) {
          lock.release();
          throw e;
        }
      }
      throw new CniError(SriovCode.NoFreeVf, `no free VF on ${pf}: all ${vfs.length} VFs are in use (${inUse} held)`,
        'release one (delete a container using it) or create more VFs (sriov_numvfs)');
    } finally {
      pfl.release();
    }
  }

  /**
   * A claim whose owner is gone (its namespace died and no DEL came) still has the VF configured
   * for that owner: give it back first, from the owner's record, so the next owner starts from
   * the VF's original state and the late DEL, finding no record, leaves the VF alone.
   */
  private reclaimIfStale(holder: VfClaim | null, req: CniRequest): void {
    if (!holder || ownsClaim(holder, req.containerId, req.ifname)) return;
    const record = this.records.readAttachmentSafe(holder.containerId, holder.ifname);
    if (record) {
      this.log.warning(`VF ${holder.pci} was left by ${holder.containerId}/${holder.ifname} (namespace gone, no DEL); restoring it first`);
      this.release(record, '', this.log);
      if (record.model) this.staleModelClaims.push(record);
    } else {
      this.records.removeClaim(holder.pci);
    }
  }

  /** The model this config's claims go to: its `placement` service, else the embedded store. */
  private model(config: SriovConfig): VfAccounting | null {
    const target = config.placement?.url ?? this.options.embeddedModel;
    return target && this.options.accountingFor ? this.options.accountingFor(target) : null;
  }

  /** This host's SR-IOV PFs in the host namespace: provider UUID → netdev name. */
  private localPfs(): Map<string, string> {
    const local = new Map<string, string>();
    if (!this.options.pfProvider) return local;
    for (const entry of this.host.sysfs.list('sys/class/net') ?? []) {
      const pci = this.host.sysfs.linkName(`sys/class/net/${entry}/device`);
      if (pci && this.host.sysfs.read(`sys/bus/pci/devices/${pci}/sriov_totalvfs`) !== null) local.set(this.options.pfProvider(pci), entry);
    }
    return local;
  }

  private static physnetTrait(physnet: string): string {
    return `CUSTOM_PHYSNET_${physnet.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  }

  private static unreachable(model: VfAccounting, what: string, e: unknown): CniError {
    return new CniError(CniCode.TryAgainLater, `cannot ${what} in the resource model at ${model.target}`, (e as Error).message);
  }

  /**
   * The PFs a model-claimed ADD may take a VF from, in order. `physnet`: this host's PFs with
   * that physical network's trait and room, from the model. `master`: that PF, when the model
   * has it; null when it does not and the model is only the embedded default (a host nobody
   * registered: the ledger alone accounts for its VFs).
   */
  private async modelPfs(config: SriovConfig, model: VfAccounting): Promise<Array<{ provider: string; pf: string }> | null> {
    const { selector } = config;
    if (selector.kind === 'physnet') {
      const local = this.localPfs();
      const trait = SriovPlugin.physnetTrait(selector.physnet);
      let candidates: string[];
      try {
        candidates = await model.candidatePfs(trait);
      } catch (e) {
        throw SriovPlugin.unreachable(model, `look for PFs on physnet "${selector.physnet}"`, e);
      }
      const mine = candidates.filter((p) => local.has(p)).map((provider) => ({ provider, pf: local.get(provider)! }));
      if (mine.length === 0 && !(await this.knowsAnyOf(model, [...local.keys()]))) {
        // Not "no free VF": the model has never heard of this host.
        throw new CniError(CniCode.InvalidConfig, `"physnet": this host's PFs are not registered in the resource model at ${model.target}`,
          config.placement ? 'run vfnet agent --placement URL on this host (with the same --hostname as VFNET_HOSTNAME)'
            : 'register this host in the embedded store: vfnet agent --db (with the same --hostname as VFNET_HOSTNAME), or give "placement": {"url": ...}');
      }
      return mine;
    }
    if (selector.kind !== 'master') return null;
    const pci = this.host.sysfs.linkName(`sys/class/net/${selector.pf}/device`);
    const provider = pci && this.options.pfProvider ? this.options.pfProvider(pci) : undefined;
    let known = false;
    try {
      known = provider !== undefined && (await model.knows(provider));
    } catch (e) {
      throw SriovPlugin.unreachable(model, `look up PF ${selector.pf}`, e);
    }
    if (known) return [{ provider: provider!, pf: selector.pf }];
    if (config.placement) {
      throw new CniError(SriovCode.DeviceUnusable, `PF ${selector.pf} is not registered in ${config.placement.url}`,
        'run vfnet agent --placement URL on this host (with the same --hostname), or omit "placement" to use the embedded store');
    }
    this.log.debug(`PF ${selector.pf} is not in the embedded store ${model.target}; the ledger alone accounts for its VFs`);
    return null;
  }

  private async knowsAnyOf(model: VfAccounting, providers: string[]): Promise<boolean> {
    try {
      for (const p of providers) if (await model.knows(p)) return true;
      return false;
    } catch (e) {
      throw SriovPlugin.unreachable(model, 'look up this host\'s PFs', e);
    }
  }

  /**
   * A VF picked through the model: claimed there first (SRIOV_NET_VF: 1 by this attachment's
   * consumer), then picked locally on that PF. A PF whose local VFs are all busy gives its
   * claim back and the next one is tried. null: the model does not cover this `master` PF.
   */
  private async claimThroughModel(config: SriovConfig, req: CniRequest, model: VfAccounting): Promise<{ vf: VfRef; lock: Lock; consumer: string } | null> {
    const pfs = await this.modelPfs(config, model);
    if (pfs === null) return null;
    const { selector } = config;
    const consumer = attachmentConsumer(req.containerId, req.ifname);
    let lastLocal: CniError | null = null;
    let refused = 0;
    for (const { provider, pf } of pfs) {
      let claimed: boolean;
      try {
        claimed = await model.claim(consumer, provider, config.name);
      } catch (e) {
        throw SriovPlugin.unreachable(model, `claim a VF of ${pf}`, e);
      }
      if (!claimed) { refused++; continue; }
      try {
        return { ...this.claim({ ...config, selector: { kind: 'master', pf, vf: selector.kind === 'master' ? selector.vf : null } }, req), consumer };
      } catch (e) {
        await model.release(consumer).catch((err: Error) => this.log.error(`cannot give back the model claim ${consumer}: ${err.message}`));
        if (e instanceof CniError && e.code === SriovCode.NoFreeVf) { lastLocal = e; continue; }
        throw e;
      }
    }
    if (selector.kind === 'master') {
      throw lastLocal ?? new CniError(SriovCode.NoFreeVf, `no free VF on ${selector.pf}: the resource model at ${model.target} has all of its VFs allocated`,
        'release one (delete a container or instance using it), or raise its SRIOV_NET_VF inventory (sriov_numvfs, then vfnet agent)');
    }
    const physnet = selector.kind === 'physnet' ? selector.physnet : '';
    throw new CniError(SriovCode.NoFreeVf, `no free VF on physnet "${physnet}" (trait ${SriovPlugin.physnetTrait(physnet)}) on this host`,
      `${pfs.length} PF(s) of this host had room in ${model.target}${refused ? ` (${refused} filled up meanwhile)` : ''}, and none had a free VF left`);
  }

  private writeClaim(config: SriovConfig, req: CniRequest, vf: VfRef): void {
    this.records.writeClaim({ pci: vf.pci, network: config.name, containerId: req.containerId, ifname: req.ifname, netns: req.netns, at: new Date().toISOString() });
  }

  // ------------------------------------------------------------------ ADD

  add(req: CniRequest): CniResult | Promise<CniResult> {
    const config = this.config(req);
    if (!this.host.links.netnsExists(req.netns)) {
      throw new CniError(CniCode.InvalidEnvironment, `CNI_NETNS ${JSON.stringify(req.netns)} is not a network namespace`);
    }
    const previous = this.records.readAttachmentSafe(req.containerId, req.ifname);
    if (previous?.phase === 'added') {
      throw new CniError(SriovCode.VfInUse, `container ${req.containerId} already has ${req.ifname} on VF ${previous.vf.pci}`,
        'DEL it first');
    }
    if (previous) this.release(previous, previous.netns, this.log);

    const model = config.selector.kind === 'deviceID' ? null : this.model(config);
    if (config.selector.kind === 'physnet' && !model) {
      throw new CniError(CniCode.InvalidConfig, `"physnet": picking a VF by physical network needs the resource model`,
        'give "placement": {"url": "http://HOST:8778"} (a vfnet serve or Placement where vfnet agent registered this host), or register this host in the embedded store with vfnet agent --db');
    }
    if (model) return this.addThroughModel(config, req, model);
    return this.addLocally(config, req);
  }

  /** ADD with the VF accounted for by the ledger alone (deviceID, or a PF no model has). */
  private addLocally(config: SriovConfig, req: CniRequest): CniResult | Promise<CniResult> {
    const { vf, lock } = this.claim(config, req);
    let result: CniResult;
    try {
      result = this.attach(config, req, vf, null);
    } finally {
      lock.release();
    }
    return this.staleModelClaims.length ? this.releaseStaleModelClaims().then(() => result) : result;
  }

  private async releaseStaleModelClaims(): Promise<void> {
    for (const r of this.staleModelClaims.splice(0)) {
      await this.releaseModelClaim(r).catch((e: Error) => this.log.error(`cannot release the model claim of ${r.containerId}/${r.ifname}: ${e.message}`));
    }
  }

  private async addThroughModel(config: SriovConfig, req: CniRequest, model: VfAccounting): Promise<CniResult> {
    const claimed = await this.claimThroughModel(config, req, model);
    if (!claimed) return this.addLocally(config, req);
    const { vf, lock, consumer } = claimed;
    try {
      const result = this.attach(config, req, vf, { url: model.target, consumer });
      await this.releaseStaleModelClaims();
      return result;
    } catch (e) {
      await model.release(consumer).catch((err: Error) => this.log.error(`rollback: cannot release ${consumer}: ${err.message}`));
      throw e;
    } finally {
      lock.release();
    }
  }

  private attach(config: SriovConfig, req: CniRequest, vf: VfRef, model: AttachmentRecord['model']): CniResult {
    const journal = new Journal();
    journal.record(`release the claim on ${vf.pci}`, () => this.records.removeClaim(vf.pci));
    let netdevOrig: NetdevOriginal | null = null;
    let pfOrig: VfConfig | null = null;
    try {
      pfOrig = this.settings.read(vf);
      if (!vf.dpdk) {
        const link = this.netdevs.inspect(null, vf.netdev!);
        if (!link) throw new CniError(SriovCode.DeviceUnusable, `VF ${vf.pci}: its interface ${vf.netdev} is not in the host namespace`);
        netdevOrig = { name: link.name, mac: link.mac.toLowerCase(), mtu: link.mtu, up: link.up, ifindex: link.ifindex };
        // A PF that lists the VF's own MAC is echoing what the VF reported (igbvf), not holding an
        // admin MAC: restoring it as one would lock the VF to it. The original admin MAC is none.
        if (pfOrig.mac.toLowerCase() === netdevOrig.mac && pfOrig.mac.toLowerCase() !== ZERO_MAC) pfOrig = { ...pfOrig, mac: ZERO_MAC };
      }
      const record: AttachmentRecord = {
        schema: RECORD_SCHEMA, network: config.name, containerId: req.containerId, ifname: req.ifname, netns: req.netns,
        vf, configured: configuredSettings(config), original: { pf: pfOrig, netdev: netdevOrig }, ipamType: config.ipamType ?? null,
        phase: 'adding', result: null, pid: this.options.pid, createdAt: new Date().toISOString(), model,
      };
      // The original state is on disk before the first change: a crash anywhere after this is undone by DEL or GC.
      this.records.writeAttachment(record);
      journal.record('remove the attachment record', () => this.records.removeAttachment(req.containerId, req.ifname));

      this.settings.apply(vf, record.configured, pfOrig, journal);

      let ipam: CniResult | null = null;
      if (config.ipamType) {
        ipam = this.ipam('ADD', req);
        journal.record(`release the ${config.ipamType} addresses`, () => { this.ipam('DEL', req); });
        if (ipam && ipam.ips.length === 0) {
          throw new CniError(CniCode.InvalidConfig, `IPAM plugin ${config.ipamType} returned no IP addresses`);
        }
      }

      let mac = config.mac ?? (pfOrig.mac !== '00:00:00:00:00:00' ? pfOrig.mac.toLowerCase() : undefined);
      let mtu: number | undefined;
      if (!vf.dpdk) {
        const link = this.netdevs.attach(netdevOrig!, req.netns, req.ifname, config.mac, vf.dpdk ? null : ipam, journal);
        mac = link.mac.toLowerCase();
        mtu = link.mtu;
      }

      const result = this.result(req, vf, mac, mtu, ipam, config);
      this.records.writeAttachment({ ...record, phase: 'added', result });
      journal.commit();
      this.log.info(`attached VF ${vf.pci} (${vf.pf} VF ${vf.index}${vf.dpdk ? `, ${vf.driver}` : `, was ${vf.netdev}`}) as ${req.ifname}`);
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
        throw new CniError(e.code, e.msg, [e.details, `rollback incomplete: ${failures.map((f) => `${f.step}: ${f.error.message}`).join('; ')}`].filter(Boolean).join('; '));
      }
      throw e;
    }
  }

  private result(req: CniRequest, vf: VfRef, mac: string | undefined, mtu: number | undefined, ipam: CniResult | null, config: SriovConfig): CniResult {
    const base = req.prevResult ?? emptyResult();
    const index = base.interfaces.length;
    const iface: CniResult['interfaces'][number] = { name: req.ifname, sandbox: req.netns, pciID: vf.pci };
    if (mac) iface.mac = mac;
    if (mtu) iface.mtu = mtu;
    const result: CniResult = {
      interfaces: [...base.interfaces, iface],
      ips: [...base.ips, ...(ipam?.ips ?? []).map((ip) => ({ ...ip, interface: index }))],
      routes: [...base.routes, ...(ipam?.routes ?? [])],
      dns: ipam && Object.keys(ipam.dns).length ? ipam.dns : base.dns,
    };
    const dns = req.config.dns;
    if (!Object.keys(result.dns).length && dns && typeof dns === 'object') result.dns = dns as CniResult['dns'];
    void config;
    return result;
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
    let record: AttachmentRecord | null;
    try {
      record = this.records.readAttachment(req.containerId, req.ifname);
    } catch (e) {
      this.log.warning(`corrupt attachment record for ${req.containerId}/${req.ifname} removed: ${(e as Error).message}`);
      this.records.removeAttachment(req.containerId, req.ifname);
      record = null;
    }
    if (record && config && record.network !== config.name) {
      // An attachment is (network, containerID, ifname): this one belongs to another network,
      // whose own DEL will release it. Only this network's addresses are ours to give back.
      this.log.warning(`DEL of network ${config.name}: ${req.containerId}/${req.ifname} is attached to network ${record.network}; leaving it alone`);
      if (config.ipamType) this.ipam('DEL', req);
      return;
    }
    const ipamType = record?.ipamType ?? config?.ipamType ?? null;
    if (!record) {
      // Nothing of ours is recorded (never added, already deleted, or the node was wiped):
      // release the addresses and any claim a crashed ADD left before its record.
      if (ipamType) this.ipam('DEL', req);
      for (const c of this.records.allClaims()) {
        if (ownsClaim(c, req.containerId, req.ifname)) this.records.removeClaim(c.pci);
      }
      this.log.debug('DEL: no attachment record; nothing to restore');
      // An ADD that died between its model claim and its record leaves only the claim.
      const model = config && config.selector.kind !== 'deviceID' ? this.model(config) : null;
      if (model) {
        return model.release(attachmentConsumer(req.containerId, req.ifname)).catch((e: Error) => {
          throw SriovPlugin.unreachable(model, `release the claim of ${req.containerId}/${req.ifname}`, e);
        });
      }
      return;
    }
    const lock = this.acquire(vfLock(record.vf.pci), `VF ${record.vf.pci}`);
    try {
      // Runtimes may DEL twice at once (podman's stop and conmon's cleanup): the record read
      // before the lock may be gone now, and then the other DEL has done the work.
      const current = this.records.readAttachmentSafe(req.containerId, req.ifname);
      if (!current || current.createdAt !== record.createdAt) {
        if (ipamType) this.ipam('DEL', req);
        this.log.debug('DEL: another DEL released this attachment meanwhile');
        return;
      }
      const claim = this.records.readClaim(record.vf.pci);
      if (claim && !ownsClaim(claim, req.containerId, req.ifname)) {
        // A newer ADD owns this VF now (our netns died and the VF was reclaimed): never reset it.
        this.log.warning(`VF ${record.vf.pci} now belongs to ${claim.containerId}/${claim.ifname}; leaving it alone`);
        if (ipamType) this.ipam('DEL', req);
        this.records.removeAttachment(req.containerId, req.ifname);
        return;
      }
      // IPAM first: if it fails, the record stays and the runtime's retry finds everything as it was.
      if (ipamType) this.ipam('DEL', req);
      const errors = this.release(record, req.netns, this.log);
      if (errors.length) {
        throw new CniError(SriovCode.NetdevFailed, `VF ${record.vf.pci} was released, but not everything could be restored`, errors.join('; '));
      }
    } finally {
      lock.release();
    }
    if (record.model) return this.releaseModelClaim(record);
  }

  /** The VF's claim in the resource model goes last: the VF is free on the host by then. */
  private async releaseModelClaim(record: AttachmentRecord): Promise<void> {
    const { url, consumer } = record.model!;
    if (!this.options.accountingFor) return;
    try {
      await this.options.accountingFor(url).release(consumer);
    } catch (e) {
      throw new CniError(CniCode.TryAgainLater, `VF ${record.vf.pci} is back, but its claim ${consumer} in ${url} could not be released`, (e as Error).message);
    }
  }

  /**
   * Gives a VF back: PF-level state first (some drivers cannot reset a netdev's MAC while an
   * admin MAC is set), then the netdev, then the claim and the record. The record and claim go
   * even when a step fails, so a retried DEL cannot loop forever (sriov-cni #178); the failures
   * are returned for the caller to report once.
   */
  private release(record: AttachmentRecord, netns: string, log: Logger): string[] {
    const errors = this.settings.restore(record.vf, record.configured, record.original.pf).map((e) => e.message);
    const orig = record.original.netdev;
    if (orig && !record.vf.dpdk) {
      try {
        const places = [...new Set([netns, record.netns].filter((p) => p !== ''))];
        const hostNow = this.currentHostName(record.vf);
        if (!this.netdevs.returnHome(orig, places, record.ifname, hostNow)) {
          log.warning(`VF ${record.vf.pci}: its interface is nowhere to be found (namespace gone, VF removed?)`);
        } else {
          this.netdevs.settleHostMac(orig);
          log.info(`released VF ${record.vf.pci}: ${orig.name} is back in the host (looked in ${places.join(', ') || 'no namespace'}${hostNow ? `, host had ${hostNow}` : ''})`);
        }
      } catch (e) {
        errors.push(`returning ${record.ifname} to the host as ${orig.name}: ${(e as Error).message}`);
      }
    }
    const macError = this.settings.reassertMac(record.vf, record.original.pf.mac.toLowerCase());
    if (macError) errors.push(macError.message);
    for (const e of errors) log.error(e);
    const claim = this.records.readClaim(record.vf.pci);
    if (claim && ownsClaim(claim, record.containerId, record.ifname)) this.records.removeClaim(record.vf.pci);
    this.records.removeAttachment(record.containerId, record.ifname);
    return errors;
  }

  /** The VF's netdev name in the host right now, from sysfs (the kernel's view). */
  private currentHostName(vf: VfRef): string | null {
    return this.host.sysfs.list(`sys/bus/pci/devices/${vf.pci}/net`)?.[0] ?? null;
  }

  // ------------------------------------------------------------------ CHECK

  check(req: CniRequest): void {
    const config = this.config(req);
    const record = this.records.readAttachment(req.containerId, req.ifname);
    const fail = (what: string) => new CniError(SriovCode.CheckFailed, `CHECK of ${req.containerId}/${req.ifname} failed: ${what}`);
    if (!record || record.phase !== 'added') throw fail('no attachment was made (no record)');
    const claim = this.records.readClaim(record.vf.pci);
    if (!claim || !ownsClaim(claim, req.containerId, req.ifname)) throw fail(`VF ${record.vf.pci} is not claimed by this attachment`);
    const problems = this.settings.differences(record.vf, configuredSettings(config));
    if (!record.vf.dpdk) {
      const link = this.netdevs.inspect(req.netns, req.ifname);
      if (!link) {
        problems.push(`${req.ifname} is not in ${req.netns}`);
      } else {
        const expectedMac = record.result?.interfaces.find((i) => i.name === req.ifname)?.mac;
        if (expectedMac && link.mac.toLowerCase() !== expectedMac) problems.push(`${req.ifname} has MAC ${link.mac}, expected ${expectedMac}`);
        if (!link.up) problems.push(`${req.ifname} is down`);
      }
    }
    if (req.prevResult) {
      const iface = req.prevResult.interfaces.find((i) => i.name === req.ifname && i.sandbox === req.netns);
      if (!iface) problems.push(`prevResult has no interface ${req.ifname} in ${req.netns}`);
    }
    if (problems.length) throw fail(problems.join('; '));
    if (config.ipamType) this.ipam('CHECK', req);
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
    try {
      if (selector.kind === 'deviceID') {
        const vf = resolveDevice(this.host.sysfs, selector.pci, this.options.userspaceDrivers);
        if (!isUsable(vf) && !this.claimHolds(this.records.readClaim(vf.pci), req)) throw notUsable(vf);
      } else if (selector.kind === 'master') {
        const vfs = listPfVfs(this.host.sysfs, 'master', selector.pf, this.options.userspaceDrivers)
          .filter((v) => selector.vf === null || v.index === selector.vf);
        const free = vfs.filter((v) => isUsable(v) && !this.claimHolds(this.records.readClaim(v.pci), req));
        if (free.length === 0) throw unavailable(`no free VF on ${selector.pf}`);
      } else {
        return this.physnetStatus(config, req, selector.physnet, unavailable);
      }
    } catch (e) {
      if (e instanceof CniError && e.code === CniCode.NotAvailable) throw e;
      throw unavailable((e as Error).message);
    }
    if (config.ipamType) this.forwardTolerantly('STATUS', req);
  }

  /** `physnet` can ADD when the model is reachable and has room on one of this host's PFs. */
  private async physnetStatus(config: SriovConfig, req: CniRequest, physnet: string, unavailable: (why: string) => CniError): Promise<void> {
    const model = this.model(config);
    if (!model) throw unavailable('"physnet" needs the resource model: a "placement" URL, or this host registered with vfnet agent --db');
    let pfs: Array<{ provider: string; pf: string }> | null;
    try {
      pfs = await this.modelPfs(config, model);
    } catch (e) {
      throw unavailable(e instanceof CniError ? e.msg : (e as Error).message);
    }
    if (!pfs?.length) throw unavailable(`no PF of this host on physnet "${physnet}" has room in ${model.target}`);
    if (config.ipamType) this.forwardTolerantly('STATUS', req);
  }

  /** Delegates a 1.1.0 command to IPAM plugins that speak 1.1.0; older ones have nothing to say. */
  private forwardTolerantly(op: 'STATUS' | 'GC', req: CniRequest): void {
    const find = this.options.findExecutable ? { find: this.options.findExecutable } : {};
    if (!delegateSupports('1.1.0', req, this.host.processes, find)) {
      this.log.debug(`IPAM plugin does not support CNI 1.1.0; not forwarding ${op}`);
      return;
    }
    this.ipam(op, req);
  }

  // ------------------------------------------------------------------ GC

  gc(req: CniRequest): void | Promise<void> {
    const config = this.config(req);
    const listed = validAttachments(req.config);
    const valid = listed ? new Set(listed.map((a) => `${a.containerID}\u0000${a.ifname}`)) : null;
    const errors: string[] = [];
    const modelReleases: AttachmentRecord[] = [];
    if (valid) {
      const records = this.records.allAttachments((name, e) => {
        this.log.warning(`GC: removing unreadable record ${name}: ${(e as Error).message}`);
        this.records.removeByName(name);
      });
      for (const r of records) {
        if (r.network !== config.name || valid.has(`${r.containerId}\u0000${r.ifname}`)) continue;
        const lock = this.acquire(vfLock(r.vf.pci), `VF ${r.vf.pci}`);
        try {
          this.log.info(`GC: releasing VF ${r.vf.pci} of stale attachment ${r.containerId}/${r.ifname}`);
          errors.push(...this.release(r, r.netns, this.log));
          if (r.model) modelReleases.push(r);
        } finally {
          lock.release();
        }
      }
    }
    const swept = this.host.state.sweepAbandoned((pid) => this.pidAlive(pid));
    if (swept) this.log.info(`GC: removed ${swept} temporary file(s) of killed writes`);
    // Claims without a record were left by an ADD that died before it wrote anything: nothing
    // was changed, so only the claim goes, once its attachment is not valid (or, without a
    // list, once its namespace is gone).
    for (const c of this.records.allClaims()) {
      if (c.network !== config.name) continue;
      if (this.records.readAttachmentSafe(c.containerId, c.ifname)) continue;
      const stillValid = valid ? valid.has(`${c.containerId}\u0000${c.ifname}`) : Boolean(c.netns && this.host.links.netnsExists(c.netns));
      if (stillValid) continue;
      this.records.removeClaim(c.pci);
    }
    if (config.ipamType) this.forwardTolerantly('GC', req);
    if (errors.length) throw new CniError(SriovCode.NetdevFailed, 'GC released stale attachments, but not everything could be restored', errors.join('; '));
    const model = valid ? this.model(config) : null;
    if (!modelReleases.length && !model) return;
    return (async () => {
      for (const r of modelReleases) await this.releaseModelClaim(r);
      if (model && valid) await this.collectModelClaims(config, model, valid);
    })();
  }

  /**
   * Claims in the model that no attachment stands behind (an ADD killed between its model claim
   * and its record, with no DEL after): this network's attachment consumers on this host's PFs
   * that are neither valid nor recorded are released.
   */
  private async collectModelClaims(config: SriovConfig, model: VfAccounting, valid: Set<string>): Promise<void> {
    const keep = new Set<string>();
    for (const key of valid) {
      const [containerId, ifname] = key.split('\u0000') as [string, string];
      keep.add(attachmentConsumer(containerId, ifname));
    }
    for (const r of this.records.allAttachments(() => undefined)) {
      if (r.model) keep.add(r.model.consumer);
    }
    let held: string[];
    try {
      held = await model.attachmentsOn([...this.localPfs().keys()], config.name);
    } catch (e) {
      throw SriovPlugin.unreachable(model, 'list the claims on this host', e);
    }
    for (const consumer of held) {
      if (keep.has(consumer)) continue;
      this.log.info(`GC: releasing model claim ${consumer} in ${model.target}: no attachment holds it`);
      await model.release(consumer).catch((e: Error) => { throw SriovPlugin.unreachable(model, `release ${consumer}`, e); });
    }
  }
}
