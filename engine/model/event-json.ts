/**
 * Events' JSON text kept from the edge that read them, so the journal need not serialise
 * them again (serialising is the largest cost of journaling a batch of events).
 *
 * The contract: an event's text, given to `JSON.parse`, yields an object equal to the
 * event (same fields, values and field order). An edge that read an event as JSON text
 * can keep that text and append the fields it set afterwards (`appendJsonFields`): a JSON
 * object's later duplicate key replaces the value and keeps the first position, just as
 * setting a field on the parsed object does. Events without a text are serialised as usual.
 */

import type { Event } from './event.js';
import type { SourceCheckpoint } from './source.js';

const OPEN_BRACE = 0x7b;

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * `text`, a JSON object `JSON.parse` accepted, with `fields` (`"key":value` pairs joined by
 * commas, already JSON) added at its end. Undefined for a text with a line break, which
 * could not go into a one-line journal frame as it is.
 */
export function appendJsonFields(text: string, fields: string): string | undefined {
  if (text.includes('\n') || text.includes('\r')) return undefined;
  const close = text.lastIndexOf('}');
  let last = close - 1;
  while (last >= 0 && isJsonSpace(text.charCodeAt(last))) last--;
  const empty = text.charCodeAt(last) === OPEN_BRACE;
  return `${text.slice(0, close)}${empty ? '' : ','}${fields}}`;
}

/**
 * The JSON of the engine input `{ t: 'events', at, events, checkpoint? }`, using each
 * event's kept text where there is one (`json[i]` for `events[i]`).
 */
export function eventsInputJson(at: number, events: readonly Event[], json: readonly (string | undefined)[], checkpoint?: SourceCheckpoint): string {
  const parts = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) parts[i] = json[i] ?? JSON.stringify(events[i]);
  const tail = checkpoint === undefined ? '' : `,"checkpoint":${JSON.stringify(checkpoint)}`;
  return `{"t":"events","at":${JSON.stringify(at)},"events":[${parts.join(',')}]${tail}}`;
}
