import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syslogSourceOptions } from '../../cli/config-syslog.js';
import { parseConfig } from '../../cli/config.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';

test('syslog config: defaults listen nowhere; the keys of the issue reach the source', () => {
  const defaults = parseConfig({});
  assert.deepEqual(defaults.syslog, { listen: [], stream: 'logs', tls: { cert: '', key: '' }, maxMessageBytes: 65_536 });
  assert.equal(syslogSourceOptions(defaults.syslog), undefined);
  const c = parseConfig({ syslog: { listen: ['udp://127.0.0.1:5514', 'tcp://[::1]:5514', 'tls://0.0.0.0:6514'], stream: 'syslog', tls: { cert: 'c.pem', key: 'k.pem' } } });
  assert.deepEqual(syslogSourceOptions(c.syslog), {
    listen: ['udp://127.0.0.1:5514', 'tcp://[::1]:5514', 'tls://0.0.0.0:6514'],
    stream: 'syslog',
    maxMessageBytes: 65_536,
    tls: { certFile: 'c.pem', keyFile: 'k.pem' },
  });
});

test('syslog config: a bad entry is refused with its path', () => {
  for (const syslog of [{ listen: ['http://127.0.0.1:80'] }, { listen: ['tcp://127.0.0.1'] }, { stream: 'no spaces' }, { maxMessageBytes: 100 }, { tls: { cert: 'c', ca: 'x' } }]) {
    assert.throws(
      () => parseConfig({ syslog }),
      (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config && /syslog\./.test(e.message),
      JSON.stringify(syslog),
    );
  }
});
