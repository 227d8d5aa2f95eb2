// The store's rows as the view model's input: provider ids become uuids, and each ledger row
// (containerID + ifname) becomes the attachment consumer the plugin claimed with, so a holder
// shows which container it is.
import { ATTACHMENT_CONSUMER_TYPE, ATTACHMENT_PROJECT, attachmentConsumer } from '../accounting/port.js';
import type { StoreHoldings } from '../store/port.js';
import { buildView, type DashboardView, type ViewInput } from './view-model.js';

export function viewInput(h: StoreHoldings): ViewInput {
  const uuidOf = new Map(h.rows.providers.map((p) => [p.id, p.uuid]));
  const uuid = (id: number) => uuidOf.get(id) ?? '';
  return {
    generation: h.counter,
    providers: h.rows.providers.map((p) => ({
      uuid: p.uuid,
      name: p.name,
      parentUuid: p.parentId === null ? null : uuid(p.parentId),
    })),
    inventories: h.rows.inventories.map((i) => ({
      providerUuid: uuid(i.providerId),
      resourceClass: i.resourceClass,
      total: i.total,
      reserved: i.reserved,
      allocationRatio: i.allocationRatio,
    })),
    traits: h.rows.traits.map((t) => ({ providerUuid: uuid(t.providerId), trait: t.trait })),
    allocations: h.allocations,
    consumers: h.consumers,
    attachments: h.attachments.map((a) => ({ ...a, consumerUuid: attachmentConsumer(a.containerId, a.ifname) })),
    attachmentMark: { consumerType: ATTACHMENT_CONSUMER_TYPE, projectId: ATTACHMENT_PROJECT },
  };
}

export const dashboardView = (h: StoreHoldings): DashboardView => buildView(viewInput(h));
