import type { StatusPageOptions } from '../api/status-page.js';

/** `statusPage:` in vigil.yaml: the public status page's title and service groups (no groups: no page). */
export type StatusPageConfig = StatusPageOptions;

/** JSON Schema of `statusPage:`; every key has a default, unknown keys are errors. */
export const statusPageConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200, default: 'Status' },
    groups: {
      type: 'array',
      default: [],
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'services'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          services: {
            type: 'array',
            minItems: 1,
            maxItems: 200,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'rules'],
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 200 },
                rules: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 256 } },
                match: { type: 'object', default: {}, maxProperties: 32, additionalProperties: { type: 'string', maxLength: 1024 } },
              },
            },
          },
        },
      },
    },
  },
} as const;
