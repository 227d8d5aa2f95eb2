// Body of POST /resource_classes and (1.2–1.6) PUT /resource_classes/{name}; from 1.7 the name
// in the path is checked against the same schema.
import { CUSTOM_RC_PATTERN } from './common.js';

export const POST_RESOURCE_CLASS = {
  type: 'object',
  properties: { name: { type: 'string', pattern: CUSTOM_RC_PATTERN, maxLength: 255 } },
  required: ['name'],
  additionalProperties: false,
};
