import type { Event } from '../../engine/model/event.js';
import { appendJsonFields } from '../../engine/model/event-json.js';
import type { EventCheck } from '../event-validator.js';
import { parseLogfmt } from '../logfmt.js';

/** How a file's lines become events: `text` a `{message}`, `json` and `logfmt` their fields. */
export type FileFormat = 'text' | 'json' | 'logfmt';

/** A record turned into an event (with its JSON text for the journal, where kept), or why it is none. */
export type RecordEvent = { readonly ok: true; readonly event: Event; readonly json: string | undefined } | { readonly ok: false; readonly error: string };

/** What `recordEvent` needs besides the record. */
export interface RecordEventOptions {
  readonly format: FileFormat;
  readonly stream: string;
  /** The file's path, set as the event's `file` unless the record has its own. */
  readonly file: string;
  /** The ingest time, for records without `time`. */
  readonly now: number;
  readonly validate: (raw: unknown, now: number) => EventCheck;
}

/**
 * One record of a file as a validated event of the configured stream. A cut record gets
 * `truncated: true` (a `json` or `logfmt` record cut short no longer parses and is refused
 * with that reason). A JSON record's text is kept, with the fields vigil set appended, as
 * the event's JSON (`engine/model/event-json.ts`).
 */
export function recordEvent(text: string, truncated: boolean, options: RecordEventOptions): RecordEvent {
  const { format, stream, file, now, validate } = options;
  let fields: Record<string, unknown>;
  if (format === 'text') {
    fields = truncated ? { stream, message: text, file, truncated: true } : { stream, message: text, file };
    const checked = validate(fields, now);
    return checked.ok ? { ok: true, event: checked.event, json: undefined } : checked;
  }
  if (truncated) return { ok: false, error: `line longer than the limit, cut, and no longer ${format}` };
  if (format === 'logfmt') {
    const parsed = parseLogfmt(text);
    if (!parsed.ok) return { ok: false, error: `not logfmt: ${parsed.error} at position ${parsed.at}` };
    // An ordinary object like JSON's (logfmt's has no prototype); a spread keeps `__proto__` a plain field.
    fields = { ...parsed.fields };
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { ok: false, error: `not JSON: ${(error as Error).message}` };
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'not a JSON object' };
    fields = raw as Record<string, unknown>;
  }
  const timeKept = typeof fields.time === 'number';
  const fileKept = fields.file !== undefined;
  fields.stream = stream;
  if (!fileKept) fields.file = file;
  const checked = validate(fields, now);
  if (!checked.ok) return checked;
  if (format !== 'json') return { ok: true, event: checked.event, json: undefined };
  const added = `"stream":${JSON.stringify(stream)}${fileKept ? '' : `,"file":${JSON.stringify(file)}`}${timeKept ? '' : `,"time":${checked.event.time}`}`;
  return { ok: true, event: checked.event, json: appendJsonFields(text, added) };
}
