// Capacity math, exactly as Placement does it.
import type { Inventory } from './types.js';

/** int((total - reserved) * allocation_ratio): what the API reports. */
export function capacity(inv: Inventory): number {
  return Math.trunc((inv.total - inv.reserved) * inv.allocationRatio);
}

/**
 * Placement's candidate filter compares against the float product, not the truncated one; the
 * write path uses the same comparison, so we keep one predicate.
 */
export function fits(inv: Inventory, used: number, amount: number): boolean {
  return used + amount <= (inv.total - inv.reserved) * inv.allocationRatio;
}

/** min_unit / max_unit / step_size for a single request's amount. */
export function unitsOk(inv: Inventory, amount: number): boolean {
  return amount >= inv.minUnit && amount <= inv.maxUnit && amount % inv.stepSize === 0;
}
