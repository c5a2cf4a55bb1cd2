import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyslog } from '../../../ingest/syslog/syslog-parser.js';
import type { SyslogMessage } from '../../../ingest/syslog/syslog-message.js';

const NOW = new Date(2026, 11, 3, 12, 0, 0).getTime();

function parsed(text: string, now = NOW): SyslogMessage {
  const r = parseSyslog(text, now);
  assert.ok(r.ok, `expected ${JSON.stringify(text)} to parse: ${r.ok ? '' : r.error}`);
  return r.message;
}

test('rfc3164: timestamp, host, tag with pid, message', () => {
  const m = parsed('<34>Oct 11 22:14:15 mymachine su[230]: \'su root\' failed for lonvick on /dev/pts/8');
  assert.deepEqual(m, {
    facility: 4,
    severity: 2,
    time: new Date(2026, 9, 11, 22, 14, 15).getTime(),
    host: 'mymachine',
    app: 'su',
    procid: '230',
    msgid: undefined,
    labels: undefined,
    message: "'su root' failed for lonvick on /dev/pts/8",
  });
});

test('rfc3164: a space-padded day, a tag without pid, no host, and the year nearest now', () => {
  const padded = parsed('<13>Dec  3 11:59:58 web1 app: ready\n');
  assert.equal(padded.time, new Date(2026, 11, 3, 11, 59, 58).getTime());
  assert.equal(padded.host, 'web1');
  assert.equal(padded.app, 'app');
  assert.equal(padded.procid, undefined);
  assert.equal(padded.message, 'ready');
  const local = parsed('<13>Dec  3 11:59:58 cron[77]: job done');
  assert.equal(local.host, undefined);
  assert.equal(local.app, 'cron');
  assert.equal(local.procid, '77');
  // On Jan 1, a Dec 31 message is last year's; on Dec 3, a Jan 2 one too.
  assert.equal(parsed('<13>Dec 31 23:59:59 h a: x', new Date(2027, 0, 1, 0, 0, 5).getTime()).time, new Date(2026, 11, 31, 23, 59, 59).getTime());
  assert.equal(parsed('<13>Jan  2 00:00:00 h a: x').time, new Date(2026, 0, 2).getTime());
});

test('rfc3164: rsyslog forwards the tag without its colon (RSYSLOG_TraditionalForwardFormat)', () => {
  const m = parsed('<164>Dec  3 11:44:35 vm vtudp[25442] queue is long');
  assert.deepEqual([m.facility, m.severity, m.host, m.app, m.procid, m.message], [20, 4, 'vm', 'vtudp', '25442', 'queue is long']);
  const bare = parsed('<164>Dec  3 11:44:35 vm vtudp queue is long');
  assert.deepEqual([bare.host, bare.app, bare.procid, bare.message], ['vm', 'vtudp', undefined, 'queue is long']);
});

test('rfc3164: an RFC 3339 timestamp (rsyslog forward format) and no timestamp at all', () => {
  const iso = parsed('<30>2026-12-03T11:00:00.123456+00:00 web2 systemd[1]: Started vigil.');
  assert.equal(iso.time, Date.UTC(2026, 11, 3, 11, 0, 0, 123));
  assert.equal(iso.host, 'web2');
  assert.equal(iso.app, 'systemd');
  assert.equal(iso.message, 'Started vigil.');
  const bare = parsed('<13>just some text');
  assert.equal(bare.time, undefined);
  assert.equal(bare.host, undefined);
  assert.equal(bare.message, 'just some text');
  assert.equal(bare.severity, 5);
  assert.equal(bare.facility, 1);
});

test('rfc3164: without a PRI the frame is malformed', () => {
  const r = parseSyslog('Dec  3 11:59:58 web1 app: ready', NOW);
  assert.ok(!r.ok);
  assert.equal(r.at, 0);
});
