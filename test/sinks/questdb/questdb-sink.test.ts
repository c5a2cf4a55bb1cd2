import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Incident, TimelineEntry } from '../../../engine/model/incident.js';
import { createQuestDbSink } from '../../../sinks/questdb/questdb-sink.js';
import { freePort } from '../../support/mariadb.js';
import { startQuestDb, type QuestDbServer } from '../../support/questdb.js';

let q: QuestDbServer;

before(async () => {
  q = await startQuestDb();
});

after(async () => {
  await q?.dispose();
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `i` of every stored event of `stream`, in (ts, seq) order, once `count` are visible (WAL tables apply asynchronously). */
async function storedIndexes(stream: string, count: number): Promise<number[]> {
  return waitFor(`${count} rows of ${stream}`, async () => {
    const r = await q.sql(`SELECT body FROM vigil_events WHERE stream = '${stream}' ORDER BY ts, seq`);
    return r.count >= count ? r.dataset.map((row) => (JSON.parse(row[0] as string) as { i: number }).i) : undefined;
  });
}

const dataDir = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'vigil-qdb-sink-'));
const quiet = (): void => {};

test('events, timeline entries and incident changes land in their tables with their types', async () => {
  const sink = await createQuestDbSink({ config: q.config, dataDir: await dataDir(), maxBufferBytes: 1 << 20, log: quiet });
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  sink.writeEvent({ stream: 'types', time: t0, host: 'web1', value: 1.5, labels: { env: 'prod' } });
  sink.writeEvent({ stream: 'types', time: t0 + 0.5, host: 'web2', ok: true });
  const entry: TimelineEntry = { id: 7, time: t0 + 1000, incident: 'inc-7', rule: 'web_down', kind: 'firing', labels: { host: 'web1' }, detail: { value: 3 } };
  sink.writeTimeline(entry);
  sink.writeTimeline({ ...entry, id: 8, incident: null, kind: 'pending', detail: {} });
  const incident: Incident = {
    id: 'inc-7',
    fingerprint: 'web_down{host=web1}',
    rule: 'web_down',
    severity: 'critical',
    labels: { host: 'web1', rule: 'web_down', severity: 'critical' },
    state: 'firing',
    value: 3,
    summary: "web1 is down, it's bad",
    openedAt: t0 + 1000,
    ackedAt: null,
    ackedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    alertFiring: true,
    entries: [7],
  };
  sink.writeIncident(incident);
  sink.writeIncident({ ...incident, state: 'acknowledged', ackedAt: t0 + 5000, ackedBy: 'ops' });
  await sink.flush();

  const events = await waitFor('events', async () => {
    const r = await q.sql(`SELECT ts, stream, body FROM vigil_events WHERE stream = 'types' ORDER BY ts, seq`);
    return r.count === 2 ? r : undefined;
  });
  assert.deepEqual(events.dataset[0], ['2026-03-01T10:00:00.000000Z', 'types', '{"stream":"types","time":1772359200000,"host":"web1","value":1.5,"labels":{"env":"prod"}}']);
  assert.equal(events.dataset[1]![0], '2026-03-01T10:00:00.000500Z');

  const timeline = await waitFor('timeline', async () => {
    const r = await q.sql(`SELECT ts, id, incident, rule, kind, labels, detail FROM vigil_timeline WHERE rule = 'web_down' ORDER BY id`);
    return r.count === 2 ? r : undefined;
  });
  assert.deepEqual(timeline.dataset, [
    ['2026-03-01T10:00:01.000000Z', 7, 'inc-7', 'web_down', 'firing', '{"host":"web1"}', '{"value":3}'],
    ['2026-03-01T10:00:01.000000Z', 8, null, 'web_down', 'pending', '{"host":"web1"}', '{}'],
  ]);

  const incidents = await waitFor('incidents', async () => {
    const r = await q.sql(`SELECT ts, id, state, severity, value, value_json, summary, opened, acked, acked_by, resolved FROM vigil_incidents ORDER BY ts, seq`);
    return r.count === 2 ? r : undefined;
  });
  assert.deepEqual(incidents.dataset, [
    ['2026-03-01T10:00:01.000000Z', 'inc-7', 'firing', 'critical', 3, '3', "web1 is down, it's bad", '2026-03-01T10:00:01.000000Z', null, null, null],
    ['2026-03-01T10:00:05.000000Z', 'inc-7', 'acknowledged', 'critical', 3, '3', "web1 is down, it's bad", '2026-03-01T10:00:01.000000Z', '2026-03-01T10:00:05.000000Z', 'ops', null],
  ]);

  const columns = await q.sql(`SELECT "column", type, designated FROM table_columns('vigil_events')`);
  assert.deepEqual(columns.dataset, [
    ['ts', 'TIMESTAMP', true],
    ['seq', 'LONG', false],
    ['stream', 'SYMBOL', false],
    ['body', 'STRING', false],
  ]);
  const kinds = await q.sql(`SELECT "column", type FROM table_columns('vigil_timeline') WHERE "column" IN ('id', 'incident', 'rule', 'kind')`);
  assert.deepEqual(kinds.dataset, [
    ['id', 'LONG'],
    ['incident', 'SYMBOL'],
    ['rule', 'SYMBOL'],
    ['kind', 'SYMBOL'],
  ]);
  await sink.close();
  assert.equal(sink.stats().sentRows, 6);
  assert.equal(sink.stats().queuedRows, 0);
});

test('a write only appends to the buffer: microseconds, no I/O', async () => {
  const sink = await createQuestDbSink({ config: q.config, dataDir: await dataDir(), maxBufferBytes: 256 << 20, log: quiet });
  const n = 100_000;
  const events = Array.from({ length: n }, (_, i) => ({ stream: 'speed', time: 1_800_000_000_000 + i, host: `web${i % 50}`, level: 'info', i }));
  const started = process.hrtime.bigint();
  for (const e of events) sink.writeEvent(e);
  const perWriteUs = Number(process.hrtime.bigint() - started) / 1000 / n;
  assert.ok(perWriteUs < 20, `a write took ${perWriteUs.toFixed(2)} µs`);
  await sink.flush();
  assert.equal(sink.stats().sentRows, n);
  await sink.close();
});

test('a row QuestDB refuses (a time before 1970) is skipped and counted; the rest of its batch is stored', async () => {
  const logs: string[] = [];
  const sink = await createQuestDbSink({ config: q.config, dataDir: await dataDir(), maxBufferBytes: 1 << 20, log: (m) => logs.push(m) });
  for (let i = 0; i < 40; i++) sink.writeEvent({ stream: 'refused', time: i === 13 ? -5_000 : 1_772_300_000_000 + i, i });
  await sink.flush();
  assert.equal(sink.stats().rejectedRows, 1);
  assert.equal(sink.stats().sentRows, 39);
  assert.ok(logs.some((m) => /1 rows refused, skipped \(HTTP 400/.test(m)), logs.join('\n'));
  assert.deepEqual(
    await storedIndexes('refused', 39),
    [...Array(40).keys()].filter((i) => i !== 13),
  );
  await sink.close();
});

test('QuestDB down: one onHealth(false), rows spill to the spool, the backlog arrives complete and in order, then onHealth(true)', async () => {
  const dir = await dataDir();
  const health: [boolean, string | undefined][] = [];
  const logs: string[] = [];
  const sink = await createQuestDbSink({
    // A short client retry window, so the outage is noticed within a second.
    config: `${q.config};retry_timeout=1000`,
    dataDir: dir,
    maxBufferBytes: 8 << 20,
    memoryBytes: 8192,
    flushIntervalMs: 50,
    probeMinMs: 100,
    probeMaxMs: 400,
    onHealth: (up, reason) => health.push([up, reason]),
    log: (m) => logs.push(m),
  });
  let i = 0;
  const write = (n: number): void => {
    for (const end = i + n; i < end; i++) sink.writeEvent({ stream: 'outage', time: 1_772_000_000_000 + Math.floor(i / 4), i });
  };
  write(100);
  await sink.flush();
  await q.stop();
  try {
    // Keep writing while the sink finds out.
    await waitFor('onHealth(false)', async () => {
      write(20);
      await new Promise((r) => setTimeout(r, 10));
      return health.length > 0 ? true : undefined;
    });
    assert.equal(health[0]![0], false);
    assert.match(health[0]![1]!, /refused|timeout/);
    await assert.rejects(sink.flush(), /unreachable/);
    write(3000);
    // The burst (about 300 kB) went to memory at once; spilling brings the memory part back
    // under its limit (plus the failed batch, at most one chunk of 8 kB, held for the retry).
    await waitFor('the memory part spilled', () => (sink.stats().memoryBytes <= 2 * 8192 ? true : undefined));
    assert.ok((await readdir(path.join(dir, 'questdb-spool'))).some((f) => f.endsWith('.ndjson')));
    const down = sink.stats();
    assert.equal(down.up, false);
    assert.ok(down.spoolFiles > 0 && down.spoolBytes > 0, JSON.stringify(down));
    assert.equal(down.queuedRows, i - 100);
    assert.equal(down.droppedRows, 0);
    // Still down after several probes: onHealth(false) was called once.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(health.length, 1);
  } finally {
    await q.start();
  }
  await waitFor('onHealth(true)', () => (health.length === 2 ? true : undefined));
  assert.deepEqual(health[1], [true, undefined]);
  write(50);
  await sink.flush();
  const stored = await storedIndexes('outage', i);
  assert.deepEqual(stored, Array.from({ length: i }, (_, k) => k));
  assert.equal(sink.stats().sentRows, i);
  assert.equal(sink.stats().spoolFiles, 0);
  assert.deepEqual(await readdir(path.join(dir, 'questdb-spool')), []);
  assert.ok(logs.some((m) => /unreachable/.test(m)) && logs.some((m) => /reachable again/.test(m)), logs.join('\n'));
  await sink.close();
});

test('past maxBufferBytes the oldest rows are dropped and counted; the spool outlives the sink and the next one sends it', async () => {
  const dir = await dataDir();
  const deadPort = await freePort();
  const health: [boolean, string | undefined][] = [];
  const logs: string[] = [];
  const maxBufferBytes = 16 * 1024;
  const first = await createQuestDbSink({
    config: `http::addr=127.0.0.1:${deadPort};retry_timeout=300`,
    dataDir: dir,
    maxBufferBytes,
    onHealth: (up, reason) => health.push([up, reason]),
    log: (m) => logs.push(m),
  });
  const n = 1000;
  for (let i = 0; i < n; i++) {
    first.writeEvent({ stream: 'bound', time: 1_772_100_000_000 + i, i, message: 'x'.repeat(40) });
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await waitFor('onHealth(false)', () => (health.length > 0 ? true : undefined));
  assert.deepEqual(health, [[false, 'connection refused']]);
  const full = first.stats();
  assert.ok(full.droppedRows > 0, JSON.stringify(full));
  assert.ok(full.queuedBytes <= maxBufferBytes, JSON.stringify(full));
  assert.equal(full.queuedRows + full.droppedRows, n);
  assert.ok(logs.some((m) => /dropped the \d+ oldest rows/.test(m)), logs.join('\n'));
  await first.close();
  const kept = first.stats().queuedRows;
  assert.ok((await readdir(path.join(dir, 'questdb-spool'))).length > 0);

  // A new sink (a restart of vigil) on the same data folder, with QuestDB up.
  const second = await createQuestDbSink({ config: q.config, dataDir: dir, maxBufferBytes, log: quiet });
  assert.equal(second.stats().queuedRows, kept);
  await waitFor('the spool sent', () => (second.stats().queuedRows === 0 ? true : undefined));
  const stored = await storedIndexes('bound', kept);
  // Exactly the newest rows survived, in order.
  assert.deepEqual(
    stored,
    Array.from({ length: kept }, (_, k) => n - kept + k),
  );
  assert.deepEqual(await readdir(path.join(dir, 'questdb-spool')), []);
  await second.close();
});

test('rows unsent at close wait in the spool; a restarted sink sends them first, and a resent spool is stored once', async () => {
  const dir = await dataDir();
  const spoolDir = path.join(dir, 'questdb-spool');
  const deadPort = await freePort();
  const first = await createQuestDbSink({ config: `http::addr=127.0.0.1:${deadPort};retry_timeout=300`, dataDir: dir, maxBufferBytes: 1 << 20, log: quiet });
  for (let i = 0; i < 30; i++) first.writeEvent({ stream: 'restart', time: 1_772_200_000_000 + (i % 3), i });
  await first.close();
  assert.equal(first.stats().queuedRows, 30);
  const spooled = await readdir(spoolDir);
  assert.ok(spooled.length > 0);
  const copy = await mkdtemp(path.join(tmpdir(), 'vigil-qdb-spool-copy-'));
  for (const f of spooled) await copyFile(path.join(spoolDir, f), path.join(copy, f));

  const second = await createQuestDbSink({ config: q.config, dataDir: dir, maxBufferBytes: 1 << 20, log: quiet });
  for (let i = 30; i < 40; i++) second.writeEvent({ stream: 'restart', time: 1_772_200_000_000 + (i % 3), i });
  await second.flush();
  await second.close();
  const ordered = [...Array(40).keys()].sort((a, b) => (a % 3) - (b % 3) || a - b);
  assert.deepEqual(await storedIndexes('restart', 40), ordered);

  // The same spool files again (a crash after sending, before they were removed): stored once.
  for (const f of spooled) await copyFile(path.join(copy, f), path.join(spoolDir, f));
  const third = await createQuestDbSink({ config: q.config, dataDir: dir, maxBufferBytes: 1 << 20, log: quiet });
  assert.equal(third.stats().queuedRows, 30);
  await waitFor('the spool sent again', () => (third.stats().queuedRows === 0 ? true : undefined));
  await third.close();
  assert.equal(third.stats().sentRows, 30);
  await waitFor('the WAL applied', async () => {
    const r = await q.sql(`SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = 'vigil_events'`);
    return r.dataset[0]![0] === r.dataset[0]![1] ? true : undefined;
  });
  const r = await q.sql(`SELECT body FROM vigil_events WHERE stream = 'restart' ORDER BY ts, seq`);
  assert.deepEqual(
    r.dataset.map((row) => (JSON.parse(row[0] as string) as { i: number }).i),
    ordered,
  );
});
