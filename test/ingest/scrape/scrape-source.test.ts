import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Event } from '../../../engine/model/event.js';
import { ErrorCode, VigilError } from '../../../engine/model/errors.js';
import type { SourceContext } from '../../../engine/model/source.js';
import { createScrapeSource, type ScrapeJob, type ScrapeSource } from '../../../ingest/scrape/scrape-source.js';
import { startNodeExporter, type NodeExporter } from '../../support/node-exporter.js';
import { freePort } from '../../support/ports.js';
import { eventually } from '../../support/vigil-process.js';

/** A context that keeps what the source hands over (the service's queue in `vigil run`). */
function collectingContext(options: { busy?: boolean } = {}) {
  const events: Event[] = [];
  const logs: string[] = [];
  const received = new Map<string, number>();
  const rejected = new Map<string, number>();
  const abort = new AbortController();
  const ctx: SourceContext = {
    submit: (batch) => {
      if (options.busy) return 'busy';
      events.push(...batch);
      return Promise.resolve([]);
    },
    submitAlerts: () => undefined,
    selfAlert: () => undefined,
    now: () => Date.now(),
    log: (line) => logs.push(line),
    counted: (r, j) => {
      for (const [k, n] of r) received.set(k, (received.get(k) ?? 0) + n);
      for (const [k, n] of j) rejected.set(k, (rejected.get(k) ?? 0) + n);
    },
    http: undefined,
    signal: abort.signal,
  };
  return { ctx, events, logs, received, rejected, abort };
}

const job = (over: Partial<ScrapeJob> & Pick<ScrapeJob, 'targets'>): ScrapeJob => ({ job: 'j', intervalMs: 1000, timeoutMs: 900, path: '/metrics', labels: {}, ...over });

let page: Server;
let slow: Server;
let failing: Server;
let exporter: NodeExporter;
const hostOf = (s: Server): string => `127.0.0.1:${(s.address() as AddressInfo).port}`;
const sources: ScrapeSource[] = [];

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

before(async () => {
  page = await listen((req, res) => {
    res.setHeader('content-type', req.headers['user-agent'] === 'om-please' ? 'application/openmetrics-text; version=1.0.0' : 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE requests_total counter',
        'requests_total{code="200",job="inner",instance="self"} 7 1000',
        'temperature{room="a b"} 21.5',
        'stale NaN',
        'huge +Inf',
        'bad{ 1',
        req.headers['user-agent'] === 'om-please' ? '# EOF' : '',
      ].join('\n'),
    );
  });
  slow = await listen(() => undefined);
  failing = await listen((_req, res) => {
    res.statusCode = 503;
    res.end('down for maintenance');
  });
  exporter = await startNodeExporter();
});

after(async () => {
  for (const s of sources) await s.stop();
  for (const s of [page, slow, failing]) {
    s?.closeAllConnections();
    await new Promise((resolve) => s?.close(resolve));
  }
  await exporter?.stop();
});

function start(jobs: ScrapeJob[], c = collectingContext(), userAgent?: string): ScrapeSource {
  const source = createScrapeSource({ jobs, ...(userAgent === undefined ? {} : { userAgent }) });
  sources.push(source);
  void source.start(c.ctx);
  return source;
}

test('each sample becomes a metrics event with the target labels, stamped with the scrape time; the page\'s job and instance become exported_*', async () => {
  const c = collectingContext();
  const target = hostOf(page);
  const startedAt = Date.now();
  start([job({ job: 'app', targets: [target], labels: { env: 'prod' } })], c);
  const req = await eventually(() => c.events.find((e) => e.name === 'requests_total'), 'a scrape');
  assert.deepEqual(req.labels, { code: '200', env: 'prod', exported_instance: 'self', exported_job: 'inner', instance: target, job: 'app' });
  assert.equal(req.value, 7);
  assert.equal(req.stream, 'metrics');
  assert.equal(req.job, 'app');
  assert.equal(req.instance, target);
  // The scrape time, not the page's timestamp (1000 ms after the epoch).
  assert.ok(req.time >= startedAt && req.time <= Date.now(), String(req.time));
  const temp = c.events.find((e) => e.name === 'temperature')!;
  assert.deepEqual(temp.labels, { env: 'prod', instance: target, job: 'app', room: 'a b' });
  // NaN and +Inf make no event; the bad line is refused and said.
  assert.ok(!c.events.some((e) => e.name === 'stale' || e.name === 'huge'));
  const up = c.events.find((e) => e.name === 'up')!;
  assert.equal(up.value, 1);
  assert.deepEqual(up.labels, { env: 'prod', instance: target, job: 'app' });
  // Samples that parsed, NaN and +Inf among them.
  assert.equal(c.events.find((e) => e.name === 'scrape_samples_scraped')!.value, 4);
  assert.equal(typeof c.events.find((e) => e.name === 'scrape_duration_seconds')!.value, 'number');
  assert.ok((c.rejected.get('metrics') ?? 0) >= 1);
  assert.ok(c.logs.some((l) => l.startsWith(`scrape app ${target}: 1 samples refused; first: line 6: `)), c.logs.join('\n'));
});

test('an OpenMetrics answer is read as OpenMetrics', async () => {
  const c = collectingContext();
  start([job({ job: 'om', targets: [hostOf(page)] })], c, 'om-please');
  await eventually(() => c.events.some((e) => e.name === 'up'), 'a scrape');
  assert.ok(c.events.some((e) => e.name === 'temperature' && e.value === 21.5));
  // The only refused line is the bad one: `# EOF` is there, so no missing-EOF error.
  assert.ok(c.logs.every((l) => !l.includes('EOF')), c.logs.join('\n'));
});

test('a timeout, a refused connection and an HTTP error each give up == 0 with the reason, and nothing else', async () => {
  const c = collectingContext();
  const dead = `127.0.0.1:${await freePort()}`;
  const source = start([job({ job: 'bad', targets: [hostOf(slow), hostOf(failing), dead], timeoutMs: 300 })], c);
  await eventually(() => source.stats().every((s) => s.up === false), 'three failed scrapes');
  const stats = new Map(source.stats().map((s) => [s.instance, s.lastError ?? '']));
  assert.match(stats.get(hostOf(slow))!, /deadline exceeded/);
  assert.match(stats.get(hostOf(failing))!, /HTTP status 503/);
  assert.match(stats.get(dead)!, /ECONNREFUSED/);
  const ups = c.events.filter((e) => e.name === 'up');
  assert.ok(ups.length >= 3 && ups.every((e) => e.value === 0));
  assert.ok(c.events.every((e) => ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'].includes(e.name as string)));
});

test('a real node exporter is scraped (gzip-encoded answer) and node_load1 arrives', async () => {
  const c = collectingContext();
  start([job({ job: 'node', targets: [exporter.hostPort] })], c);
  const load = await eventually(() => c.events.find((e) => e.name === 'node_load1'), 'node_load1');
  assert.equal(typeof load.value, 'number');
  assert.ok(c.events.filter((e) => e.name === 'node_cpu_seconds_total').length >= 1);
  assert.ok(!c.rejected.has('metrics'), 'no refused samples');
});

test('scrapes spread over the interval: a thousand targets\' phases fill every tenth of it', () => {
  const targets = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}:9100`);
  const source = createScrapeSource({ jobs: [job({ job: 'many', targets, intervalMs: 15_000, timeoutMs: 5000 })] });
  const tenths = new Array<number>(10).fill(0);
  for (const s of source.stats()) {
    assert.ok(s.phaseMs >= 0 && s.phaseMs < 15_000);
    tenths[Math.floor(s.phaseMs / 1500)]!++;
  }
  for (const n of tenths) assert.ok(n >= 60 && n <= 140, tenths.join(' '));
});

test('a full intake drops the scrape and says so', async () => {
  const c = collectingContext({ busy: true });
  start([job({ job: 'busy', targets: [hostOf(page)] })], c);
  await eventually(() => c.logs.some((l) => /intake busy, \d+ samples dropped/.test(l)), 'the drop said');
});

test('bad jobs are refused at start: a timeout past the interval, a target that is not host:port, a target twice', () => {
  const refused = (j: ScrapeJob): void =>
    assert.throws(() => createScrapeSource({ jobs: [j] }), (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config);
  refused(job({ targets: ['127.0.0.1:1'], intervalMs: 1000, timeoutMs: 2000 }));
  refused(job({ targets: ['http://127.0.0.1:1/metrics'] }));
  refused(job({ targets: ['127.0.0.1:1', '127.0.0.1:1'] }));
  refused(job({ targets: ['127.0.0.1:1'], path: 'metrics' }));
});
