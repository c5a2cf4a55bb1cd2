import type { Event } from '../../engine/model/event.js';
import { sampleEvent } from '../metrics/sample-event.js';
import { addAttributes, asArray, asNumber, asObject, asString, attribute, metricName, nanosToMs } from './otlp-values.js';

/** What one OTLP metrics request made: its events, its data points, and each refused point's reason. */
export interface MetricsOutcome {
  readonly events: Event[];
  readonly points: number;
  readonly refused: string[];
}

/** `AGGREGATION_TEMPORALITY_CUMULATIVE`. */
const CUMULATIVE = 2;
/** `DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`: the point marks a series gone (a staleness marker). */
const NO_RECORDED_VALUE = 1;

/** A bucket bound as Prometheus spells `le` (`0.5`, `10`, `+Inf`). */
function le(bound: number): string {
  return bound === Infinity ? '+Inf' : bound === -Infinity ? '-Inf' : String(bound);
}

/** Collects the samples of one data point, or says why the point is refused. */
type Emit = (name: string, value: number, labels: Record<string, string>) => string | undefined;

/**
 * Turns an `ExportMetricsServiceRequest` (decoded protobuf or OTLP/JSON, one shape) into
 * metrics events, the way Prometheus' OTLP receiver names them: names in Prometheus'
 * alphabet (`http.server.duration` as `http_server_duration`), a monotonic cumulative sum
 * with `_total`, a histogram as `_bucket{le}` (cumulative counts, `+Inf` included), `_sum`
 * and `_count`, a summary as `{quantile}`, `_sum` and `_count`. Labels are the point's
 * attributes plus `job` (`service.namespace/service.name`) and `instance`
 * (`service.instance.id`) from the resource. Exponential histograms are refused (the
 * partial-success answer says so); a point without a recorded value is skipped.
 */
export function metricsEvents(request: unknown, now: number): MetricsOutcome {
  const events: Event[] = [];
  const refused: string[] = [];
  let points = 0;
  for (const rm of asArray(asObject(request)?.resourceMetrics)) {
    const resource = asObject(asObject(rm)?.resource);
    const service = attribute(resource?.attributes, 'service.name');
    const namespace = attribute(resource?.attributes, 'service.namespace');
    const instance = attribute(resource?.attributes, 'service.instance.id');
    const base: Record<string, string> = {};
    if (service !== undefined && service !== '') base.job = namespace ? `${namespace}/${service}` : service;
    if (instance !== undefined && instance !== '') base.instance = instance;
    for (const sm of asArray(asObject(rm)?.scopeMetrics)) {
      for (const item of asArray(asObject(sm)?.metrics)) {
        const metric = asObject(item);
        const rawName = asString(metric?.name);
        const kinds = ['gauge', 'sum', 'histogram', 'summary', 'exponentialHistogram'] as const;
        const kind = kinds.find((k) => metric?.[k] !== undefined);
        const data = kind === undefined ? undefined : asObject(metric![kind]);
        if (rawName === undefined || rawName === '' || kind === undefined || data === undefined) {
          points += Math.max(1, asArray(data?.dataPoints).length);
          refused.push(rawName ? `metric ${rawName}: no gauge, sum, histogram or summary data` : 'a metric without a name');
          continue;
        }
        const name = metricName(rawName);
        const monotonicTotal = kind === 'sum' && data.isMonotonic === true && asNumber(data.aggregationTemporality) === CUMULATIVE && !name.endsWith('_total');
        for (const p of asArray(data.dataPoints)) {
          points++;
          const point = asObject(p);
          if (point === undefined) {
            refused.push(`metric ${name}: a data point is not an object`);
            continue;
          }
          if (((asNumber(point.flags) ?? 0) & NO_RECORDED_VALUE) !== 0) continue;
          if (kind === 'exponentialHistogram') {
            refused.push(`metric ${name}: exponential histograms are not taken; export explicit-bucket histograms`);
            continue;
          }
          const labels: Record<string, string> = { ...base };
          addAttributes(labels, point.attributes);
          const timeMs = nanosToMs(point.timeUnixNano) ?? now;
          const made: Event[] = [];
          const emit: Emit = (n, value, l) => {
            const checked = sampleEvent({ name: n, value, labels: l, timeMs });
            if (!checked.ok) return checked.error;
            made.push(checked.event);
            return undefined;
          };
          const error = kind === 'gauge' || kind === 'sum' ? numberPoint(point, monotonicTotal ? `${name}_total` : name, labels, emit) : kind === 'histogram' ? histogramPoint(point, name, labels, emit) : summaryPoint(point, name, labels, emit);
          if (error !== undefined) refused.push(error);
          else events.push(...made);
        }
      }
    }
  }
  return { events, points, refused };
}

function numberPoint(point: Record<string, unknown>, name: string, labels: Record<string, string>, emit: Emit): string | undefined {
  const value = asNumber(point.asDouble ?? point.asInt);
  if (value === undefined) return `metric ${name}: a data point has neither asDouble nor asInt`;
  return emit(name, value, labels);
}

function histogramPoint(point: Record<string, unknown>, name: string, labels: Record<string, string>, emit: Emit): string | undefined {
  const count = asNumber(point.count);
  if (count === undefined) return `metric ${name}: a histogram point has no count`;
  const bounds = asArray(point.explicitBounds).map(asNumber);
  const counts = asArray(point.bucketCounts).map(asNumber);
  if (bounds.some((b) => b === undefined) || counts.some((c) => c === undefined)) return `metric ${name}: histogram bounds and counts must be numbers`;
  if (counts.length > 0 && counts.length !== bounds.length + 1) {
    return `metric ${name}: ${counts.length} bucket counts for ${bounds.length} bounds (needs one more count than bounds)`;
  }
  if (counts.length > 0) {
    // OTLP counts per bucket; Prometheus' buckets are cumulative, the last one `+Inf`.
    let cumulative = 0;
    for (let i = 0; i < counts.length; i++) {
      cumulative += counts[i]!;
      const error = emit(`${name}_bucket`, cumulative, { ...labels, le: le(i < bounds.length ? bounds[i]! : Infinity) });
      if (error !== undefined) return error;
    }
  }
  const sum = asNumber(point.sum);
  if (sum !== undefined) {
    const error = emit(`${name}_sum`, sum, labels);
    if (error !== undefined) return error;
  }
  return emit(`${name}_count`, count, labels);
}

function summaryPoint(point: Record<string, unknown>, name: string, labels: Record<string, string>, emit: Emit): string | undefined {
  for (const q of asArray(point.quantileValues)) {
    const quantile = asNumber(asObject(q)?.quantile) ?? 0;
    const value = asNumber(asObject(q)?.value) ?? 0;
    const error = emit(name, value, { ...labels, quantile: String(quantile) });
    if (error !== undefined) return error;
  }
  const sum = asNumber(point.sum) ?? 0;
  const error = emit(`${name}_sum`, sum, labels);
  return error ?? emit(`${name}_count`, asNumber(point.count) ?? 0, labels);
}
