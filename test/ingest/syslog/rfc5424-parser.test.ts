import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyslog } from '../../../ingest/syslog/syslog-parser.js';
import { syslogEvent, type SyslogMessage } from '../../../ingest/syslog/syslog-message.js';
import { rfc3339Time } from '../../../ingest/syslog/rfc5424-parser.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

function parsed(text: string): SyslogMessage {
  const r = parseSyslog(text, NOW);
  assert.ok(r.ok, `expected ${JSON.stringify(text)} to parse: ${r.ok ? '' : `${r.error} at ${r.at}`}`);
  return r.message;
}

function refused(text: string): { error: string; at: number } {
  const r = parseSyslog(text, NOW);
  assert.ok(!r.ok, `expected ${JSON.stringify(text)} to be refused`);
  return { error: r.error, at: r.at };
}

test('rfc5424: the RFC examples (section 6.5) become their fields', () => {
  const m = parsed('<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF\'su root\' failed for lonvick on /dev/pts/8');
  assert.deepEqual(m, {
    facility: 4,
    severity: 2,
    time: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
    host: 'mymachine.example.com',
    app: 'su',
    procid: undefined,
    msgid: 'ID47',
    labels: undefined,
    message: "'su root' failed for lonvick on /dev/pts/8",
  });
  const withSd = parsed('<165>1 2003-10-11T22:14:15.003-07:00 mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry...');
  assert.equal(withSd.time, Date.UTC(2003, 9, 12, 5, 14, 15, 3));
  assert.deepEqual(withSd.labels, {
    'exampleSDID@32473.iut': '3',
    'exampleSDID@32473.eventSource': 'Application',
    'exampleSDID@32473.eventID': '1011',
    'examplePriority@32473.class': 'high',
  });
  assert.equal(withSd.message, 'An application event log entry...');
  const noMsg = parsed('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"]');
  assert.equal(noMsg.message, '');
});

test('rfc5424: nil values are absent, escapes in SD values are read, other backslashes kept', () => {
  const m = parsed('<14>1 - - - - - [a b="x\\"y\\\\z\\]w\\n"] hi\n');
  assert.equal(m.time, undefined);
  assert.equal(m.host, undefined);
  assert.equal(m.app, undefined);
  assert.deepEqual(m.labels, { 'a.b': 'x"y\\z]w\\n' });
  assert.equal(m.message, 'hi');
});

test('rfc5424: the event has host app procid msgid facility level message labels time', () => {
  const m = parsed('<11>1 2026-12-03T11:59:00.5+01:00 web1 nginx 4242 req [meta@1 path="/api"] upstream timed out');
  assert.deepEqual(syslogEvent(m, 'logs', NOW), {
    stream: 'logs',
    time: Date.UTC(2026, 11, 3, 10, 59, 0, 500),
    host: 'web1',
    app: 'nginx',
    procid: '4242',
    msgid: 'req',
    facility: 'user',
    level: 'error',
    message: 'upstream timed out',
    labels: { 'meta@1.path': '/api' },
  });
  const levels = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => syslogEvent(parsed(`<${184 + s}>1 - - - - - -`), 'logs', NOW));
  assert.deepEqual(levels.map((e) => e.level), ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug']);
  assert.deepEqual([...new Set(levels.map((e) => e.facility))], ['local7']);
  assert.equal(syslogEvent(parsed('<14>1 - - - - - -'), 'logs', NOW).time, NOW);
});

test('rfc5424: malformed messages are refused with the reason and the position', () => {
  assert.equal(refused('hello').at, 0);
  assert.match(refused('<192>1 - - - - - -').error, /over 191/);
  assert.match(refused('<1a>1 - - - - - -').error, /PRI/);
  assert.deepEqual(refused('<14>1 2026-13-01T00:00:00Z h a p m -'), { error: 'TIMESTAMP "2026-13-01T00:00:00Z" is not a valid RFC 3339 time with a zone', at: 6 });
  assert.match(refused('<14>1 2026-12-01T00:00:00 h a p m -').error, /RFC 3339/);
  assert.match(refused('<14>1 2026-02-30T00:00:00Z h a p m -').error, /not a valid RFC 3339/);
  assert.match(refused('<14>1 -  a p m -').error, /HOSTNAME is empty/);
  assert.match(refused(`<14>1 - h ${'a'.repeat(49)} p m -`).error, /APP-NAME is longer than 48/);
  assert.match(refused('<14>1 - h a p m').error, /header ends after MSGID/);
  assert.match(refused('<14>1 - h a p m x').error, /structured data/);
  assert.match(refused('<14>1 - h a p m [id a="1"').error, /not closed/);
  assert.match(refused('<14>1 - h a p m [id a="1').error, /not closed/);
  assert.match(refused('<14>1 - h a p m [id a=1]').error, /="value"/);
  assert.match(refused('<14>1 - h a p m [id a="1"]x').error, /space after the structured data/);
  assert.match(refused('<14>1 - h\u00e9 a p m -').error, /printable ASCII/);
  const many = Array.from({ length: 65 }, (_, i) => `p${i}="v"`).join(' ');
  assert.match(refused(`<14>1 - h a p m [id ${many}]`).error, /more than 64/);
});

test('rfc5424: timestamps are read as RFC 3339 says, and nothing else is taken', () => {
  const cases: [string, number | undefined][] = [
    ['2026-12-03T10:00:00Z', Date.UTC(2026, 11, 3, 10)],
    ['2026-12-03T10:00:00.1Z', Date.UTC(2026, 11, 3, 10, 0, 0, 100)],
    ['2026-12-03T10:00:00.123456+02:30', Date.UTC(2026, 11, 3, 7, 30, 0, 123)],
    ['2026-12-03T10:00:00-05:00', Date.UTC(2026, 11, 3, 15)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
    ['2025-02-29T00:00:00Z', undefined],
    ['2026-12-03T10:00:00.1234567Z', undefined],
    ['2026-12-03T10:00:00.Z', undefined],
    ['2026-12-03t10:00:00z', undefined],
    ['2026-12-03T24:00:00Z', undefined],
    ['2026-12-03T10:00:00+24:00', undefined],
    ['2026-12-03T10:00:00', undefined],
    ['2026-12-03T10:00:00Zx', undefined],
    ['2026-12-3T10:00:00Z', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(rfc3339Time(text), ms, text);
  // Agrees with Date.parse wherever both read the text.
  for (let i = 0; i < 2000; i++) {
    const iso = new Date(Date.UTC(1990, 0, 1) + i * 7_919_123_457).toISOString();
    assert.equal(rfc3339Time(iso), Date.parse(iso), iso);
  }
});
