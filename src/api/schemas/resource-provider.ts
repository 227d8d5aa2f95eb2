// Bodies of POST/PUT /resource_providers[/{uuid}] and the query of GET /resource_providers.
import { MV } from '../microversion.js';
import { UUID_SCHEMA, type Schema, type Versioned } from './common.js';

const PARENT = { anyOf: [UUID_SCHEMA, { type: 'null' }] };
const object = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, required: ['name'], additionalProperties: false });

const POST_1_0 = { name: { type: 'string', maxLength: 200 }, uuid: UUID_SCHEMA };
export const POST_RESOURCE_PROVIDER: Versioned = [
  [MV.INITIAL, object(POST_1_0)],
  [MV.NESTED_PROVIDERS, object({ ...POST_1_0, parent_provider_uuid: PARENT })],
];

const PUT_1_0 = { name: { type: 'string', maxLength: 200 } };
export const PUT_RESOURCE_PROVIDER: Versioned = [
  [MV.INITIAL, object(PUT_1_0)],
  [MV.NESTED_PROVIDERS, object({ ...PUT_1_0, parent_provider_uuid: PARENT })],
];

const query = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, additionalProperties: false });
const GET_1_0 = { name: { type: 'string' }, uuid: UUID_SCHEMA };
const GET_1_3 = { ...GET_1_0, member_of: { type: 'string' } };
const GET_1_4 = { ...GET_1_3, resources: { type: 'string' } };
const GET_1_14 = { ...GET_1_4, in_tree: UUID_SCHEMA };
const GET_1_18 = { ...GET_1_14, required: { type: 'string' } };
export const GET_RESOURCE_PROVIDERS: Versioned = [
  [MV.INITIAL, query(GET_1_0)],
  [MV.MEMBER_OF, query(GET_1_3)],
  [MV.RESOURCES_FILTER, query(GET_1_4)],
  [MV.NESTED_PROVIDERS, query(GET_1_14)],
  [MV.PROVIDERS_REQUIRED, query(GET_1_18)],
];
