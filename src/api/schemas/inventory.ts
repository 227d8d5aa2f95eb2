// Bodies of the inventory routes (and, through PUT_INVENTORIES, of the reshaper).
import { MAX_INT, RC_PATTERN } from './common.js';

/** The fields of one inventory, as Placement's BASE_INVENTORY_SCHEMA has them. */
const inventoryProps = () => ({
  resource_provider_generation: { type: 'integer' },
  total: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  reserved: { type: 'integer', maximum: MAX_INT, minimum: 0 },
  min_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  max_unit: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  step_size: { type: 'integer', maximum: MAX_INT, minimum: 1 },
  allocation_ratio: { type: 'number', maximum: 3.40282e38 },
});

export const POST_INVENTORY = {
  type: 'object',
  properties: { ...inventoryProps(), resource_class: { type: 'string', pattern: RC_PATTERN } },
  required: ['total', 'resource_class'],
  additionalProperties: false,
};

export const PUT_INVENTORY = {
  type: 'object', properties: inventoryProps(), required: ['total', 'resource_provider_generation'], additionalProperties: false,
};

const PUT_INVENTORY_RECORD = { type: 'object', properties: inventoryProps(), required: ['total'], additionalProperties: false };

export const PUT_INVENTORIES = {
  type: 'object',
  properties: {
    resource_provider_generation: { type: 'integer' },
    inventories: { type: 'object', patternProperties: { [RC_PATTERN]: PUT_INVENTORY_RECORD } },
  },
  required: ['resource_provider_generation', 'inventories'],
  additionalProperties: false,
};
