import type { Event } from '../../engine/model/event.js';
import type { EventCheck } from '../event-validator.js';
import { addAttributes, anyValueText, asArray, asNumber, asObject, asString, attribute, hexId, nanosToMs } from './otlp-values.js';

/** The events one OTLP logs request made, and its refused records with why. */
export interface LogsOutcome {
  /** Each record's event, or why it was refused. */
  readonly records: EventCheck[];
}

/** vigil's log levels by OTLP severity number range (1-4 TRACE ... 21-24 FATAL). */
function levelOfNumber(n: number): string | undefined {
  if (n >= 1 && n <= 8) return 'debug';
  if (n >= 9 && n <= 12) return 'info';
  if (n >= 13 && n <= 16) return 'warning';
  if (n >= 17 && n <= 20) return 'error';
  if (n >= 21 && n <= 24) return 'fatal';
  return undefined;
}

const LEVEL_WORDS: Readonly<Record<string, string>> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  alert: 'fatal',
  emergency: 'fatal',
  panic: 'fatal',
};

/**
 * A log record's level: from `severityNumber` when set (the spec's ranges), else from
 * `severityText` (`WARN`, `Error2` and `error` alike), else none.
 */
export function logLevel(severityNumber: unknown, severityText: unknown): string | undefined {
  const n = asNumber(severityNumber);
  const byNumber = n === undefined ? undefined : levelOfNumber(n);
  if (byNumber !== undefined) return byNumber;
  const text = asString(severityText)?.toLowerCase().replace(/[0-9]+$/, '');
  return text === undefined ? undefined : LEVEL_WORDS[text];
}

/**
 * Turns an `ExportLogsServiceRequest` (decoded protobuf or OTLP/JSON, one shape) into logs
 * events, one per log record: `message` is the body (as text), `level` comes from the
 * severity, `service` and `host` from the resource's `service.name` and `host.name`,
 * `trace_id` and `span_id` in hex; resource, scope and record attributes become `labels`
 * (later ones win), names made label names (`http.method` as `http_method`). Each event
 * then goes through the intake's `validate`, so the event limits hold; a record that does
 * not pass is refused alone.
 */
export function logsEvents(request: unknown, now: number, validate: (raw: unknown, now: number) => EventCheck): LogsOutcome {
  const records: EventCheck[] = [];
  for (const rl of asArray(asObject(request)?.resourceLogs)) {
    const resource = asObject(asObject(rl)?.resource);
    const resourceLabels: Record<string, string> = {};
    addAttributes(resourceLabels, resource?.attributes);
    const service = attribute(resource?.attributes, 'service.name');
    const host = attribute(resource?.attributes, 'host.name');
    for (const sl of asArray(asObject(rl)?.scopeLogs)) {
      const scope = asObject(asObject(sl)?.scope);
      const scopeLabels: Record<string, string> = { ...resourceLabels };
      addAttributes(scopeLabels, scope?.attributes);
      const scopeName = asString(scope?.name);
      for (const item of asArray(asObject(sl)?.logRecords)) {
        const record = asObject(item);
        if (record === undefined) {
          records.push({ ok: false, error: 'a log record is not an object' });
          continue;
        }
        const traceId = hexId(record.traceId, 16);
        const spanId = hexId(record.spanId, 8);
        if (traceId === null || spanId === null) {
          records.push({ ok: false, error: `log record: ${traceId === null ? 'traceId is not 16 bytes' : 'spanId is not 8 bytes'} (hex in OTLP/JSON)` });
          continue;
        }
        const labels: Record<string, string> = { ...scopeLabels };
        addAttributes(labels, record.attributes);
        const event: Record<string, unknown> = {
          stream: 'logs',
          time: nanosToMs(record.timeUnixNano) ?? nanosToMs(record.observedTimeUnixNano) ?? now,
          message: anyValueText(record.body) ?? '',
        };
        const level = logLevel(record.severityNumber, record.severityText);
        if (level !== undefined) event.level = level;
        const severityNumber = asNumber(record.severityNumber);
        if (severityNumber !== undefined && severityNumber > 0) event.severity_number = severityNumber;
        const severityText = asString(record.severityText);
        if (severityText !== undefined && severityText !== '') event.severity_text = severityText;
        if (service !== undefined && service !== '') event.service = service;
        if (host !== undefined && host !== '') event.host = host;
        if (scopeName !== undefined && scopeName !== '') event.scope = scopeName;
        if (traceId !== undefined) event.trace_id = traceId;
        if (spanId !== undefined) event.span_id = spanId;
        event.labels = labels;
        records.push(validate(event, now));
      }
    }
  }
  return { records };
}

/** The events of a logs outcome, for the intake queue. */
export function acceptedEvents(outcome: { readonly records: readonly EventCheck[] }): Event[] {
  const out: Event[] = [];
  for (const r of outcome.records) if (r.ok) out.push(r.event);
  return out;
}
