// Body of PUT /resource_providers/{uuid}/aggregates: a bare list, then (1.19) with the generation.
import { MV } from '../microversion.js';
import { UUID_SCHEMA, type Versioned } from './common.js';

const AGGREGATES = { type: 'array', items: UUID_SCHEMA, uniqueItems: true };

export const PUT_AGGREGATES: Versioned = [
  [MV.PROVIDER_AGGREGATES, AGGREGATES],
  [MV.AGGREGATES_GENERATION, {
    type: 'object',
    properties: { aggregates: AGGREGATES, resource_provider_generation: { type: 'integer' } },
    required: ['aggregates', 'resource_provider_generation'],
    additionalProperties: false,
  }],
];
