/** Limits on one event, enforced at intake (documented in the README). */
export const EVENT_LIMITS = {
  maxFields: 256,
  maxLabels: 64,
  maxStreamLength: 256,
  maxStringLength: 65_536,
} as const;

/**
 * Keys no event may have: JSON.parse makes them plain own properties, but code that copies
 * fields by assignment would take `__proto__` as the object's prototype.
 */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const allowedName = { not: { enum: FORBIDDEN_KEYS } } as const;

/**
 * JSON Schema of an event as it arrives (events spec): a flat object with a `stream`,
 * scalar values, and `labels` as the only nested object, of strings.
 */
export const eventSchema = {
  type: 'object',
  required: ['stream'],
  maxProperties: EVENT_LIMITS.maxFields,
  propertyNames: allowedName,
  properties: {
    stream: { type: 'string', minLength: 1, maxLength: EVENT_LIMITS.maxStreamLength },
    time: { type: ['string', 'number'] },
    labels: {
      type: 'object',
      maxProperties: EVENT_LIMITS.maxLabels,
      propertyNames: allowedName,
      additionalProperties: { type: 'string', maxLength: EVENT_LIMITS.maxStringLength },
    },
  },
  additionalProperties: {
    anyOf: [{ type: 'string', maxLength: EVENT_LIMITS.maxStringLength }, { type: ['number', 'boolean', 'null'] }],
  },
} as const;
