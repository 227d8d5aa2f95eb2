// The query of GET /traits and the body of PUT /resource_providers/{uuid}/traits.

export const LIST_TRAITS_QUERY = {
  type: 'object',
  properties: { name: { type: 'string' }, associated: { type: 'string' } },
  additionalProperties: false,
};

/** PUT /traits/{name}: checked by hand, because Placement answers with its own text, not a schema error. */
export const CUSTOM_TRAIT = /^CUSTOM_[A-Z0-9_]+$/;

export const SET_TRAITS_FOR_RP = {
  type: 'object',
  properties: {
    traits: { type: 'array', items: { type: 'string', maxLength: 255 } },
    resource_provider_generation: { type: 'integer' },
  },
  required: ['traits', 'resource_provider_generation'],
  additionalProperties: false,
};
