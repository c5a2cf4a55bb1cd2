import { Ajv, type ErrorObject } from 'ajv';
import { DateTime } from 'luxon';
import type { Event } from '../engine/model/event.js';
import { eventSchema } from './event-schema.js';

/** The outcome of validating one incoming event. */
export type EventCheck = { readonly ok: true; readonly event: Event } | { readonly ok: false; readonly error: string };

// The forms Date.parse reads exactly as ISO-8601 (with a zone); others go through luxon.
const FAST_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO-8601 time (UTC when it names no zone) to epoch ms, or undefined. */
export function parseIsoTime(text: string): number | undefined {
  // Date.parse rolls impossible days over (Feb 30 becomes Mar 2); luxon rejects them.
  if (FAST_ISO.test(text) && Number(text.slice(8, 10)) <= 28) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const dt = DateTime.fromISO(text, { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : undefined;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'event' : `field "${error.instancePath.slice(1).replace(/\//g, '.')}"`;
  if (error.keyword === 'required') return `${where} has no "${(error.params as { missingProperty: string }).missingProperty}"`;
  if (error.keyword === 'propertyNames') {
    const name = String((error.params as { propertyName?: unknown }).propertyName);
    return `${error.instancePath === '' ? 'event' : where} has the key "${name}", which is not allowed`;
  }
  if (error.keyword === 'anyOf') return `${where} must be a string, number, boolean or null (only "labels" may be an object)`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/**
 * Builds the intake validator: checks an incoming value against the event schema and
 * normalises `time` to epoch ms (missing: the ingest time `now`). Every edge (HTTP, Kafka,
 * replay files) validates through this, once. The value is the caller's freshly parsed
 * object and becomes the event: `time` is set in place, since copying every event costs
 * more than validating it.
 */
export function createEventValidator(): (raw: unknown, now: number) => EventCheck {
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(eventSchema);
  return (raw, now) => {
    if (!validate(raw)) {
      // A value of the wrong type fails each branch of the anyOf first; report the anyOf.
      const errors = validate.errors!;
      const first = errors[0]!;
      const anyOf = first.keyword === 'type' ? errors.find((e) => e.keyword === 'anyOf' && e.instancePath === first.instancePath) : undefined;
      const named = errors.find((e) => e.keyword === 'propertyNames');
      return { ok: false, error: describe(named ?? anyOf ?? first) };
    }
    const obj = raw as Record<string, unknown> & { stream: string };
    const t = obj.time;
    if (typeof t === 'number') {
      if (!Number.isFinite(t) || !Number.isSafeInteger(Math.trunc(t))) return { ok: false, error: 'field "time" is not a valid epoch-milliseconds time' };
      return { ok: true, event: obj as unknown as Event };
    }
    const ms = t === undefined ? now : parseIsoTime(t as string);
    if (ms === undefined) return { ok: false, error: `field "time" is not an ISO-8601 time: ${JSON.stringify(t).slice(0, 80)}` };
    obj.time = ms;
    return { ok: true, event: obj as unknown as Event };
  };
}
