import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import path from 'node:path';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseConfig } from '../../cli/config.js';
import { Service, type ServiceSource } from '../../cli/service.js';
import type { Event } from '../../engine/model/event.js';
import type { HttpRoutes, Rejection, SourceContext } from '../../engine/model/source.js';
import { tempFiles } from '../support/cli.js';
import { eventually } from '../support/vigil-process.js';

const RULES = { 'rules/r.vigil': 'rule toy_down {\n  when latest toy by host is status == "down"\n  severity critical\n}\n' };

/**
 * A source written here, against the interface only: `push` hands events to the service,
 * and one route, `POST /toy`, takes an event over HTTP the same way.
 */
function toySource() {
  let ctx: SourceContext<HttpRoutes<FastifyInstance>> | undefined;
  const calls: string[] = [];
  const source: ServiceSource & { push(events: Event[]): Promise<readonly Rejection[]> | 'busy'; calls: string[] } = {
    name: 'toy',
    calls,
    async start(context) {
      calls.push('start');
      ctx = context;
      context.http.add((app) => {
        app.post<{ Body: { host: string; status: string } }>('/toy', async (request) => {
          const outcome = await context.submit([{ stream: 'toy', time: context.now(), host: request.body.host, status: request.body.status }]);
          return { busy: outcome === 'busy' };
        });
      });
    },
    async stop() {
      calls.push('stop');
    },
    health: () => ({ up: ctx !== undefined && !ctx.signal.aborted }),
    push: (events) => ctx!.submit(events),
  };
  return source;
}

async function startService(dir: string, toy: ServiceSource, out: PassThrough): Promise<Service> {
  const config = parseConfig({
    rules: path.join(dir, 'rules'),
    data: path.join(dir, 'data'),
    http: { listen: '127.0.0.1:0' },
    auth: { tokens: [{ name: 'ci', role: 'write', env: 'TOY_TOKEN' }] },
  });
  return Service.start({ config, out, err: new PassThrough(), env: { TOY_TOKEN: 'toy-secret' }, sources: [toy] });
}

test('a source added to the composition delivers events that fire a rule, and is stopped with the service', async () => {
  const dir = await tempFiles(RULES);
  const toy = toySource();
  const out = new PassThrough().setEncoding('utf8');
  let printed = '';
  out.on('data', (d: string) => (printed += d));
  const service = await startService(dir, toy, out);
  try {
    assert.deepEqual(toy.calls, ['start']);
    assert.equal(toy.health().up, true);
    const rejected = await toy.push([{ stream: 'toy', time: Date.now(), host: 'a', status: 'down' }]);
    assert.deepEqual(rejected, []);
    await eventually(() => printed.includes('"state":"firing"'), 'the firing change');
    const change = JSON.parse(printed.trim().split('\n')[0]!) as { rule: string; labels: Record<string, string> };
    assert.equal(change.rule, 'toy_down');
    assert.equal(change.labels.host, 'a');
    assert.equal(service.core.book.incidentCount, 1);
  } finally {
    await service.stop();
  }
  assert.deepEqual(toy.calls, ['start', 'stop']);
  assert.equal(toy.health().up, false);
});

test("a source's routes sit inside the API: the same authorization guards them", async () => {
  const dir = await tempFiles(RULES);
  const toy = toySource();
  const out = new PassThrough().setEncoding('utf8');
  let printed = '';
  out.on('data', (d: string) => (printed += d));
  const service = await startService(dir, toy, out);
  try {
    const post = (headers: Record<string, string>) =>
      fetch(`${service.url}/toy`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ host: 'b', status: 'down' }) });
    assert.equal((await post({})).status, 401);
    const ok = await post({ authorization: 'Bearer toy-secret' });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { busy: false });
    await eventually(() => printed.includes('"state":"firing"'), 'the firing change');
    assert.equal((JSON.parse(printed.trim().split('\n')[0]!) as { labels: Record<string, string> }).labels.host, 'b');
  } finally {
    await service.stop();
  }
});
