import { DURATION_SOURCE, durationMs } from '../engine/model/duration.js';
import type { ScrapeJob } from '../ingest/scrape/scrape-source.js';

/** One entry of `scrape:` in `vigil.yaml`, after defaults. */
export interface ScrapeJobConfig {
  readonly job: string;
  readonly targets: readonly string[];
  readonly interval: string;
  readonly timeout: string;
  readonly path: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** `scrape:` in `vigil.yaml`: the Prometheus targets vigil reads itself. */
export type ScrapeConfig = readonly ScrapeJobConfig[];

const durationPattern = `^${DURATION_SOURCE}$`;

/** JSON Schema of `scrape:` (a list of jobs; none by default). */
export const scrapeConfigSchema = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['job', 'targets'],
    properties: {
      job: { type: 'string', minLength: 1, maxLength: 256 },
      targets: { type: 'array', items: { type: 'string', pattern: '^[^\\s/]+:\\d{1,5}$' }, default: [] },
      interval: { type: 'string', pattern: durationPattern, default: '1m' },
      timeout: { type: 'string', pattern: durationPattern, default: '10s' },
      path: { type: 'string', pattern: '^/', default: '/metrics' },
      labels: { type: 'object', propertyNames: { pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }, additionalProperties: { type: 'string' }, default: {} },
    },
  },
} as const;

/**
 * The scrape jobs of a configuration, durations in ms. As in Prometheus, the interval
 * defaults to 1m and the timeout to 10s; a timeout longer than the interval is cut to the
 * interval (a scrape never overlaps the next).
 */
export function scrapeJobs(config: ScrapeConfig): ScrapeJob[] {
  return config.map((j) => {
    const intervalMs = durationMs(j.interval);
    return { job: j.job, targets: j.targets, intervalMs, timeoutMs: Math.min(durationMs(j.timeout), intervalMs), path: j.path, labels: j.labels };
  });
}
