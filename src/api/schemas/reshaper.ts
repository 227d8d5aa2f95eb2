// Body of POST /reshaper: PUT /resource_providers/{uuid}/inventories per provider, and
// POST /allocations' body.
import { MV, type Microversion } from '../microversion.js';
import { UUID_PATTERN, forVersion, type Schema, type Versioned } from './common.js';
import { POST_ALLOCATIONS } from './allocation.js';
import { PUT_INVENTORIES } from './inventory.js';

function reshaper(since: Microversion): Schema {
  return {
    type: 'object',
    properties: {
      inventories: {
        type: 'object',
        patternProperties: { [UUID_PATTERN]: PUT_INVENTORIES },
        minProperties: 1,
        additionalProperties: false,
      },
      // Unlike POST /allocations, a reshape may move no allocations at all.
      allocations: { ...forVersion({ major: 1, minor: since }, POST_ALLOCATIONS), minProperties: 0 },
    },
    required: ['inventories', 'allocations'],
    additionalProperties: false,
  };
}

export const POST_RESHAPER: Versioned = [
  [MV.RESHAPER, reshaper(MV.RESHAPER)],
  [MV.MAPPINGS, reshaper(MV.MAPPINGS)],
  [MV.CONSUMER_TYPES, reshaper(MV.CONSUMER_TYPES)],
];
