import { validLabelName } from '../../engine/external-alerts.js';
import type { Event } from '../../engine/model/event.js';
import { EVENT_LIMITS, FORBIDDEN_KEYS } from '../event-schema.js';

/** One metric sample as any metrics source (scrape, remote write, OTLP) has it. */
export interface Sample {
  /** The sample's name as exposed (`http_requests_total`, `x_bucket`, `x_sum`, ...). */
  readonly name: string;
  readonly value: number;
  /** Every label the event gets (a scrape adds `job` and `instance` before this). */
  readonly labels: Readonly<Record<string, string>>;
  /** Event time, epoch ms. */
  readonly timeMs: number;
  /** The stream the event goes to (default `metrics`). */
  readonly stream?: string;
}

/** A sample as an event, or why it cannot be one. */
export type SampleEventResult = { readonly ok: true; readonly event: Event } | { readonly ok: false; readonly error: string };

const FORBIDDEN = new Set(FORBIDDEN_KEYS);

/** Labels also copied to top-level fields, so `by instance` reads as it does in PromQL. */
const TOP_LEVEL = ['job', 'instance'] as const;

/**
 * Turns one sample into a metrics event `{stream, time, name, value, job, instance, labels}`
 * (`job` and `instance` copied from the labels when there), under the
 * label rules of posted alerts (`validLabelName`): names must be Prometheus label names,
 * empty values are dropped (as Prometheus and Alertmanager treat an empty label as an
 * absent one), and labels are kept sorted by name. Labels whose name starts with `__` are
 * Prometheus-internal and dropped. A value that JSON cannot carry (NaN, which is also
 * Prometheus' staleness marker, and the infinities) makes no event: rules compare numbers,
 * and the journal stores JSON. The event limits of the intake (label count, string
 * length) apply, so a sample never makes an event the HTTP intake would refuse.
 */
export function sampleEvent(sample: Sample): SampleEventResult {
  const { name, value, labels, timeMs } = sample;
  const stream = sample.stream ?? 'metrics';
  if (name === '') return { ok: false, error: 'sample has an empty name' };
  if (name.length > EVENT_LIMITS.maxStringLength) return { ok: false, error: `sample name is longer than ${EVENT_LIMITS.maxStringLength} characters` };
  if (!Number.isFinite(value)) return { ok: false, error: `sample ${name} has the value ${value}, which an event cannot carry` };
  if (!Number.isFinite(timeMs)) return { ok: false, error: `sample ${name} has no valid time` };
  const names = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  let count = 0;
  for (const key of names) {
    const v = labels[key]!;
    if (key.startsWith('__') || v === '') continue;
    if (!validLabelName(key) || FORBIDDEN.has(key)) return { ok: false, error: `sample ${name} has the invalid label name ${JSON.stringify(key.slice(0, 80))}` };
    if (v.length > EVENT_LIMITS.maxStringLength) return { ok: false, error: `sample ${name}: label ${key} is longer than ${EVENT_LIMITS.maxStringLength} characters` };
    if (++count > EVENT_LIMITS.maxLabels) return { ok: false, error: `sample ${name} has more than ${EVENT_LIMITS.maxLabels} labels` };
    out[key] = v;
  }
  // -0 is read as 0, as JSON would.
  const event: Record<string, unknown> = { stream, time: Math.trunc(timeMs), name, value: value === 0 ? 0 : value };
  for (const key of TOP_LEVEL) if (out[key] !== undefined) event[key] = out[key];
  event.labels = out;
  return { ok: true, event: event as unknown as Event };
}

/**
 * A scraped sample's labels joined with its target's (`job`, `instance` and the configured
 * labels), the way Prometheus does with `honor_labels: false`: the target's labels win, and
 * a sample label they would overwrite is kept as `exported_<name>`.
 */
export function withTargetLabels(sampleLabels: Readonly<Record<string, string>>, targetLabels: Readonly<Record<string, string>>): Record<string, string> {
  // No prototype: a label named `__proto__` is a plain key here (sampleEvent drops it).
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(sampleLabels)) {
    if (Object.hasOwn(targetLabels, key)) {
      if (sampleLabels[key] !== '') out[`exported_${key}`] = sampleLabels[key]!;
    } else {
      out[key] = sampleLabels[key]!;
    }
  }
  for (const key of Object.keys(targetLabels)) out[key] = targetLabels[key]!;
  return out;
}
