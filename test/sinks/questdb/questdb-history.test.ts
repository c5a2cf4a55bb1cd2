import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Event } from '../../../engine/model/event.js';
import type { Incident, TimelineEntry, TimelineKind } from '../../../engine/model/incident.js';
import { createQuestDbHistory, type QuestDbHistory } from '../../../sinks/questdb/questdb-history.js';
import { createQuestDbSink } from '../../../sinks/questdb/questdb-sink.js';
import { freePort } from '../../support/mariadb.js';
import { startQuestDb, type QuestDbServer } from '../../support/questdb.js';

let q: QuestDbServer;
let history: QuestDbHistory;

const T0 = Date.parse('2026-04-01T00:00:00Z');
const at = (s: number): number => T0 + s * 1000;

/** 12 timeline entries, one every 10 s. */
const ENTRIES: TimelineEntry[] = Array.from({ length: 12 }, (_, k) => ({
  id: k + 1,
  time: at(k * 10),
  incident: k % 3 === 0 ? null : `inc-${(k % 2) + 1}`,
  rule: k % 2 === 0 ? 'web_down' : 'disk_full',
  kind: (['pending', 'firing', 'notified', 'acked'] as TimelineKind[])[k % 4]!,
  labels: { host: `web${k % 2}` },
  detail: k === 5 ? { channel: 'ops', note: 'it\'s "quoted"' } : {},
}));

function incident(id: string, rule: string, openedS: number): Incident {
  return {
    id,
    fingerprint: `${rule}{}`,
    rule,
    severity: rule === 'web_down' ? 'critical' : 'warning',
    labels: { rule },
    state: 'firing',
    value: null,
    summary: `${rule} ${id}`,
    openedAt: at(openedS),
    ackedAt: null,
    ackedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    alertFiring: true,
    entries: [],
  };
}

/** 40 events, five to a millisecond: ties that only `seq` orders. */
const EVENTS: Event[] = Array.from({ length: 40 }, (_, i) => ({ stream: 'hist', time: at(0) + Math.floor(i / 5), i, host: `web${i % 3}` }));

before(async () => {
  q = await startQuestDb();
  history = createQuestDbHistory({ httpUrl: q.httpUrl });
  // Before anything is written the tables do not exist: history reads as empty.
  assert.deepEqual(await history.timeline(), []);
  assert.deepEqual(await history.incidents(), []);
  assert.equal(await history.countEvents(), 0);
  const sink = await createQuestDbSink({ config: q.config, dataDir: await mkdtemp(path.join(tmpdir(), 'vigil-qdb-history-')), maxBufferBytes: 1 << 20, log: () => {} });
  for (const e of ENTRIES) sink.writeTimeline(e);
  // inc-1: firing, acknowledged, resolved; inc-2: firing with a value; inc-3 (another rule): firing, acknowledged.
  const one = incident('inc-1', 'web_down', 0);
  sink.writeIncident(one);
  sink.writeIncident({ ...one, state: 'acknowledged', ackedAt: at(30), ackedBy: 'alice' });
  sink.writeIncident({ ...one, state: 'resolved', ackedAt: at(30), ackedBy: 'alice', resolvedAt: at(60), resolvedBy: 'engine' });
  sink.writeIncident({ ...incident('inc-2', 'web_down', 40), value: 97.5 });
  const three = incident('inc-3', 'disk_full', 50);
  sink.writeIncident(three);
  // Two changes in the same millisecond: the later write is the latest.
  sink.writeIncident({ ...three, state: 'acknowledged', ackedAt: at(50), ackedBy: 'bob' });
  for (const e of EVENTS) sink.writeEvent(e);
  await sink.close();
  assert.equal(sink.stats().sentRows, ENTRIES.length + 6 + EVENTS.length);
  // WAL tables apply asynchronously: wait until every row is visible.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const counts = await Promise.all(['vigil_timeline', 'vigil_incidents', 'vigil_events'].map((t) => q.sql(`SELECT count() FROM ${t}`)));
    if (counts.map((c) => c.dataset[0]![0]).join() === `${ENTRIES.length},6,${EVENTS.length}`) break;
    if (Date.now() > deadline) throw new Error('rows did not become visible');
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  await q?.dispose();
});

test('timeline: oldest first, since/until inclusive, paged with after and limit', async () => {
  assert.deepEqual(await history.timeline(), ENTRIES);
  assert.deepEqual(
    (await history.timeline({ since: at(20), until: at(50) })).map((e) => e.id),
    [3, 4, 5, 6],
  );
  const pages: number[][] = [];
  let after: number | undefined;
  for (;;) {
    const page = await history.timeline({ limit: 5, ...(after === undefined ? {} : { after }) });
    if (page.length === 0) break;
    pages.push(page.map((e) => e.id));
    after = page[page.length - 1]!.id;
  }
  assert.deepEqual(pages, [
    [1, 2, 3, 4, 5],
    [6, 7, 8, 9, 10],
    [11, 12],
  ]);
  assert.deepEqual((await history.timeline({ after: 5, limit: 1 }))[0]!.detail, { channel: 'ops', note: 'it\'s "quoted"' });
});

test('incidents: each as of its latest change, newest first, filtered by status, rule and time', async () => {
  const all = await history.incidents();
  assert.deepEqual(
    all.map((i) => [i.id, i.state]),
    [
      ['inc-3', 'acknowledged'],
      ['inc-2', 'firing'],
      ['inc-1', 'resolved'],
    ],
  );
  const one = all.find((i) => i.id === 'inc-1')!;
  assert.deepEqual(one, {
    id: 'inc-1',
    rule: 'web_down',
    state: 'resolved',
    severity: 'critical',
    labels: { rule: 'web_down' },
    value: null,
    summary: 'web_down inc-1',
    openedAt: at(0),
    ackedAt: at(30),
    ackedBy: 'alice',
    resolvedAt: at(60),
    resolvedBy: 'engine',
    updatedAt: at(60),
  });
  assert.equal(all.find((i) => i.id === 'inc-2')!.value, 97.5);
  assert.deepEqual(
    (await history.incidents({ status: 'firing' })).map((i) => i.id),
    ['inc-2'],
  );
  assert.deepEqual(
    (await history.incidents({ rule: 'web_down' })).map((i) => i.id),
    ['inc-2', 'inc-1'],
  );
  // Open at some point in [since, until]: inc-1 resolved at 60 s, before since.
  assert.deepEqual(
    (await history.incidents({ since: at(61) })).map((i) => i.id),
    ['inc-3', 'inc-2'],
  );
  assert.deepEqual(
    (await history.incidents({ until: at(45) })).map((i) => i.id),
    ['inc-2', 'inc-1'],
  );
  assert.deepEqual(
    (await history.incidents({ limit: 1 })).map((i) => i.id),
    ['inc-3'],
  );
  // Caller text is only ever a quoted literal.
  assert.deepEqual(await history.incidents({ rule: "x' OR '1'='1" }), []);
  assert.deepEqual(await history.incidents({ rule: "web_down'; DROP TABLE vigil_incidents; --" }), []);
  assert.equal((await history.incidents()).length, 3);
});

test('events: time order, ties in write order, each exactly once across pages; [since, until)', async () => {
  for (const pageSize of [1, 3, 5, 7, 40, 1000]) {
    const seen: number[] = [];
    for await (const e of history.events({ pageSize })) seen.push(e.i as number);
    assert.deepEqual(seen, EVENTS.map((e) => e.i), `page size ${pageSize}`);
  }
  const ranged: Event[] = [];
  for await (const e of history.events({ since: at(0) + 2, until: at(0) + 4, pageSize: 4 })) ranged.push(e);
  assert.deepEqual(ranged, EVENTS.slice(10, 20));
  assert.equal(await history.countEvents(), 40);
  assert.equal(await history.countEvents({ since: at(0) + 2, until: at(0) + 4 }), 10);
  assert.equal(await history.countEvents({ since: at(1) }), 0);
});

test('reads fail with a clear error when QuestDB does not answer', async () => {
  const dead = createQuestDbHistory({ httpUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2_000 });
  await assert.rejects(dead.countEvents(), (e: Error & { unreachable?: boolean; reason?: string }) => e.unreachable === true && e.reason === 'connection refused');
  await assert.rejects(async () => {
    for await (const _ of dead.events()) break;
  }, /did not answer/);
});
