import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VigilError } from '../../../engine/model/errors.js';
import { createEmailSink, type EmailSinkOptions, type SmtpSettings } from '../../../sinks/notify/email-sink.js';
import { startSmtpServer, type TestSmtpServer, type TestSmtpServerOptions } from '../../support/smtp-server.js';
import { sampleBatch, sampleNotification, sendFailure, sinkContract, unusedPort } from '../sink-contract.js';

const USER = 'vigil';
const PASSWORD = 'pw-Zq81!secret';

function smtpFor(server: { port: number }, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    starttls: 'off',
    // Generous: a loaded machine makes delivery slow, not wrong (the timeout test sets its own).
    timeoutMs: 30_000,
    ...overrides,
  };
}

function sinkFor(server: { port: number }, overrides: Partial<EmailSinkOptions> = {}, smtp: Partial<SmtpSettings> = {}) {
  return createEmailSink({
    name: 'ops-mail',
    to: ['oncall@example.org', 'team@example.org'],
    from: 'Vigil <vigil@alerts.example.org>',
    smtp: smtpFor(server, smtp),
    ...overrides,
  });
}

/** Runs `body` with a fresh server and stops it afterwards. */
async function withServer(options: TestSmtpServerOptions, body: (server: TestSmtpServer) => Promise<void>): Promise<void> {
  const server = await startSmtpServer(options);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

const never = () => new AbortController().signal;

// Every test has its own server, and an SMTP greeting alone takes 100 ms: run them side by side.
describe('email sink', { concurrency: true }, () => {
  sinkContract('email sink', async () => {
    const server = await startSmtpServer({ auth: { user: USER, password: PASSWORD } });
    const credentials = { user: USER, password: PASSWORD };
    return {
      sink: sinkFor(server, {}, credentials),
      secrets: [PASSWORD],
      receivedKeys: () =>
        server.messages.flatMap((m) => String(m.headers.get('x-vigil-key') ?? '').split(',').map((k) => k.trim())),
      failTemporarily: () => {
        server.reject('rcpt', 450, 2);
        return 'smtp_temporary';
      },
      failPermanently: () => {
        server.reject('data', 554);
        return 'smtp_rejected';
      },
      stall: () => server.hang(),
      unreachable: async () => sinkFor({ port: await unusedPort() }, {}, credentials),
      stop: () => server.stop(),
    };
  });

  test('email: one message per batch, with every field in subject, text and html', () =>
    withServer({}, async (server) => {
      await sinkFor(server).send([sampleNotification()], never());
      assert.equal(server.messages.length, 1);
      const mail = server.messages[0]!;
      assert.deepEqual(mail.envelope, { from: 'vigil@alerts.example.org', to: ['oncall@example.org', 'team@example.org'] });
      assert.equal(mail.from, '"Vigil" <vigil@alerts.example.org>');
      assert.equal(mail.to, 'oncall@example.org, team@example.org');
      assert.equal(mail.subject, '[vigil] FIRING minitwit_down (host=web1)');
      for (const body of [mail.text, mail.html]) {
        for (const part of [
          'minitwit_down',
          'host=web1',
          'MiniTwit is down on web1',
          'critical',
          'firing',
          '2026-03-01T12:00:00.000Z',
          'https://vigil.example.org/incidents/inc-1',
        ]) {
          assert.ok(body.includes(part), `${part} missing from ${body}`);
        }
      }
      assert.match(mail.text, /value\s+0\n/);
      assert.match(mail.text, /resolved\s+-\n/);
      assert.match(mail.html, /<a href="https:\/\/vigil\.example\.org\/incidents\/inc-1">/);
      assert.equal(mail.headers.get('x-vigil-key'), 'inc-1:firing:0');
      assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
      assert.match(mail.messageId, /^<[0-9a-f]{40}@alerts\.example\.org>$/);
    }));

  test('email: a batch of several says how many and lists each', () =>
    withServer({}, async (server) => {
      await sinkFor(server).send(sampleBatch(), never());
      const mail = server.messages[0]!;
      assert.equal(mail.subject, '[vigil] 2 notifications for minitwit_down: 1 FIRING, 1 RESOLVED');
      assert.equal(mail.headers.get('x-vigil-key'), 'inc-1:firing:0, inc-2:resolved:0');
      for (const part of ['FIRING minitwit_down (host=web1)', 'RESOLVED minitwit_down (host=web2)', '2026-03-01T13:00:00.000Z']) {
        assert.ok(mail.text.includes(part), part);
        assert.ok(mail.html.includes(part), part);
      }
    }));

  test('email: the Message-ID is derived from the keys, so a resend carries the same one', () =>
    withServer({}, async (server) => {
      const sink = sinkFor(server);
      await sink.send(sampleBatch(), never());
      await sink.send(sampleBatch(), never());
      await sink.send([sampleNotification({ key: 'inc-1:repeat:0', kind: 'repeat' })], never());
      const [first, again, other] = server.messages.map((m) => m.messageId);
      assert.equal(first, again);
      assert.notEqual(first, other);
    }));

  test('email: keys outside printable ASCII are percent-encoded in X-Vigil-Key', () =>
    withServer({}, async (server) => {
      await sinkFor(server).send([sampleNotification({ key: 'inc-9:firing:0,x\nü%' })], never());
      assert.equal(server.messages[0]!.headers.get('x-vigil-key'), 'inc-9:firing:0%2Cx%0A%C3%BC%25');
    }));

  test('email: the channel subject is a template over the first notification', () =>
    withServer({}, async (server) => {
      const sink = sinkFor(server, { subject: 'ALERT {state} {rule} on {host}: {summary} [{severity}, value {value}]' });
      await sink.send([sampleNotification()], never());
      await sink.send(sampleBatch(), never());
      assert.equal(server.messages[0]!.subject, 'ALERT FIRING minitwit_down on web1: MiniTwit is down on web1 [critical, value 0]');
      assert.equal(server.messages[1]!.subject, 'ALERT FIRING minitwit_down on web1: MiniTwit is down on web1 [critical, value 0] (+1 more)');
    }));

  test('email: values are escaped in the html part and kept whole in the text part', () =>
    withServer({}, async (server) => {
      const hostile = sampleNotification({
        incident: {
          summary: '<script>alert("x")</script> & <b>bold</b>',
          labels: { host: '<img src=x onerror=alert(1)>' },
          url: 'javascript:alert(1)',
        },
      });
      await sinkFor(server).send([hostile], never());
      const mail = server.messages[0]!;
      assert.ok(!mail.html.includes('<script>'));
      assert.ok(!mail.html.includes('<img'));
      assert.ok(!mail.html.includes('<b>'));
      assert.ok(!mail.html.includes('href="javascript:'));
      assert.ok(mail.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;'));
      assert.ok(mail.html.includes('host=&lt;img src=x onerror=alert(1)&gt;'));
      assert.ok(mail.text.includes('<script>alert("x")</script> & <b>bold</b>'));
    }));

  test('email: line breaks in labels cannot add headers', () =>
    withServer({}, async (server) => {
      const sneaky = sampleNotification({ incident: { labels: { host: 'web1\r\nBcc: victim@example.org' } } });
      await sinkFor(server).send([sneaky], never());
      const mail = server.messages[0]!;
      assert.equal(mail.headers.get('bcc'), undefined);
      assert.deepEqual(mail.envelope.to, ['oncall@example.org', 'team@example.org']);
      assert.ok(!mail.subject.includes('\n'));
    }));

  test('email: logs in with the configured credentials', () =>
    withServer({ auth: { user: USER, password: PASSWORD } }, async (server) => {
      await sinkFor(server, {}, { user: USER, password: PASSWORD }).send([sampleNotification()], never());
      assert.equal(server.messages.length, 1);
    }));

  test('email: a wrong password is an smtp_rejected error that does not show the password', () =>
    withServer({ auth: { user: USER, password: PASSWORD } }, async (server) => {
      const wrong = 'wrong-Pa55word';
      const error = await sendFailure(sinkFor(server, {}, { user: USER, password: wrong }), [wrong, PASSWORD]);
      assert.equal(error.reason, 'smtp_rejected');
      assert.equal(error.retryable, false);
      assert.equal(server.messages.length, 0);
    }));

  test('email: 4xx and 5xx replies at each stage map to smtp_temporary and smtp_rejected', () =>
    withServer({}, async (server) => {
      const sink = sinkFor(server);
      for (const stage of ['mail', 'rcpt', 'data'] as const) {
        // Both recipients are refused at RCPT; the other stages happen once per message.
        const times = stage === 'rcpt' ? 2 : 1;
        server.reject(stage, 451, times);
        const temporary = await sendFailure(sink, []);
        assert.deepEqual([stage, temporary.reason, temporary.retryable], [stage, 'smtp_temporary', true]);
        server.reject(stage, 550, times);
        const rejected = await sendFailure(sink, []);
        assert.deepEqual([stage, rejected.reason, rejected.retryable], [stage, 'smtp_rejected', false]);
        assert.match(rejected.message, /55\d/);
      }
      assert.equal(server.messages.length, 0);
    }));

  test('email: one refused recipient of two still delivers to the other', () =>
    withServer({}, async (server) => {
      server.reject('rcpt', 550);
      await sinkFor(server).send([sampleNotification()], never());
      assert.deepEqual(server.messages[0]!.envelope.to, ['team@example.org']);
    }));

  test('email: a server that never answers is a retryable timeout', () =>
    withServer({}, async (server) => {
      server.hang();
      const started = performance.now();
      const error = await sendFailure(sinkFor(server, {}, { timeoutMs: 300 }), []);
      assert.equal(error.reason, 'timeout');
      assert.equal(error.retryable, true);
      assert.ok(performance.now() - started < 1500);
    }));

  test('email: starttls required against a server without STARTTLS is a config error', () =>
    withServer({}, async (server) => {
      const error = await sendFailure(sinkFor(server, {}, { starttls: 'required' }), []);
      assert.equal(error.reason, 'config');
      assert.equal(error.retryable, false);
    }));

  test('email: STARTTLS checks the certificate unless told not to', () =>
    withServer({ starttls: true }, async (server) => {
      const checked = await sendFailure(sinkFor(server, {}, { starttls: 'required' }), []);
      assert.equal(checked.reason, 'config');
      assert.equal(server.messages.length, 0);
      await sinkFor(server, {}, { starttls: 'required', tlsRejectUnauthorized: false }).send([sampleNotification()], never());
      await sinkFor(server, {}, { starttls: 'opportunistic', tlsRejectUnauthorized: false }).send([sampleNotification()], never());
      assert.equal(server.messages.length, 2);
    }));

  test('email: options are validated when the sink is created', async () => {
    const server = { port: 2525 };
    const bad: [Partial<EmailSinkOptions>, Partial<SmtpSettings>][] = [
      [{ to: [] }, {}],
      [{ to: ['a@example.org\r\nBcc: b@example.org'] }, {}],
      [{ from: '' }, {}],
      [{}, { port: 0 }],
      [{}, { timeoutMs: 0 }],
      [{}, { user: USER }],
    ];
    for (const [options, smtp] of bad) {
      assert.throws(() => sinkFor(server, options, smtp), (e: unknown) => e instanceof VigilError && e.code === 'E_CONFIG');
    }
  });
});
