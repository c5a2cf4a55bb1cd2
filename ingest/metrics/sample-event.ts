import type { Event } from '../../engine/model/event.js';
import { validLabelName } from '../../engine/external-alerts.js';
import { EVENT_LIMITS, FORBIDDEN_KEYS } from '../event-schema.js';
import type { EventCheck } from '../event-validator.js';

/** One metric sample as a source read it, before it becomes an event. */
export interface Sample {
  /** The sample's name (`node_load1`, `http_requests_total`, `req_duration_bucket`). */
  readonly name: string;
  readonly value: number;
  /** The sample's labels without `__name__`; empty values are dropped. */
  readonly labels: Readonly<Record<string, string>>;
  /** When it was sampled, epoch ms. */
  readonly timeMs: number;
  /** The stream the event goes to (default `metrics`). */
  readonly stream?: string;
}

/** Prometheus metric names (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const forbidden = new Set(FORBIDDEN_KEYS);

/**
 * Makes one metrics event `{stream, time, name, value, labels}` from a sample, the shape
 * every metrics source (scrape, remote_write, OTLP) produces. Labels follow the rules of
 * posted alerts: Prometheus label names, empty values dropped; and the intake's event
 * limits hold (label count, string length). A sample that breaks them is refused with
 * the reason, never thrown. The labels object is used as given when it needs no change, so
 * samples of one series may share it.
 */
export function sampleEvent(sample: Sample): EventCheck {
  const { name, value, labels, timeMs } = sample;
  if (typeof name !== 'string' || !METRIC_NAME.test(name) || name.length > EVENT_LIMITS.maxStringLength) {
    return { ok: false, error: `invalid metric name ${JSON.stringify(String(name).slice(0, 80))}` };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, error: `${name}: the value ${String(value)} is not a finite number` };
  if (!Number.isSafeInteger(timeMs)) return { ok: false, error: `${name}: the timestamp ${String(timeMs)} is not epoch milliseconds` };
  let count = 0;
  let empty = false;
  for (const key in labels) {
    const v = labels[key]!;
    if (!validLabelName(key) || forbidden.has(key)) return { ok: false, error: `${name}: invalid label name ${JSON.stringify(key.slice(0, 80))}` };
    if (typeof v !== 'string') return { ok: false, error: `${name}: label ${key} is not a string` };
    if (v.length > EVENT_LIMITS.maxStringLength) return { ok: false, error: `${name}: label ${key} is longer than ${EVENT_LIMITS.maxStringLength} characters` };
    if (v === '') empty = true;
    else count++;
  }
  if (count > EVENT_LIMITS.maxLabels) return { ok: false, error: `${name}: ${count} labels, more than ${EVENT_LIMITS.maxLabels}` };
  let kept = labels;
  if (empty) {
    const copy: Record<string, string> = {};
    for (const key in labels) if (labels[key] !== '') copy[key] = labels[key]!;
    kept = copy;
  }
  const event: Event = { stream: sample.stream ?? 'metrics', time: timeMs, name, value, labels: kept };
  return { ok: true, event };
}
