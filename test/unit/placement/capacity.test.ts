import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capacity, fits, unitsOk } from '../../../src/placement/capacity.js';
import type { Inventory } from '../../../src/placement/types.js';

const inv = (o: Partial<Inventory>): Inventory => ({
  resourceClass: 'VCPU',
  total: 10,
  reserved: 0,
  minUnit: 1,
  maxUnit: 10,
  stepSize: 1,
  allocationRatio: 1,
  ...o,
});

describe('capacity math', () => {
  it('is int((total - reserved) * allocation_ratio)', () => {
    assert.equal(capacity(inv({ total: 24, allocationRatio: 16 })), 384);
    assert.equal(capacity(inv({ total: 2000, reserved: 100 })), 1900);
    assert.equal(capacity(inv({ total: 3, allocationRatio: 1.5 })), 4);
    assert.equal(capacity(inv({ total: 5, reserved: 5 })), 0);
  });

  it('admits an amount while used + amount stays within the float capacity', () => {
    assert.equal(fits(inv({ total: 3, allocationRatio: 1.5 }), 4, 0.5), true);
    assert.equal(fits(inv({ total: 8 }), 7, 1), true);
    assert.equal(fits(inv({ total: 8 }), 7, 2), false);
    assert.equal(fits(inv({ total: 8, reserved: 2 }), 5, 2), false);
  });

  it('checks min_unit, max_unit and step_size on the requested amount', () => {
    const disk = inv({ total: 2048, minUnit: 10, maxUnit: 1000, stepSize: 10 });
    assert.equal(unitsOk(disk, 10), true);
    assert.equal(unitsOk(disk, 5), false);
    assert.equal(unitsOk(disk, 1010), false);
    assert.equal(unitsOk(disk, 15), false);
  });
});
