// The query of GET /usages.
import { MV } from '../microversion.js';
import { ID_SCHEMA, type Schema, type Versioned } from './common.js';

const query = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, required: ['project_id'], additionalProperties: false });
const GET_1_9 = { project_id: ID_SCHEMA, user_id: ID_SCHEMA };

export const GET_USAGES: Versioned = [
  [MV.USAGES, query(GET_1_9)],
  [MV.CONSUMER_TYPES, query({ ...GET_1_9, consumer_type: { type: 'string', minLength: 1, maxLength: 255 } })],
];
