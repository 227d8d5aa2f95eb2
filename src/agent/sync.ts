// One reconciliation pass: make a Placement service hold the discovered provider tree.
//
//  - providers are created parents first (root, NICs, PFs), renamed or re-parented when they differ;
//  - CUSTOM_* traits are created before any provider refers to them;
//  - inventories and traits are written with the provider generation just read; a 409
//    placement.concurrent_update means someone else wrote in between, so re-read and retry
//    (bounded);
//  - the agent owns only its classes (VCPU, MEMORY_MB, DISK_GB, SRIOV_NET_VF) and its traits
//    (traits.ts): anything else an operator put on its providers stays, and so do an operator's
//    `reserved` and `allocation_ratio`;
//  - an inventory never goes below what is allocated: Placement 8.0 itself allows a shrink below
//    usage (only removing an in-use class is 409 placement.inventory.inuse), but that would leave
//    consumers holding VFs that no longer exist, so the agent refuses and reports it;
//  - providers the agent named whose hardware is gone are deleted when nothing is allocated on
//    them, and reported (kept) otherwise.

import { isAgentNamed } from '../accounting/ids.js';
import { ErrorCode } from '../placement/errors.js';
import type { Discovery, InventorySpec, ProviderSpec } from './discover.js';
import { type PlacementApi, PlacementError, type ProviderRecord } from './placement-client.js';
import { isAgentTrait, isCustomTrait } from './traits.js';

export const MANAGED_CLASSES: ReadonlySet<string> = new Set(['VCPU', 'MEMORY_MB', 'DISK_GB', 'SRIOV_NET_VF']);

/** The agent's own problem codes; Placement's refusals keep Placement's code. */
export const SyncCode = {
  shrinkRefused: 'vfnet.agent.inventory_shrink_refused',
  vanishedInUse: 'vfnet.agent.provider_vanished_in_use',
  generationConflict: 'vfnet.agent.generation_conflict',
  parentNotSynced: 'vfnet.agent.parent_not_synced',
} as const;

export type ChangeKind = 'trait-created' | 'created' | 'renamed' | 'reparented' | 'inventory' | 'traits' | 'deleted';

export interface SyncChange {
  kind: ChangeKind;
  /** Provider name (or the trait, for trait-created). */
  subject: string;
  uuid: string | null;
  detail: string;
}

export interface SyncProblem {
  /** An agent code (SyncCode) or Placement's error code. */
  code: string;
  /** error: part of the tree is not as discovered; warning: held back on purpose, and reported. */
  severity: 'error' | 'warning';
  provider: string | null;
  uuid: string | null;
  message: string;
}

export interface SyncReport {
  changes: SyncChange[];
  problems: SyncProblem[];
  /** The pass stopped early (service unreachable, or an unexpected answer): set with `error`. */
  aborted: boolean;
  error: string | null;
}

export interface SyncOptions {
  /** Attempts per generation-checked write; default 5. */
  maxAttempts?: number;
}

/** 0 in sync; 1 the pass failed or part of the tree could not be written; 2 in sync except what was held back and reported. */
export function syncExitCode(r: SyncReport): 0 | 1 | 2 {
  if (r.aborted || r.problems.some((p) => p.severity === 'error')) return 1;
  return r.problems.length > 0 ? 2 : 0;
}

/** A Placement answer that means the service itself is not usable now: stop the pass. */
function isFatal(e: unknown): boolean {
  return (
    !(e instanceof PlacementError) ||
    e.status === 0 ||
    e.status >= 500 ||
    e.status === 401 ||
    e.status === 403 ||
    e.status === 406
  );
}

export interface InventoryPlan {
  next: Record<string, InventorySpec>;
  /** Classes held at their current total because the new one is below what is allocated. */
  refused: { rc: string; used: number; wanted: number; current: number }[];
  changed: boolean;
}

const sameInventory = (a: InventorySpec, b: InventorySpec) =>
  a.total === b.total &&
  a.reserved === b.reserved &&
  a.min_unit === b.min_unit &&
  a.max_unit === b.max_unit &&
  a.step_size === b.step_size &&
  a.allocation_ratio === b.allocation_ratio;

/** Classes the agent would lower or remove: only for these are usages needed. */
export function shrinkingClasses(
  current: Record<string, InventorySpec>,
  desired: Record<string, InventorySpec>,
): string[] {
  return Object.keys(current).filter((rc) => MANAGED_CLASSES.has(rc) && (desired[rc]?.total ?? 0) < current[rc]!.total);
}

/** Pure: the inventories to write, given what is there, what was discovered and what is used. */
export function planInventories(
  current: Record<string, InventorySpec>,
  desired: Record<string, InventorySpec>,
  usages: Record<string, number>,
): InventoryPlan {
  const next: Record<string, InventorySpec> = {};
  const refused: InventoryPlan['refused'] = [];
  // Classes the agent does not manage pass through untouched.
  for (const [rc, inv] of Object.entries(current)) if (!MANAGED_CLASSES.has(rc)) next[rc] = inv;
  for (const rc of new Set([...Object.keys(current), ...Object.keys(desired)])) {
    if (!MANAGED_CLASSES.has(rc)) continue;
    const cur = current[rc];
    const want = desired[rc];
    const used = usages[rc] ?? 0;
    if (cur && used > (want?.total ?? 0)) {
      refused.push({ rc, used, wanted: want?.total ?? 0, current: cur.total });
      next[rc] = cur;
      continue;
    }
    if (!want) continue;
    // An operator's reservation and overcommit survive, as long as they still fit the new total.
    next[rc] = cur
      ? { ...want, reserved: Math.min(cur.reserved, want.total), allocation_ratio: cur.allocation_ratio }
      : want;
  }
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  const changed = [...keys].some((rc) => !current[rc] || !next[rc] || !sameInventory(current[rc]!, next[rc]!));
  return { next, refused, changed };
}

/** Pure: the traits to write: the agent's discovered ones plus everything it does not own. */
export function planTraits(
  current: readonly string[],
  desired: readonly string[],
): { next: string[]; changed: boolean } {
  const next = [...new Set([...current.filter((t) => !isAgentTrait(t)), ...desired])].sort();
  const cur = [...current].sort();
  return { next, changed: next.length !== cur.length || next.some((t, i) => t !== cur[i]) };
}

function describeInventory(inv: Record<string, InventorySpec>): string {
  const parts = Object.entries(inv)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rc, i]) => `${rc}=${i.total}`);
  return parts.length ? parts.join(' ') : '(none)';
}

/** One pass over a Placement service. Never throws for Placement's answers: they are in the report. */
export class TreeSync {
  private readonly maxAttempts: number;
  private readonly changes: SyncChange[] = [];
  private readonly problems: SyncProblem[] = [];

  constructor(
    private readonly api: PlacementApi,
    opts: SyncOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? 5;
  }

  static async run(api: PlacementApi, d: Discovery, opts: SyncOptions = {}): Promise<SyncReport> {
    return new TreeSync(api, opts).pass(d);
  }

  private async pass(d: Discovery): Promise<SyncReport> {
    try {
      await this.ensureTraits(d.providers);
      const [root, ...rest] = d.providers;
      // One listing gives every provider already in this host's tree, with its name and parent.
      const tree = await this.api.listTree(root!.uuid);
      const known = new Map(tree.map((p) => [p.uuid, p]));
      const synced = new Set<string>();
      if (await this.syncProvider(root!, known)) {
        synced.add(root!.uuid);
        await this.removeVanished(tree, d);
      }
      for (const spec of rest) {
        if (spec.parentUuid !== null && !synced.has(spec.parentUuid)) {
          this.problem(SyncCode.parentNotSynced, 'error', spec, `not synced: its parent provider could not be written`);
          continue;
        }
        if (await this.syncProvider(spec, known)) synced.add(spec.uuid);
      }
      return this.report(null);
    } catch (e) {
      return this.report(e instanceof Error ? e.message : String(e));
    }
  }

  private report(error: string | null): SyncReport {
    return { changes: this.changes, problems: this.problems, aborted: error !== null, error };
  }

  private change(kind: ChangeKind, subject: string, uuid: string | null, detail: string): void {
    this.changes.push({ kind, subject, uuid, detail });
  }

  private problem(
    code: string,
    severity: SyncProblem['severity'],
    p: { name: string; uuid: string } | null,
    message: string,
  ): void {
    this.problems.push({ code, severity, provider: p?.name ?? null, uuid: p?.uuid ?? null, message });
  }

  /** A Placement refusal about one provider becomes a problem; anything that says the service is unusable ends the pass. */
  private refusal(e: unknown, spec: { name: string; uuid: string }): void {
    if (isFatal(e)) throw e;
    const pe = e as PlacementError;
    this.problem(pe.code, 'error', spec, pe.message);
  }

  private async ensureTraits(providers: readonly ProviderSpec[]): Promise<void> {
    const custom = [...new Set(providers.flatMap((p) => p.traits).filter(isCustomTrait))].sort();
    const existing = await this.api.existingTraits(custom);
    for (const trait of custom.filter((t) => !existing.has(t))) {
      if ((await this.api.ensureTrait(trait)) === 'created')
        this.change('trait-created', trait, null, 'custom trait created');
    }
  }

  /** Provider, inventories, traits. False when the provider itself could not be made to exist as discovered. */
  private async syncProvider(spec: ProviderSpec, known: ReadonlyMap<string, ProviderRecord>): Promise<boolean> {
    try {
      if (!(await this.ensureProvider(spec, known))) return false;
    } catch (e) {
      this.refusal(e, spec);
      return false;
    }
    try {
      await this.syncInventories(spec);
    } catch (e) {
      this.refusal(e, spec);
    }
    try {
      await this.syncTraits(spec);
    } catch (e) {
      this.refusal(e, spec);
    }
    return true;
  }

  private async ensureProvider(spec: ProviderSpec, known: ReadonlyMap<string, ProviderRecord>): Promise<boolean> {
    // Not in the tree listing: it may still exist elsewhere (moved to another tree), so ask.
    const cur = known.get(spec.uuid) ?? (await this.api.getProvider(spec.uuid));
    if (cur === null) {
      try {
        await this.api.createProvider({ uuid: spec.uuid, name: spec.name, parentUuid: spec.parentUuid });
      } catch (e) {
        if (e instanceof PlacementError && e.is(409, ErrorCode.duplicateName)) {
          this.problem(
            e.code,
            'error',
            spec,
            `cannot create ${spec.name} (${spec.uuid}): another provider already has that name (another agent, or nova-compute, owns it); rename or delete it`,
          );
          return false;
        }
        throw e;
      }
      this.change('created', spec.name, spec.uuid, spec.parentUuid ? `under ${spec.parentUuid}` : 'root');
      return true;
    }
    if (cur.name !== spec.name || cur.parent_provider_uuid !== spec.parentUuid) {
      await this.api.updateProvider(spec.uuid, { name: spec.name, parentUuid: spec.parentUuid });
      if (cur.name !== spec.name) this.change('renamed', spec.name, spec.uuid, `was ${cur.name}`);
      if (cur.parent_provider_uuid !== spec.parentUuid)
        this.change(
          'reparented',
          spec.name,
          spec.uuid,
          `parent ${cur.parent_provider_uuid ?? '(none)'} → ${spec.parentUuid ?? '(none)'}`,
        );
    }
    return true;
  }

  /** Runs a generation-checked write until it lands, re-reading on each 409 concurrent_update. */
  private async withRetry(spec: ProviderSpec, what: string, attempt: () => Promise<void>): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof PlacementError && e.is(409, ErrorCode.concurrentUpdate))) throw e;
        if (i >= this.maxAttempts) {
          this.problem(
            SyncCode.generationConflict,
            'error',
            spec,
            `${what}: the provider kept changing under the agent (${i} generation conflicts); will retry next pass`,
          );
          return;
        }
      }
    }
  }

  private async syncInventories(spec: ProviderSpec): Promise<void> {
    await this.withRetry(spec, 'inventories', async () => {
      const cur = await this.api.getInventories(spec.uuid);
      const usages =
        shrinkingClasses(cur.inventories, spec.inventories).length > 0 ? await this.api.getUsages(spec.uuid) : {};
      const plan = planInventories(cur.inventories, spec.inventories, usages);
      for (const r of plan.refused) {
        const why =
          spec.kind === 'pf'
            ? `sriov_numvfs of ${spec.pf?.netdev ?? spec.name} is ${r.wanted}`
            : `the host now has ${r.wanted}`;
        this.problem(
          SyncCode.shrinkRefused,
          'warning',
          spec,
          `refused to shrink ${r.rc} on ${spec.name} from ${r.current} to ${r.wanted}: ${why} but ${r.used} ${r.used === 1 ? 'is' : 'are'} allocated; ` +
            `keeping total ${r.current} until enough are released (never forced)`,
        );
      }
      if (!plan.changed) return;
      try {
        await this.api.putInventories(spec.uuid, cur.generation, plan.next);
      } catch (e) {
        if (e instanceof PlacementError && e.is(409, ErrorCode.inventoryInUse)) {
          // Usage appeared between our read and the write: Placement refuses too. Report, do not force.
          this.problem(
            e.code,
            'warning',
            spec,
            `Placement refused the inventory change on ${spec.name} (in use): ${e.detail}`,
          );
          return;
        }
        throw e;
      }
      this.change(
        'inventory',
        spec.name,
        spec.uuid,
        `${describeInventory(cur.inventories)} → ${describeInventory(plan.next)}`,
      );
    });
  }

  private async syncTraits(spec: ProviderSpec): Promise<void> {
    await this.withRetry(spec, 'traits', async () => {
      const cur = await this.api.getTraits(spec.uuid);
      const plan = planTraits(cur.traits, spec.traits);
      if (!plan.changed) return;
      await this.api.putTraits(spec.uuid, cur.generation, plan.next);
      const added = plan.next.filter((t) => !cur.traits.includes(t));
      const removed = cur.traits.filter((t) => !plan.next.includes(t));
      this.change(
        'traits',
        spec.name,
        spec.uuid,
        [...added.map((t) => `+${t}`), ...removed.map((t) => `-${t}`)].join(' '),
      );
    });
  }

  /** Agent-named providers of this host's tree whose hardware is gone: deepest first, deleted when unused. */
  private async removeVanished(tree: readonly ProviderRecord[], d: Discovery): Promise<void> {
    const wanted = new Set(d.providers.map((p) => p.uuid));
    const byUuid = new Map(tree.map((p) => [p.uuid, p]));
    const depth = (p: ProviderRecord): number => {
      let n = 0;
      for (
        let q = p;
        q.parent_provider_uuid && byUuid.has(q.parent_provider_uuid) && n < tree.length;
        q = byUuid.get(q.parent_provider_uuid)!
      )
        n++;
      return n;
    };
    const gone = tree
      .filter((p) => !wanted.has(p.uuid) && isAgentNamed(d.facts.hostname, p.name))
      .sort((a, b) => depth(b) - depth(a));
    for (const p of gone) {
      try {
        const usages = await this.api.getUsages(p.uuid);
        const held = Object.entries(usages).filter(([, n]) => n > 0);
        if (held.length > 0) {
          this.problem(
            SyncCode.vanishedInUse,
            'warning',
            p,
            `${p.name} is gone from the host but still has allocations (${held.map(([rc, n]) => `${rc}=${n}`).join(' ')}): kept until they are released`,
          );
          continue;
        }
        await this.api.deleteProvider(p.uuid);
        this.change('deleted', p.name, p.uuid, 'its hardware is gone and nothing was allocated on it');
      } catch (e) {
        if (
          e instanceof PlacementError &&
          (e.is(409, ErrorCode.cannotDeleteParent) || e.is(409, ErrorCode.providerInUse))
        ) {
          this.problem(e.code, 'warning', p, `${p.name} is gone from the host but Placement keeps it: ${e.detail}`);
          continue;
        }
        this.refusal(e, p);
      }
    }
  }
}
