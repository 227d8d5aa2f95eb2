// The simulated SR-IOV host (src/lab) for the real-world suites: one lab per scratch, under the
// scratch directory, with a prefix of its own so labs of different tests or helpers never share
// netdev or netns names, and always taken down at disposal.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type LabInfo, type LabOptions, type LabView, labDown, labShow, labUp } from '../../src/lab/index.js';
import type { VfClaim } from '../../src/store/vf-ledger.js';
import { type IpLink, listLinks } from './netns.js';
import { Scratch } from './scratch.js';

export type LabVf = LabInfo['vfs'][number];

/** A VF netdev as the host sees it, for "restored exactly" comparisons. */
export interface HostNetdevState {
  address: string;
  mtu: number;
  up: boolean;
  altnames: string[];
}

/**
 * Everything DEL must put back: the lab's per-VF view (PF-level settings, switch port, which
 * netdev is in the host under which name) plus the host-side state of each VF netdev.
 */
export interface LabSnapshot {
  view: LabView;
  netdevs: Record<string, HostNetdevState>;
}

export class TestLab {
  constructor(
    readonly info: LabInfo,
    /** Where the plugin keeps its cache and ledger: one per lab, so tests never see each other's. */
    readonly stateDir: string,
  ) {}

  get dir(): string {
    return this.info.dir;
  }

  /** What the plugin needs in its environment to use this lab. */
  get env(): Record<string, string> {
    return { ...this.info.env, VFNET_STATE_DIR: this.stateDir };
  }

  /** The node's embedded store the plugin uses with this lab (it sits beside the state). */
  get db(): string {
    return join(this.stateDir, 'vfnet.db');
  }

  /** The VF claims in the node's ledger, read straight from its SQLite file. */
  ledger(): VfClaim[] {
    if (!existsSync(this.db)) return [];
    const db = new Database(this.db, { readonly: true, fileMustExist: true });
    try {
      const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'vf_claims'").get();
      if (!hasTable) return [];
      return db
        .prepare(
          'SELECT pci, network, container_id AS containerId, ifname, netns, claimed_at AS at FROM vf_claims ORDER BY pci',
        )
        .all() as VfClaim[];
    } finally {
      db.close();
    }
  }

  /** The plugin's state files: attachment records (not its locks, nor the node's store). */
  stateFiles(): string[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.stateDir);
    } catch {
      return [];
    }
    return names.filter((n) => n !== 'locks' && !n.startsWith('vfnet.db')).sort();
  }

  pf(i = 0): LabInfo['pfs'][number] {
    const pf = this.info.pfs[i];
    if (!pf) throw new Error(`lab has no PF ${i}`);
    return pf;
  }

  vfsOf(pfName: string): LabVf[] {
    return this.info.vfs.filter((v) => v.pf === pfName);
  }

  vf(pfIndex: number, vfIndex: number): LabVf {
    const pf = this.pf(pfIndex);
    const vf = this.info.vfs.find((v) => v.pf === pf.name && v.index === vfIndex);
    if (!vf) throw new Error(`lab has no VF ${vfIndex} on ${pf.name}`);
    return vf;
  }

  show(): LabView {
    return labShow(this.dir);
  }

  /**
   * State (cache records, ledger claims) whose name or content mentions one of `ids`: after DEL
   * and GC there must be none. Files are searched whatever their names; the SQLite store is read
   * through SQL (its pages may keep the bytes of deleted rows).
   */
  stateFilesMentioning(ids: string[]): string[] {
    const hits: string[] = [];
    const walk = (dir: string) => {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const p = join(dir, n);
        if (n.startsWith('vfnet.db')) continue;
        if (statSync(p).isDirectory()) {
          walk(p);
          continue;
        }
        const text = `${n}\n${readFileSync(p, 'latin1')}`;
        if (ids.some((id) => text.includes(id))) hits.push(p);
      }
    };
    walk(this.stateDir);
    for (const c of this.ledger()) {
      if (ids.some((id) => JSON.stringify(c).includes(id))) hits.push(`${this.db}: vf_claims ${c.pci}`);
    }
    return hits.sort();
  }

  async snapshot(): Promise<LabSnapshot> {
    const view = this.show();
    const links = new Map((await listLinks(null)).map((l: IpLink) => [l.ifname, l]));
    const netdevs: Record<string, HostNetdevState> = {};
    for (const v of view.vfs) {
      const l = v.netdev ? links.get(v.netdev) : undefined;
      if (!l) continue;
      netdevs[v.netdev!] = {
        address: l.address,
        mtu: l.mtu,
        up: l.flags.includes('UP'),
        altnames: [...(l.altnames ?? [])].sort(),
      };
    }
    return { view, netdevs };
  }
}

/** A lab living as long as the scratch; its directory and state dir are inside the scratch. */
export function labFor(s: Scratch, opts: Omit<LabOptions, 'dir' | 'prefix'> = {}): TestLab {
  const dir = s.path('lab');
  // The prefix names netdevs (<prefix>f0v0, ≤ 15 chars) and the switch netns; the scratch tag keeps it unique.
  const prefix = s.name('l');
  s.defer(`lab down ${dir}`, () => {
    labDown(dir);
  });
  const info = labUp({ ...opts, dir, prefix });
  return new TestLab(info, s.mkdir('state'));
}

/** Runs fn on a fresh lab and takes it down afterwards, whatever happens. */
export async function withLab<T>(
  opts: Omit<LabOptions, 'dir' | 'prefix'>,
  fn: (lab: TestLab, s: Scratch) => Promise<T>,
): Promise<T> {
  const s = new Scratch('vfnet-lab');
  try {
    return await fn(labFor(s, opts), s);
  } finally {
    await s.dispose();
  }
}
