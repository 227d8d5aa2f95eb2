// Bodies of PUT /allocations/{consumer} and POST /allocations: the list form of 1.0, the dict
// form of 1.12, then what consumer generations (1.28), mappings (1.34) and consumer types (1.38)
// add to it. The reshaper's allocations are POST /allocations' body.
import { MV, type Microversion } from '../microversion.js';
import { ID_SCHEMA, RC_PATTERN, UUID_PATTERN, type Schema, type Versioned } from './common.js';

const RESOURCES = {
  type: 'object', minProperties: 1,
  patternProperties: { [RC_PATTERN]: { type: 'integer', minimum: 1 } },
  additionalProperties: false,
};
const CONSUMER_TYPE = { type: 'string', pattern: '^[A-Z0-9_]+$', minLength: 1, maxLength: 255 };
const MAPPINGS = {
  type: 'object', minProperties: 1,
  patternProperties: { '^([a-zA-Z0-9_-]{1,64})?$': { type: 'array', minItems: 1, items: { type: 'string' } } },
  additionalProperties: false,
};

/** Before 1.12: `{"allocations": [{"resource_provider": {"uuid"}, "resources"}]}`, owners from 1.8. */
function listForm(withOwner: boolean): Schema {
  const properties: Record<string, unknown> = {
    allocations: {
      type: 'array', minItems: 1,
      items: {
        type: 'object',
        properties: {
          resource_provider: {
            type: 'object', properties: { uuid: { type: 'string', format: 'uuid' } }, additionalProperties: false, required: ['uuid'],
          },
          resources: RESOURCES,
        },
        required: ['resource_provider', 'resources'],
        additionalProperties: false,
      },
    },
  };
  const required = ['allocations'];
  if (withOwner) {
    properties.project_id = ID_SCHEMA;
    properties.user_id = ID_SCHEMA;
    required.push('project_id', 'user_id');
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** From 1.12, the allocations of one consumer as a dict keyed by provider; `deletable` admits `{}`. */
function dictForm(since: Microversion, deletable: boolean): Schema {
  const properties: Record<string, unknown> = {
    allocations: {
      type: 'object', minProperties: deletable ? 0 : 1,
      patternProperties: {
        [UUID_PATTERN]: {
          type: 'object',
          properties: { generation: { type: 'integer' }, resources: RESOURCES },
          required: ['resources'],
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    project_id: ID_SCHEMA,
    user_id: ID_SCHEMA,
  };
  const required = ['allocations', 'project_id', 'user_id'];
  if (since >= MV.CONSUMER_GENERATIONS) {
    properties.consumer_generation = { type: ['integer', 'null'] };
    required.push('consumer_generation');
  }
  if (since >= MV.MAPPINGS) properties.mappings = MAPPINGS;
  if (since >= MV.CONSUMER_TYPES) {
    properties.consumer_type = CONSUMER_TYPE;
    required.push('consumer_type');
  }
  return { type: 'object', properties, additionalProperties: false, required };
}

/** PUT /allocations/{consumer}; from 1.28 an empty dict (with the generation) deletes safely. */
export const PUT_ALLOCATIONS: Versioned = [
  [MV.INITIAL, listForm(false)],
  [MV.ALLOCATION_OWNER, listForm(true)],
  [MV.ALLOCATIONS_DICT, dictForm(MV.ALLOCATIONS_DICT, false)],
  [MV.CONSUMER_GENERATIONS, dictForm(MV.CONSUMER_GENERATIONS, true)],
  [MV.MAPPINGS, dictForm(MV.MAPPINGS, true)],
  [MV.CONSUMER_TYPES, dictForm(MV.CONSUMER_TYPES, true)],
];

const postForm = (since: Microversion): Schema => ({
  type: 'object', minProperties: 1, additionalProperties: false,
  patternProperties: { [UUID_PATTERN]: dictForm(since, true) },
});

/** POST /allocations: consumer uuid → that consumer's dict form (an empty one clears it). */
export const POST_ALLOCATIONS: Versioned = [
  [MV.POST_ALLOCATIONS, postForm(MV.ALLOCATIONS_DICT)],
  [MV.CONSUMER_GENERATIONS, postForm(MV.CONSUMER_GENERATIONS)],
  [MV.MAPPINGS, postForm(MV.MAPPINGS)],
  [MV.CONSUMER_TYPES, postForm(MV.CONSUMER_TYPES)],
];
