// The plugin's claims in the resource model (VfAccounting): for `physnet` and `master`, a VF is
// claimed there (SRIOV_NET_VF: 1 by the attachment's consumer) before it is picked on the host,
// and given back after the host has it back. Also what STATUS and GC need from the model.
import { CniCode, CniError, type Attachment, type CniRequest } from '../cni/index.js';
import type { Logger } from '../host/log.js';
import type { Sysfs } from '../host/ports.js';
import { attachmentConsumer, type VfAccounting } from '../accounting/port.js';
import type { SriovConfig } from './config.js';
import { SriovCode } from './errors.js';
import type { AttachmentRecord, Records } from './records.js';
import type { PickedVf, VfPicker } from './vf-picker.js';

export interface ModelClaimsOptions {
  /**
   * The resource model at a target: a Placement URL (`"placement": {"url": ...}`), or the
   * embedded store's `file:` URL. Absent: no model, so `physnet` is unavailable.
   */
  accountingFor?: (target: string) => VfAccounting;
  /** The embedded store's `file:` URL, the model when the config names no `placement`. */
  embeddedModel?: string;
  /** The provider UUID of one of this host's PFs, by PF PCI address (as `vfnet agent` registers it). */
  pfProvider?: (pfPci: string) => string;
}

export interface ModelPickedVf extends PickedVf {
  /** The attachment's consumer in the model, which holds the VF's claim there. */
  consumer: string;
}

interface ModelPf {
  provider: string;
  pf: string;
}

const physnetTrait = (physnet: string) => `CUSTOM_PHYSNET_${physnet.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

function unreachable(model: VfAccounting, what: string, e: unknown): CniError {
  return new CniError(CniCode.TryAgainLater, `cannot ${what} in the resource model at ${model.target}`, (e as Error).message);
}

export class ModelClaims {
  constructor(
    private readonly sysfs: Sysfs,
    private readonly records: Records,
    /** Picks the VF on a PF once the model has granted a claim on it. */
    private readonly picker: VfPicker,
    private readonly log: Logger,
    private readonly options: ModelClaimsOptions,
  ) {}

  /** The model this config's claims go to: its `placement` service, else the embedded store. */
  modelFor(config: SriovConfig): VfAccounting | null {
    const target = config.placement?.url ?? this.options.embeddedModel;
    return target && this.options.accountingFor ? this.options.accountingFor(target) : null;
  }

  /**
   * A VF picked through the model: claimed there first, then picked on the host on that PF. A PF
   * whose local VFs are all busy gives its claim back and the next one is tried. null: the model
   * does not cover this `master` PF, and the ledger alone accounts for it.
   */
  async pick(config: SriovConfig, req: CniRequest, model: VfAccounting, reclaimed: AttachmentRecord[]): Promise<ModelPickedVf | null> {
    const pfs = await this.candidatePfs(config, model);
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
        throw unreachable(model, `claim a VF of ${pf}`, e);
      }
      if (!claimed) { refused++; continue; }
      try {
        const vf = selector.kind === 'master' ? selector.vf : null;
        return { ...this.picker.pick({ kind: 'master', pf, vf }, config.name, req, reclaimed), consumer };
      } catch (e) {
        await this.giveBack(model, consumer, `cannot give back the model claim ${consumer}`);
        if (e instanceof CniError && e.code === SriovCode.NoFreeVf) { lastLocal = e; continue; }
        throw e;
      }
    }
    if (selector.kind === 'master') {
      throw lastLocal ?? new CniError(SriovCode.NoFreeVf, `no free VF on ${selector.pf}: the resource model at ${model.target} has all of its VFs allocated`,
        'release one (delete a container or instance using it), or raise its SRIOV_NET_VF inventory (sriov_numvfs, then vfnet agent)');
    }
    const physnet = selector.kind === 'physnet' ? selector.physnet : '';
    throw new CniError(SriovCode.NoFreeVf, `no free VF on physnet "${physnet}" (trait ${physnetTrait(physnet)}) on this host`,
      `${pfs.length} PF(s) of this host had room in ${model.target}${refused ? ` (${refused} filled up meanwhile)` : ''}, and none had a free VF left`);
  }

  /** Gives a claim back on a path that is failing anyway: a failure here is logged, not thrown. */
  async giveBack(model: VfAccounting, consumer: string, failure: string): Promise<void> {
    await model.release(consumer).catch((e: Error) => this.log.error(`${failure}: ${e.message}`));
  }

  /** The VF's claim goes last: the VF is free on the host by then. */
  async release(record: AttachmentRecord): Promise<void> {
    const { url, consumer } = record.model!;
    if (!this.options.accountingFor) return;
    try {
      await this.options.accountingFor(url).release(consumer);
    } catch (e) {
      throw new CniError(CniCode.TryAgainLater, `VF ${record.vf.pci} is back, but its claim ${consumer} in ${url} could not be released`, (e as Error).message);
    }
  }

  /** The claims of dead owners whose VFs this call gave back; a failure is logged, the call goes on. */
  async releaseReclaimed(reclaimed: readonly AttachmentRecord[]): Promise<void> {
    for (const r of reclaimed) {
      await this.release(r).catch((e: Error) => this.log.error(`cannot release the model claim of ${r.containerId}/${r.ifname}: ${e.message}`));
    }
  }

  /** The claim of an attachment that has no record: an ADD that died between its model claim and its record. */
  async releaseUnrecorded(model: VfAccounting, containerId: string, ifname: string): Promise<void> {
    await model.release(attachmentConsumer(containerId, ifname)).catch((e: Error) => {
      throw unreachable(model, `release the claim of ${containerId}/${ifname}`, e);
    });
  }

  /** Why a `physnet` ADD could not succeed now, or null when the model has room on one of this host's PFs. */
  async physnetUnavailable(config: SriovConfig, physnet: string): Promise<string | null> {
    const model = this.modelFor(config);
    if (!model) return '"physnet" needs the resource model: a "placement" URL, or this host registered with vfnet agent --db';
    let pfs: ModelPf[] | null;
    try {
      pfs = await this.candidatePfs(config, model);
    } catch (e) {
      return e instanceof CniError ? e.msg : (e as Error).message;
    }
    if (!pfs?.length) return `no PF of this host on physnet "${physnet}" has room in ${model.target}`;
    return null;
  }

  /**
   * Claims in the model that no attachment stands behind (an ADD killed between its model claim
   * and its record, with no DEL after): this network's attachment consumers on this host's PFs
   * that are neither valid nor recorded are released.
   */
  async collect(config: SriovConfig, model: VfAccounting, valid: readonly Attachment[]): Promise<void> {
    const keep = new Set(valid.map((a) => attachmentConsumer(a.containerID, a.ifname)));
    for (const r of this.records.allAttachments(() => undefined)) {
      if (r.model) keep.add(r.model.consumer);
    }
    let held: string[];
    try {
      held = await model.attachmentsOn([...this.localPfs().keys()], config.name);
    } catch (e) {
      throw unreachable(model, 'list the claims on this host', e);
    }
    for (const consumer of held) {
      if (keep.has(consumer)) continue;
      this.log.info(`GC: releasing model claim ${consumer} in ${model.target}: no attachment holds it`);
      await model.release(consumer).catch((e: Error) => { throw unreachable(model, `release ${consumer}`, e); });
    }
  }

  /**
   * The PFs a model-claimed ADD may take a VF from, in order. `physnet`: this host's PFs with
   * that physical network's trait and room, from the model. `master`: that PF, when the model
   * has it; null when it does not and the model is only the embedded default (a host nobody
   * registered: the ledger alone accounts for its VFs).
   */
  private async candidatePfs(config: SriovConfig, model: VfAccounting): Promise<ModelPf[] | null> {
    const { selector } = config;
    if (selector.kind === 'physnet') {
      const local = this.localPfs();
      let candidates: string[];
      try {
        candidates = await model.candidatePfs(physnetTrait(selector.physnet));
      } catch (e) {
        throw unreachable(model, `look for PFs on physnet "${selector.physnet}"`, e);
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
    const pci = this.sysfs.linkName(`sys/class/net/${selector.pf}/device`);
    const provider = pci && this.options.pfProvider ? this.options.pfProvider(pci) : undefined;
    let known = false;
    try {
      known = provider !== undefined && (await model.knows(provider));
    } catch (e) {
      throw unreachable(model, `look up PF ${selector.pf}`, e);
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
      throw unreachable(model, 'look up this host\'s PFs', e);
    }
  }

  /** This host's SR-IOV PFs in the host namespace: provider UUID → netdev name. */
  private localPfs(): Map<string, string> {
    const local = new Map<string, string>();
    if (!this.options.pfProvider) return local;
    for (const entry of this.sysfs.list('sys/class/net') ?? []) {
      const pci = this.sysfs.linkName(`sys/class/net/${entry}/device`);
      if (pci && this.sysfs.read(`sys/bus/pci/devices/${pci}/sriov_totalvfs`) !== null) local.set(this.options.pfProvider(pci), entry);
    }
    return local;
  }
}
