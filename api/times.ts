import { DateTime } from 'luxon';

/**
 * Times at the API edge: requests may name an instant as ISO-8601 or epoch milliseconds,
 * responses always say ISO-8601 (UTC), so people and tools read the same text.
 */

const EPOCH_MS = /^\d{1,15}$/;

/** Parses an ISO-8601 time (UTC when it names no zone) to epoch ms, or undefined. */
export function parseIsoTime(text: string): number | undefined {
  const dt = DateTime.fromISO(text, { zone: 'utc' });
  return dt.isValid ? dt.toMillis() : undefined;
}

/** Parses a query instant: epoch milliseconds (digits only) or ISO-8601; undefined if neither. */
export function parseInstant(text: string): number | undefined {
  return EPOCH_MS.test(text) ? Number(text) : parseIsoTime(text);
}

/** Epoch ms as an ISO-8601 UTC string. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Like `isoTime`, with null for "not yet" (null, or the -1 the engine uses for none). */
export function isoOrNull(ms: number | null): string | null {
  return ms === null || ms < 0 ? null : isoTime(ms);
}
