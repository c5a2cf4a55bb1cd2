import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { backtestCommand } from '../../cli/backtest-command.js';
import type { Event } from '../../engine/model/event.js';
import { createQuestDbSink } from '../../sinks/questdb/questdb-sink.js';
import { runVigil, tempFiles } from '../support/cli.js';
import { freePort } from '../support/mariadb.js';
import { prng } from '../support/prng.js';
import { startQuestDb, type QuestDbServer } from '../support/questdb.js';

/** Rules of several forms, some sensitive to the order of events with equal times. */
const RULES = `
rule web_down {
  when latest health where check == "web" by host is status == "down"
  for 30s
  severity critical
}
rule error_burst {
  when count of logs where level == "error" over 1m by service > 3
}
rule hot_cpu {
  when avg(value) of metrics where name == "cpu" over 2m by host > 80 clear < 60
}
rule silent_host {
  when absent metrics where name == "cpu" for 3m by host
}
rule deploy_then_errors {
  when deploys then logs where level == "error" within 2m by service quiet 1m
}
rule version_changed {
  when changed version of deploys by service quiet 1m
}
rule slow_checks {
  when p90(latency_ms) of health over 5m > 150 keep 30s
}
`;

/** An hour ago, on a whole second: the events fit in `--since 2h`. */
const BASE = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/**
 * 3,000 seeded events over about 40 minutes, a third of them sharing their millisecond with
 * the previous one (so only the stored order can tell them apart), plus explicit ties that
 * change an alert: `down` then `up` for one host in one millisecond.
 */
function makeEvents(): Event[] {
  const rand = prng(7);
  const events: Event[] = [];
  let time = BASE;
  const versions: Record<string, number> = { a: 1, b: 1 };
  for (let i = 0; i < 3000; i++) {
    if (rand() > 0.33) time += Math.floor(rand() * 1600);
    const r = rand();
    const host = `web${1 + Math.floor(rand() * 3)}`;
    const service = rand() < 0.5 ? 'a' : 'b';
    if (r < 0.3) {
      events.push({ stream: 'health', time, check: 'web', host, status: rand() < 0.25 ? 'down' : 'up', latency_ms: Math.floor(rand() * 200) });
    } else if (r < 0.6) {
      events.push({ stream: 'logs', time, service, host, level: rand() < 0.2 ? 'error' : 'info', message: 'handled' });
    } else if (r < 0.97) {
      // web3 stops reporting after 20 minutes: `absent ... by host` fires for it.
      if (host === 'web3' && time > BASE + 1_200_000) continue;
      events.push({ stream: 'metrics', time, name: 'cpu', host, value: Math.round((host === 'web1' ? 50 + rand() * 50 : rand() * 70) * 10) / 10 });
    } else {
      if (rand() < 0.5) versions[service]!++;
      events.push({ stream: 'deploys', time, service, version: `v${versions[service]}` });
    }
    if (i % 500 === 250) {
      events.push({ stream: 'health', time, check: 'web', host: 'web2', status: 'down', latency_ms: 10 });
      events.push({ stream: 'health', time, check: 'web', host: 'web2', status: 'up', latency_ms: 10 });
    }
  }
  return events;
}

let q: QuestDbServer;
let events: Event[];
let dir: string;
let eventsFile: string;
const iso = (ms: number): string => new Date(ms).toISOString();

before(async () => {
  q = await startQuestDb();
  events = makeEvents();
  dir = await tempFiles({ 'rules/bt.vigil': RULES });
  eventsFile = path.join(dir, 'events.ndjson');
  await writeFile(eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const sink = await createQuestDbSink({ config: q.config, dataDir: path.join(dir, 'data'), maxBufferBytes: 64 << 20, batchRows: 700, log: () => {} });
  for (const e of events) sink.writeEvent(e);
  await sink.close();
  assert.equal(sink.stats().sentRows, events.length);
  const deadline = Date.now() + 20_000;
  while ((await q.sql('SELECT count() FROM vigil_events')).dataset[0]![0] !== events.length) {
    if (Date.now() > deadline) throw new Error('events did not become visible');
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  await q?.dispose();
});

test('backtest over stored events prints exactly what replay prints for the same events', async () => {
  const rules = path.join(dir, 'rules');
  const last = events[events.length - 1]!.time;
  const cases: [string[], string[]][] = [
    [[], ['--since', iso(BASE), '--until', iso(last + 1)]],
    [[], ['--since', '2h']],
    [['--end', '+10m'], ['--since', '2h', '--end', '+10m']],
  ];
  for (const [replayExtra, backtestExtra] of cases) {
    const replay = await runVigil(['replay', '--rules', rules, '--events', eventsFile, ...replayExtra]);
    assert.equal(replay.code, 0, replay.stderr);
    const backtest = await runVigil(['backtest', '--rules', rules, '--questdb', q.config, ...backtestExtra]);
    assert.equal(backtest.stderr, '', 'no progress bar when standard error is not a terminal');
    assert.equal(backtest.code, 0);
    assert.equal(backtest.stdout, replay.stdout, backtestExtra.join(' '));
    const lines = replay.stdout.trim().split('\n');
    assert.ok(lines.length > 50, `${lines.length} changes`);
    const rulesSeen = new Set(lines.map((l) => (JSON.parse(l) as { rule: string }).rule));
    assert.deepEqual([...rulesSeen].sort(), ['deploy_then_errors', 'error_burst', 'hot_cpu', 'silent_host', 'slow_checks', 'version_changed', 'web_down']);
  }
});

test('the order of events with equal times matters, and backtest keeps it', async () => {
  // Swapping the tied down/up pairs changes replay's output; the stored order does not.
  const swapped = events.map((e, i) => {
    const next = events[i + 1];
    const prev = events[i - 1];
    if (e.status === 'down' && e.host === 'web2' && next?.time === e.time && next.status === 'up' && next.host === 'web2') return next;
    if (e.status === 'up' && e.host === 'web2' && prev?.time === e.time && prev.status === 'down' && prev.host === 'web2') return prev;
    return e;
  });
  const swappedFile = path.join(dir, 'swapped.ndjson');
  await writeFile(swappedFile, swapped.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const rules = path.join(dir, 'rules');
  const inOrder = await runVigil(['replay', '--rules', rules, '--events', eventsFile]);
  const reordered = await runVigil(['replay', '--rules', rules, '--events', swappedFile]);
  assert.notEqual(reordered.stdout, inOrder.stdout);
  const backtest = await runVigil(['backtest', '--rules', rules, '--since', '2h', '--questdb', q.config]);
  assert.equal(backtest.stdout, inOrder.stdout);
});

test('--config takes the QuestDB address from vigil.yaml; a range selects events by time', async () => {
  const config = path.join(dir, 'vigil.yaml');
  await writeFile(config, `questdb:\n  config: "${q.config}"\n  events: [health, logs, metrics, deploys]\n`);
  const from = events[1000]!.time;
  const to = events[2000]!.time;
  const inRange = events.filter((e) => e.time >= from && e.time < to);
  const rangeFile = path.join(dir, 'range.ndjson');
  await writeFile(rangeFile, inRange.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const rules = path.join(dir, 'rules');
  const replay = await runVigil(['replay', '--rules', rules, '--events', rangeFile]);
  const backtest = await runVigil(['backtest', '--rules', rules, '--since', iso(from), '--until', iso(to), '--config', config]);
  assert.equal(backtest.code, 0, backtest.stderr);
  assert.equal(backtest.stdout, replay.stdout);
  assert.ok(backtest.stdout.length > 0);
});

test('on a terminal a progress bar goes to standard error; standard output is unchanged', async () => {
  let stdout = '';
  let stderr = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      stdout += chunk.toString();
      done();
    },
  });
  const err = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        stderr += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 100 },
  );
  const code = await backtestCommand(['--rules', path.join(dir, 'rules'), '--since', '2h', '--questdb', q.config], out, err);
  assert.equal(code, 0, stderr);
  const replay = await runVigil(['replay', '--rules', path.join(dir, 'rules'), '--events', eventsFile]);
  assert.equal(stdout, replay.stdout);
  assert.match(stderr, new RegExp(`\\r\\x1b\\[K\\[#+\\] ${events.length.toLocaleString('en-US')}/${events.length.toLocaleString('en-US')} events 100% +[\\d,]+ ev/s +ETA 0:00`));
  assert.ok(stderr.endsWith('\r\x1b[K'), 'the bar is cleared at the end');
});

test('clear errors: QuestDB unreachable, rules that do not compile, no QuestDB given, bad times, usage', async () => {
  const rules = path.join(dir, 'rules');
  const dead = await runVigil(['backtest', '--rules', rules, '--since', '1h', '--questdb', `http::addr=127.0.0.1:${await freePort()}`]);
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, /^vigil backtest: cannot read events from QuestDB at http:\/\/127\.0\.0\.1:\d+: connection refused\n$/);

  const bad = await tempFiles({ 'bad.vigil': 'rule broken {\n  when count of logs over 1m >\n}\n' });
  const broken = await runVigil(['backtest', '--rules', bad, '--since', '1h', '--questdb', q.config]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /bad\.vigil:\d+:\d+: /);
  assert.equal(broken.stdout, '');

  const none = await runVigil(['backtest', '--rules', rules, '--since', '1h']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no QuestDB to read: pass --questdb/);

  const tcp = await runVigil(['backtest', '--rules', rules, '--since', '1h', '--questdb', 'tcp::addr=127.0.0.1:9009']);
  assert.equal(tcp.code, 2);
  assert.match(tcp.stderr, /protocol "tcp" is not supported/);

  const badSince = await runVigil(['backtest', '--rules', rules, '--since', 'last week', '--questdb', q.config]);
  assert.equal(badSince.code, 2);
  assert.match(badSince.stderr, /--since "last week" is neither a duration/);

  const backwards = await runVigil(['backtest', '--rules', rules, '--since', '1h', '--until', '2h', '--questdb', q.config]);
  assert.equal(backwards.code, 2);
  assert.match(backwards.stderr, /--until .* is before --since/);

  const usage = await runVigil(['backtest', '--rules', rules]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^usage: vigil backtest/);

  // Nothing stored in the range: no output, like replay of an empty file.
  const empty = await runVigil(['backtest', '--rules', rules, '--since', '10d', '--until', '9d', '--questdb', q.config]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(empty.stdout, '');
});

test('a stored event that is not valid is reported and skipped; the rest still runs', async () => {
  const t = BASE - 86_400_000;
  const rows = [
    `vigil_events,stream=logs seq=1i,body="{\\"stream\\":\\"logs\\",\\"time\\":${t},\\"level\\":\\"error\\",\\"service\\":\\"a\\"}" ${t * 1_000_000}`,
    `vigil_events,stream=logs seq=2i,body="not json" ${t * 1_000_000}`,
    `vigil_events,stream=logs seq=3i,body="{\\"stream\\":\\"logs\\",\\"time\\":${t + 1},\\"level\\":{\\"nested\\":1}}" ${(t + 1) * 1_000_000}`,
  ];
  const response = await fetch(`${q.httpUrl}/write`, { method: 'POST', body: rows.join('\n') + '\n' });
  assert.equal(response.status, 204, await response.text());
  const deadline = Date.now() + 20_000;
  while ((await q.sql(`SELECT count() FROM vigil_events WHERE ts < ${BASE * 1000 - 3_600_000_000}`)).dataset[0]![0] !== 3) {
    if (Date.now() > deadline) throw new Error('rows did not become visible');
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await runVigil(['backtest', '--rules', path.join(dir, 'rules'), '--since', iso(t - 1), '--until', iso(t + 2), '--questdb', q.config]);
  assert.equal(r.code, 1);
  const errors = r.stderr.trim().split('\n');
  assert.equal(errors.length, 2, r.stderr);
  assert.match(errors[0]!, /seq 2\): body is not JSON/);
  assert.match(errors[1]!, /field "level"/);
});
