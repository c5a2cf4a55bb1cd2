import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';

const RULES = `
rule web_down {
  when latest health where check == "web" by host is status == "down"
  for 30s
  severity critical
}
rule errors {
  when count of logs where level == "error" over 1m > 1
}
`;

function events(lines: object[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

test('replay prints state changes as NDJSON in time order, ties by rule then labels', async () => {
  const dir = await tempFiles({ 'r.vigil': RULES });
  const input = events([
    { stream: 'health', check: 'web', host: 'b', status: 'down', time: '2026-01-01T00:00:00Z' },
    { stream: 'health', check: 'web', host: 'a', status: 'down', time: '2026-01-01T00:00:00Z' },
    { stream: 'logs', level: 'error', time: '2026-01-01T00:00:10Z' },
    { stream: 'logs', level: 'error', time: Date.parse('2026-01-01T00:00:30Z') },
    { stream: 'health', check: 'web', host: 'a', status: 'up', time: '2026-01-01T00:00:40Z' },
  ]);
  const r = await runVigil(['replay', '--rules', dir, '--events', '-', '--end', '+2m'], { stdin: input });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines, [
    '{"time":"2026-01-01T00:00:00.000Z","rule":"web_down","state":"pending","labels":{"host":"a","rule":"web_down","severity":"critical"},"value":null}',
    '{"time":"2026-01-01T00:00:00.000Z","rule":"web_down","state":"pending","labels":{"host":"b","rule":"web_down","severity":"critical"},"value":null}',
    '{"time":"2026-01-01T00:00:30.000Z","rule":"errors","state":"firing","labels":{"rule":"errors","severity":"warning"},"value":2}',
    '{"time":"2026-01-01T00:00:30.000Z","rule":"web_down","state":"firing","labels":{"host":"a","rule":"web_down","severity":"critical"},"value":null}',
    '{"time":"2026-01-01T00:00:30.000Z","rule":"web_down","state":"firing","labels":{"host":"b","rule":"web_down","severity":"critical"},"value":null}',
    '{"time":"2026-01-01T00:00:40.000Z","rule":"web_down","state":"resolved","labels":{"host":"a","rule":"web_down","severity":"critical"},"value":null}',
    '{"time":"2026-01-01T00:01:10.000Z","rule":"errors","state":"resolved","labels":{"rule":"errors","severity":"warning"},"value":1}',
  ]);
});

test('without --end the clock stops at the last event; an ISO --end moves it there', async () => {
  const dir = await tempFiles({ 'r.vigil': RULES });
  const input = events([{ stream: 'health', check: 'web', host: 'a', status: 'down', time: 0 }]);
  const none = await runVigil(['replay', '--rules', dir, '--events', '-'], { stdin: input });
  assert.equal(none.stdout.trim().split('\n').length, 1);
  const iso = await runVigil(['replay', '--rules', dir, '--events', '-', '--end', '1970-01-01T00:00:30Z'], { stdin: input });
  assert.match(iso.stdout.trim().split('\n')[1]!, /"state":"firing"/);
  const early = await runVigil(['replay', '--rules', dir, '--events', '-', '--end', '1970-01-01T00:00:29.999Z'], { stdin: input });
  assert.equal(early.stdout.trim().split('\n').length, 1);
});

test('bad lines and late events are reported with their line and skipped; the rest runs', async () => {
  const dir = await tempFiles({ 'r.vigil': RULES });
  const file = path.join(dir, 'events.ndjson');
  const text =
    [
      JSON.stringify({ stream: 'logs', level: 'error', time: 1000 }),
      '{not json',
      JSON.stringify({ level: 'error', time: 1500 }),
      JSON.stringify({ stream: 'logs', level: 'error', time: 'yesterday' }),
      JSON.stringify({ stream: 'logs', level: 'error', time: 500 }),
      JSON.stringify({ stream: 'logs', level: { nested: true }, time: 1500 }),
      '',
      JSON.stringify({ stream: 'logs', level: 'error', time: 2000 }),
    ].join('\n') + '\n';
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, text);
  const r = await runVigil(['replay', '--rules', dir, '--events', file]);
  assert.equal(r.code, 1);
  const errs = r.stderr.trim().split('\n');
  assert.deepEqual(
    errs.map((l) => l.slice(file.length + 1).split(':')[0]),
    ['2', '3', '4', '5', '6'],
  );
  assert.match(errs[1]!, /stream/);
  assert.match(errs[2]!, /time/);
  assert.match(errs[3]!, /late/);
  assert.match(r.stdout, /"state":"firing".*"value":2/);
});

test('replay refuses rules that do not compile, with diagnostics', async () => {
  const dir = await tempFiles({ 'r.vigil': 'rule x { when logs over }\n' });
  const r = await runVigil(['replay', '--rules', dir, '--events', '-'], { stdin: '' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /r\.vigil:1:\d+: /);
  assert.equal(r.stdout, '');
});

test('replay usage errors', async () => {
  assert.equal((await runVigil(['replay', '--rules', 'rules/examples'])).code, 2);
  const badEnd = await runVigil(['replay', '--rules', 'rules/examples', '--events', '-', '--end', 'soon']);
  assert.equal(badEnd.code, 2);
  assert.match(badEnd.stderr, /--end/);
});

test('the shipped recording replays through the shipped rules: the outage fires and resolves', async () => {
  const r = await runVigil(['replay', '--rules', 'rules/examples', '--events', 'rules/examples/events/minitwit-outage.ndjson', '--end', '+2m']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const changes = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { time: string; rule: string; state: string; value: unknown });
  assert.deepEqual(
    changes.map((c) => `${c.time.slice(11, 19)} ${c.rule} ${c.state}${c.value === null ? '' : ` ${String(c.value)}`}`),
    [
      '10:01:10 minitwit_down pending',
      '10:01:32 error_burst firing 6',
      '10:01:40 minitwit_down firing',
      '10:02:40 minitwit_down resolved',
      '10:03:11 error_burst resolved 5',
    ],
  );
});
