// Who holds what, for the dashboard: the providers (as the candidates engine reads them), every
// allocation with its consumer, the node ledger's attachments when this file is a node's store,
// and the change counter, all in the caller's one read transaction, so a page never shows usage
// from one moment and holders from another.

import type { StoreHoldings } from './port.js';
import type { Dialect, SqlTx } from './sql.js';
import { loadSnapshotRows } from './sql-snapshot.js';

export async function loadHoldings(tx: SqlTx, dialect: Dialect): Promise<StoreHoldings> {
  const counter = Number((await tx.get<{ c: number }>('SELECT change_counter AS c FROM meta WHERE id = 1'))!.c);
  const rows = await loadSnapshotRows(tx);
  const allocations = (
    await tx.all<{ provider: string; consumer: string; rc: string; used: number }>(
      `SELECT rp.uuid AS provider, c.uuid AS consumer, rc.name AS rc, a.used AS used FROM allocations a
       JOIN resource_providers rp ON rp.id = a.provider_id JOIN consumers c ON c.id = a.consumer_id
       JOIN resource_classes rc ON rc.id = a.class_id ORDER BY c.uuid, rp.uuid, rc.name`,
    )
  ).map((r) => ({ providerUuid: r.provider, consumerUuid: r.consumer, resourceClass: r.rc, used: Number(r.used) }));
  const consumers = (
    await tx.all<{ uuid: string; project_id: string; user_id: string; consumer_type: string | null }>(
      'SELECT uuid, project_id, user_id, consumer_type FROM consumers WHERE id IN (SELECT consumer_id FROM allocations)',
    )
  ).map((r) => ({ uuid: r.uuid, projectId: r.project_id, userId: r.user_id, consumerType: r.consumer_type }));
  return { counter, rows, allocations, consumers, attachments: await ledgerAttachments(tx, dialect) };
}

/**
 * The node ledger's rows (src/store/vf-ledger.ts), which name the container behind each attachment
 * consumer; only a node's own SQLite file has the table, and only once a plugin has run there.
 */
async function ledgerAttachments(tx: SqlTx, dialect: Dialect): Promise<StoreHoldings['attachments']> {
  if (dialect !== 'sqlite') return [];
  const table = await tx.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'vf_claims'");
  if (!table) return [];
  const rows = await tx.all<{ pci: unknown; network: unknown; container_id: unknown; ifname: unknown }>(
    'SELECT pci, network, container_id, ifname FROM vf_claims ORDER BY pci',
  );
  // A damaged row names nobody: it is left out here, and `vfnet doctor` reports it.
  return rows
    .filter((r) => [r.pci, r.network, r.container_id, r.ifname].every((v) => typeof v === 'string'))
    .map((r) => ({
      pci: r.pci as string,
      network: r.network as string,
      containerId: r.container_id as string,
      ifname: r.ifname as string,
    }));
}
