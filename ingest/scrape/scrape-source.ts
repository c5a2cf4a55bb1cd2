import http from 'node:http';
import type { Event } from '../../engine/model/event.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Source, SourceContext } from '../../engine/model/source.js';
import { sampleEvent, withTargetLabels } from '../metrics/sample-event.js';
import { parseExposition } from './exposition-parser.js';
import { scrapeHttp } from './scrape-http.js';

/** One scrape job: targets read alike (`scrape:` in the configuration). */
export interface ScrapeJob {
  /** The `job` label of every sample. */
  readonly job: string;
  /** `host:port` of each target; it becomes the `instance` label. */
  readonly targets: readonly string[];
  readonly intervalMs: number;
  /** Longest one scrape may take; at most `intervalMs`. */
  readonly timeoutMs: number;
  /** The metrics page, e.g. `/metrics`. */
  readonly path: string;
  /** Extra labels on every sample of the job. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What `createScrapeSource` takes. */
export interface ScrapeSourceOptions {
  readonly jobs: readonly ScrapeJob[];
  /** The stream samples go to; `metrics` unless said. */
  readonly stream?: string;
  /** Wall clock in epoch ms for the schedule and jitter; `Date.now` unless said. */
  readonly now?: () => number;
  readonly userAgent?: string;
}

/** How one target is doing, for tests, benchmarks and status pages. */
export interface ScrapeTargetStats {
  readonly job: string;
  readonly instance: string;
  /** Offset of the target's scrapes within its interval. */
  readonly phaseMs: number;
  readonly scrapes: number;
  /** Due scrapes skipped because the previous one was still going. */
  readonly skipped: number;
  /** Whether the last scrape worked; undefined before the first. */
  readonly up: boolean | undefined;
  readonly lastError: string | undefined;
  /** Start minus due time of the last scrape (timer lateness). */
  readonly lastJitterMs: number | undefined;
  /** Exposition lines that did not parse, and samples refused as events, since start. */
  readonly badLines: number;
  readonly badSamples: number;
}

/** The scrape source: a `Source` that also reports per-target figures. */
export interface ScrapeSource extends Source {
  stats(): readonly ScrapeTargetStats[];
}

interface Target {
  readonly job: ScrapeJob;
  readonly instance: string;
  readonly url: URL;
  readonly labels: Readonly<Record<string, string>>;
  readonly phaseMs: number;
  nextTick: number;
  timer: NodeJS.Timeout | undefined;
  busy: boolean;
  scrapes: number;
  skipped: number;
  up: boolean | undefined;
  lastError: string | undefined;
  lastJitterMs: number | undefined;
  badLines: number;
  badSamples: number;
  /** What was last logged for this target, so a lasting problem is said once. */
  lastLogged: string;
}

/** 32-bit FNV-1a of a string with MurmurHash3's finaliser: stable phases across restarts. */
function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const TARGET_FORM = /^[^\s/:]+:[0-9]{1,5}$|^\[[0-9a-fA-F:.]+\]:[0-9]{1,5}$/;

function targetsOf(jobs: readonly ScrapeJob[]): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const job of jobs) {
    if (!(job.intervalMs > 0) || !(job.timeoutMs > 0)) throw new VigilError(ErrorCode.Config, `scrape job ${job.job}: interval and timeout must be positive`);
    if (job.timeoutMs > job.intervalMs) throw new VigilError(ErrorCode.Config, `scrape job ${job.job}: timeout (${job.timeoutMs} ms) is longer than the interval (${job.intervalMs} ms)`);
    if (!job.path.startsWith('/')) throw new VigilError(ErrorCode.Config, `scrape job ${job.job}: path ${JSON.stringify(job.path)} does not start with "/"`);
    for (const instance of job.targets) {
      if (!TARGET_FORM.test(instance)) throw new VigilError(ErrorCode.Config, `scrape job ${job.job}: target ${JSON.stringify(instance)} is not host:port`);
      const key = `${job.job}\u0000${instance}`;
      if (seen.has(key)) throw new VigilError(ErrorCode.Config, `scrape job ${job.job}: target ${instance} is listed twice`);
      seen.add(key);
      const url = new URL(`http://${instance}${job.path}`);
      const labels = { ...job.labels, job: job.job, instance };
      // Spread over the interval by a hash of the target, as Prometheus offsets its scrapes.
      const phaseMs = (stableHash(`${job.job}/${instance}${job.path}`) / 2 ** 32) * job.intervalMs;
      targets.push({ job, instance, url, labels, phaseMs, nextTick: 0, timer: undefined, busy: false, scrapes: 0, skipped: 0, up: undefined, lastError: undefined, lastJitterMs: undefined, badLines: 0, badSamples: 0, lastLogged: '' });
    }
  }
  return targets;
}

/**
 * Prometheus-style scraping as a source: every target of every job is read every
 * `interval`, at a phase of its own so scrapes spread over the interval instead of coming
 * all at once. Each sample becomes a metrics event (`sampleEvent`) with the target's
 * labels (`job`, `instance`, the job's labels), stamped with the scrape's start time (the
 * timestamps an exposition may carry are not used). Every scrape also gives `up` (1, or 0
 * when the scrape failed, with nothing else), `scrape_duration_seconds` and
 * `scrape_samples_scraped`, as Prometheus adds them. An exposition line that does not
 * parse, or a sample that cannot be an event, is counted as refused and logged, and the
 * rest of the scrape is kept. A scrape that finds the intake full is dropped and said so:
 * the next one tells the same.
 */
export function createScrapeSource(options: ScrapeSourceOptions): ScrapeSource {
  const stream = options.stream ?? 'metrics';
  const now = options.now ?? Date.now;
  const userAgent = options.userAgent ?? 'vigil';
  const targets = targetsOf(options.jobs);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const abort = new AbortController();
  let ctx: SourceContext | undefined;

  const say = (t: Target, text: string): void => {
    if (text === t.lastLogged) return;
    t.lastLogged = text;
    if (text !== '') ctx?.log(`scrape ${t.job.job} ${t.instance}: ${text}`);
  };

  const schedule = (t: Target): void => {
    if (abort.signal.aborted) return;
    const { intervalMs } = t.job;
    const wall = now();
    // The next due tick after now; ticks the process could not run (blocked, clock jump) are passed over.
    const next = Math.max(t.nextTick, Math.ceil((wall - t.phaseMs) / intervalMs));
    t.nextTick = next;
    const dueMs = t.phaseMs + next * intervalMs;
    t.timer = setTimeout(() => run(t, dueMs), Math.max(0, dueMs - wall));
  };

  const run = (t: Target, dueMs: number): void => {
    t.nextTick++;
    schedule(t);
    if (t.busy) {
      t.skipped++;
      return;
    }
    t.busy = true;
    void scrape(t, dueMs).finally(() => (t.busy = false));
  };

  const scrape = async (t: Target, dueMs: number): Promise<void> => {
    const started = now();
    t.lastJitterMs = started - dueMs;
    const time = ctx!.now();
    const response = await scrapeHttp({ url: t.url, timeoutMs: t.job.timeoutMs, agent, userAgent, signal: abort.signal });
    if (abort.signal.aborted) return;
    t.scrapes++;
    const events: Event[] = [];
    const meta = (name: string, value: number): void => {
      const e = sampleEvent({ name, value, labels: t.labels, timeMs: time, stream });
      if (e.ok) events.push(e.event);
    };
    let refused = 0;
    let scraped = 0;
    if (!response.ok) {
      t.up = false;
      t.lastError = response.error;
      say(t, `scrape failed: ${response.error}`);
    } else {
      const parsed = parseExposition(response.body, { openMetrics: response.openMetrics });
      scraped = parsed.samples.length;
      let firstBad: string | undefined;
      for (const s of parsed.samples) {
        // NaN (also the staleness marker) and the infinities make no event, and are no error.
        if (!Number.isFinite(s.value)) continue;
        const e = sampleEvent({ name: s.name, value: s.value, labels: withTargetLabels(s.labels, t.labels), timeMs: time, stream });
        if (e.ok) events.push(e.event);
        else {
          refused++;
          t.badSamples++;
          firstBad ??= e.error;
        }
      }
      refused += parsed.errors.length;
      t.badLines += parsed.errors.length;
      t.up = true;
      t.lastError = undefined;
      const firstError = parsed.errors[0];
      if (refused > 0) say(t, `${refused} samples refused; first: ${firstError === undefined ? firstBad : `line ${firstError.line}: ${firstError.error}`}`);
      else say(t, '');
    }
    meta('up', response.ok ? 1 : 0);
    meta('scrape_duration_seconds', (now() - started) / 1000);
    meta('scrape_samples_scraped', scraped);
    const submitted = ctx!.submit(events);
    ctx!.counted(new Map([[stream, events.length]]), new Map(refused > 0 ? [[stream, refused]] : []));
    if (submitted === 'busy') ctx!.log(`scrape ${t.job.job} ${t.instance}: intake busy, ${events.length} samples dropped`);
    // Not awaited: the target's next scrape is due on its schedule, however long the
    // journal takes with this one (the queue's bound is the backpressure).
  };

  return {
    name: 'scrape',
    async start(context) {
      ctx = context;
      context.signal.addEventListener('abort', () => abort.abort(), { once: true });
      for (const t of targets) schedule(t);
    },
    async stop() {
      abort.abort();
      for (const t of targets) clearTimeout(t.timer);
      agent.destroy();
    },
    health: () => {
      const down = targets.filter((t) => t.up === false).length;
      return { up: true, detail: `${targets.length} targets, ${down} down` };
    },
    stats: () =>
      targets.map((t) => ({
        job: t.job.job,
        instance: t.instance,
        phaseMs: t.phaseMs,
        scrapes: t.scrapes,
        skipped: t.skipped,
        up: t.up,
        lastError: t.lastError,
        lastJitterMs: t.lastJitterMs,
        badLines: t.badLines,
        badSamples: t.badSamples,
      })),
  };
}
