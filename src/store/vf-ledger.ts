// The node's ledger of VFs: which attachment holds which VF. It lives in the node's embedded
// SQLite file, next to the resource model, so the two are one account: the model counts VFs per
// PF (SRIOV_NET_VF allocations), the ledger says which VF each of those is. Reads and writes are
// synchronous (the plugin takes them under its per-VF lock), and each one is its own transaction.
import { retryWhileBusy, type SqliteConnection } from './sqlite-driver.js';

export interface VfClaim {
  pci: string;
  network: string;
  containerId: string;
  ifname: string;
  netns: string;
  /** ISO time of the claim. */
  at: string;
  /**
   * The second copy of the attachment's record (JSON text, everything DEL restores), written
   * with the record file once ADD recorded it; null or absent while the claim has no record yet.
   */
  record?: string | null;
}

export interface VfLedger {
  read(pci: string): VfClaim | null;
  /** Records the holder of a VF, replacing any previous one (the caller holds the VF's lock). */
  write(claim: VfClaim): void;
  remove(pci: string): void;
  all(): VfClaim[];
  /** Where the ledger is, for messages. */
  readonly location: string;
}

interface ClaimRow {
  pci: string;
  network: string;
  container_id: string;
  ifname: string;
  netns: string;
  claimed_at: string;
  record: string | null;
}

/** A row as the ledger file holds it, checked: a damaged or hand-edited row is an error naming it, never a TypeError later. */
function toClaim(r: ClaimRow, location: string): VfClaim {
  const texts = ['pci', 'network', 'container_id', 'ifname', 'netns', 'claimed_at'] as const;
  const bad = texts.filter((k) => typeof r[k] !== 'string');
  if (r.record !== null && r.record !== undefined && typeof r.record !== 'string') bad.push('record' as never);
  if (bad.length) {
    throw new Error(`the ledger ${location} has a damaged row for VF ${String(r.pci)}: ${bad.join(', ')} not text`);
  }
  const claim: VfClaim = {
    pci: r.pci,
    network: r.network,
    containerId: r.container_id,
    ifname: r.ifname,
    netns: r.netns,
    at: r.claimed_at,
  };
  if (r.record) claim.record = r.record;
  return claim;
}

/** How long a ledger write waits for another process's transaction (they last milliseconds). */
const BUSY_TIMEOUT_MS = 10_000;

/** Pages in the WAL after which a commit checkpoints it (see the constructor). */
const WAL_CHECKPOINT_PAGES = 64;

/** The ledger's schema, as PRAGMA user_version records it once setUpLedger completed. */
export const LEDGER_SCHEMA_VERSION = 1;

/** WAL, the table, and the record column; idempotent, and two processes may run it at once. */
function setUpLedger(db: SqliteConnection): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS vf_claims (
    pci TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    container_id TEXT NOT NULL,
    ifname TEXT NOT NULL,
    netns TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    record TEXT)`);
  // Ledgers written before the record copy existed get the column; two processes may race here.
  const columns = db.prepare('PRAGMA table_info(vf_claims)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'record')) {
    try {
      db.exec('ALTER TABLE vf_claims ADD COLUMN record TEXT');
    } catch (e) {
      if (!/duplicate column/i.test((e as Error).message)) throw e;
    }
  }
  // Last: a process killed before this line leaves the version unset, and the next one sets up again.
  db.exec(`PRAGMA user_version = ${LEDGER_SCHEMA_VERSION}`);
}

/**
 * Sets the ledger up unless the file's user_version says its schema is in place (WAL, the table,
 * its record column): every plugin exec opens the ledger, and only the first needs to. Processes
 * that open a new file at once (a node starting its pods) race here, and SQLite refuses some of
 * them SQLITE_BUSY without waiting out the busy timeout: `PRAGMA journal_mode = WAL` reads the
 * header, then asks for the write lock, and waiting for it while holding the read lock could
 * deadlock against another process's set-up. A refused set-up backs off and tries again until the
 * busy timeout; each step is idempotent.
 */
export function setUpLedgerOnce(db: SqliteConnection): Promise<void> {
  return retryWhileBusy(() => {
    const version = (db.prepare('PRAGMA user_version').get() as { user_version?: number } | undefined)?.user_version;
    if (version !== LEDGER_SCHEMA_VERSION) setUpLedger(db);
  }, BUSY_TIMEOUT_MS);
}

/** A ledger over an open connection; openNodeLedger (node-store.ts) sets the file up first. */
export class SqliteVfLedger implements VfLedger {
  constructor(
    private readonly db: SqliteConnection,
    readonly location: string,
  ) {
    // A plugin process blocks while it waits; that is all it would do anyway.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL with NORMAL survives a killed process (what the plugin must survive); a power cut may
    // lose the last claim, as it may lose the last attachment record, and GC heals both.
    // synchronous is per connection; the journal mode and the table live in the file.
    db.exec('PRAGMA synchronous = NORMAL');
    // Every plugin exec is the WAL's first connection, so SQLite rebuilds the WAL index by reading
    // the whole WAL before the first query: at the default checkpoint size (1000 pages, ~4 MB,
    // ~165 ADD+DEL pairs) that read grew the ledger's open from 1.0 to 2.3-3.0 ms. 64 pages keep
    // it flat (~1.1 ms); the checkpoint this costs (two fsyncs) comes about every 20 commands.
    db.exec(`PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  }

  read(pci: string): VfClaim | null {
    const row = this.db.prepare('SELECT * FROM vf_claims WHERE pci = ?').get(pci) as ClaimRow | undefined;
    return row ? toClaim(row, this.location) : null;
  }

  write(c: VfClaim): void {
    this.db
      .prepare(`INSERT INTO vf_claims (pci, network, container_id, ifname, netns, claimed_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (pci) DO UPDATE SET network = excluded.network, container_id = excluded.container_id,
      ifname = excluded.ifname, netns = excluded.netns, claimed_at = excluded.claimed_at, record = excluded.record`)
      .run(c.pci, c.network, c.containerId, c.ifname, c.netns, c.at, c.record ?? null);
  }

  remove(pci: string): void {
    this.db.prepare('DELETE FROM vf_claims WHERE pci = ?').run(pci);
  }

  all(): VfClaim[] {
    return (this.db.prepare('SELECT * FROM vf_claims ORDER BY pci').all() as ClaimRow[]).map((r) =>
      toClaim(r, this.location),
    );
  }
}

/** The ledger in memory, for unit tests of the plugin's logic. */
export class MemoryVfLedger implements VfLedger {
  readonly location = 'memory';
  private readonly claims = new Map<string, VfClaim>();

  read(pci: string): VfClaim | null {
    const c = this.claims.get(pci);
    return c ? { ...c } : null;
  }

  write(c: VfClaim): void {
    const { record, ...claim } = c;
    // As the SQLite ledger reads it back: a claim without a copy has no `record` key.
    this.claims.set(c.pci, record ? { ...claim, record } : claim);
  }

  remove(pci: string): void {
    this.claims.delete(pci);
  }

  all(): VfClaim[] {
    return [...this.claims.keys()].sort().map((pci) => ({ ...this.claims.get(pci)! }));
  }
}
