import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { CheckSpec } from '../../../engine/model/check-spec.js';
import type { Event } from '../../../engine/model/event.js';
import type { SourceContext } from '../../../engine/model/source.js';
import { CHECK_RESULTS_KEPT, createCheckSource } from '../../../ingest/checks/check-source.js';
import { eventually } from '../../support/vigil-process.js';

function context(submitted: Event[]): SourceContext {
  const abort = new AbortController();
  return {
    submit: (events) => {
      submitted.push(...events);
      return Promise.resolve([]);
    },
    submitAlerts: () => undefined,
    selfAlert: () => undefined,
    now: () => Date.now(),
    log: () => undefined,
    counted: () => undefined,
    http: undefined,
    signal: abort.signal,
  };
}

function spec(name: string, target: string): CheckSpec {
  return { name, kind: 'http', target, argv: [], everyMs: 100, timeoutMs: 5000, host: 'h1', service: 'web' };
}

test('status() gives each check its latest results (at most 30), as submitted, and its next run; a check dropped on reload goes', async () => {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : 503);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const submitted: Event[] = [];
  const source = createCheckSource({ specs: [spec('up_check', `${base}/ok`), spec('down_check', `${base}/fail`)] });
  assert.deepEqual(source.status().map((c) => [c.name, c.nextRunAt, c.results.length]), [['up_check', null, 0], ['down_check', null, 0]]);
  await source.start(context(submitted));
  try {
    const runs = (name: string): number => submitted.filter((e) => e.check === name).length;
    await eventually(() => (runs('up_check') > CHECK_RESULTS_KEPT + 1 && runs('down_check') > CHECK_RESULTS_KEPT + 1) || undefined, 'more runs than are kept');
    const [up, down] = source.status();
    assert.equal(up!.results.length, CHECK_RESULTS_KEPT);
    assert.ok(up!.results.every((r) => r.status === 'up'));
    assert.ok(down!.results.every((r) => r.status === 'down' && r.message !== ''));
    assert.equal(up!.host, 'h1');
    assert.equal(up!.target, `${base}/ok`);
    assert.equal(typeof up!.nextRunAt, 'number');
    // The kept results are the latest of those submitted, in order.
    const last = down!.results[down!.results.length - 1]!;
    assert.ok(submitted.some((e) => e.check === 'down_check' && e.time === last.time));
    source.update([spec('up_check', `${base}/ok`)]);
    assert.deepEqual(source.status().map((c) => c.name), ['up_check']);
  } finally {
    await source.stop();
    server.close();
  }
});
