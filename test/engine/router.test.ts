import assert from 'node:assert/strict';
import { test } from 'node:test';
import { occursCondition } from '../../engine/conditions/occurs.js';
import type { Event } from '../../engine/model/event.js';
import { Router } from '../../engine/router.js';
import type { RuleSpec } from '../../engine/rule-spec.js';

function rule(name: string, selectors: RuleSpec['selectors']): RuleSpec {
  return {
    name,
    severity: 'warning',
    forMs: 0,
    keepMs: 0,
    selectors,
    by: [],
    condition: occursCondition({ quietMs: 1 }),
    extraLabels: () => ({}),
    startsAtStart: false,
  };
}

function collector() {
  const seen: string[] = [];
  const target = (name: string) => ({ onEvent: (e: Event, bits: number) => seen.push(`${name}:${bits}:${String(e.id)}`) });
  return { seen, target };
}

test('routes by stream, then by an indexed equality, then checks the rest', () => {
  const router = new Router();
  const { seen, target } = collector();
  let restCalls = 0;
  router.add(
    rule('cpu', [{ stream: 'metrics', match: () => true, index: { field: 'name', get: (e) => e.name, value: 'cpu', rest: (e) => (restCalls++, (e.value as number) > 90) } }]),
    target('cpu'),
  );
  router.add(rule('all_metrics', [{ stream: 'metrics', match: () => true }]), target('all'));
  router.add(rule('logs', [{ stream: 'logs', match: () => true }]), target('logs'));
  router.route({ stream: 'metrics', time: 0, id: 1, name: 'cpu', value: 95 });
  router.route({ stream: 'metrics', time: 0, id: 2, name: 'cpu', value: 10 });
  router.route({ stream: 'metrics', time: 0, id: 3, name: 'mem', value: 95 });
  router.route({ stream: 'metrics', time: 0, id: 4, name: 7 });
  router.route({ stream: 'other', time: 0, id: 5 });
  assert.deepEqual(seen.sort(), ['all:1:1', 'all:1:2', 'all:1:3', 'all:1:4', 'cpu:1:1'].sort());
  assert.equal(restCalls, 2, 'the rest runs only for events the index matched');
});

test('a rule with two selectors gets an event once, with every bit it matched', () => {
  const router = new Router();
  const { seen, target } = collector();
  router.add(
    rule('seq', [
      { stream: 'logs', match: (e) => e.a === true },
      { stream: 'logs', match: (e) => e.b === true },
    ]),
    target('seq'),
  );
  router.route({ stream: 'logs', time: 0, id: 1, a: true });
  router.route({ stream: 'logs', time: 0, id: 2, b: true });
  router.route({ stream: 'logs', time: 0, id: 3, a: true, b: true });
  router.route({ stream: 'logs', time: 0, id: 4 });
  assert.deepEqual(seen, ['seq:1:1', 'seq:2:2', 'seq:3:3']);
});

test('selectors of one rule on different streams are routed from each stream', () => {
  const router = new Router();
  const { seen, target } = collector();
  router.add(rule('deploy_then_error', [{ stream: 'deploys', match: () => true }, { stream: 'logs', match: () => true }]), target('d'));
  router.route({ stream: 'deploys', time: 0, id: 1 });
  router.route({ stream: 'logs', time: 0, id: 2 });
  assert.deepEqual(seen, ['d:1:1', 'd:2:2']);
});

test('two selectors indexed on one field reach only events with their values, once, with every bit', () => {
  const router = new Router();
  const { seen, target } = collector();
  let tested = 0;
  const on = (value: string, extra: (e: Event) => boolean) => ({
    stream: 'logs',
    match: (e: Event) => (tested++, e.service === value && extra(e)),
    index: { field: 'service', get: (e: Event) => e.service, value, rest: extra },
  });
  router.add(rule('same_service', [on('api', (e) => e.level === 'warning'), on('api', (e) => e.code === 500)]), target('same'));
  router.add(rule('two_services', [on('db', () => true), on('web', () => true)]), target('two'));
  router.route({ stream: 'logs', time: 0, id: 1, service: 'api', level: 'warning' });
  router.route({ stream: 'logs', time: 0, id: 2, service: 'api', level: 'warning', code: 500 });
  router.route({ stream: 'logs', time: 0, id: 3, service: 'db' });
  router.route({ stream: 'logs', time: 0, id: 4, service: 'web' });
  router.route({ stream: 'logs', time: 0, id: 5, service: 'other', level: 'warning', code: 500 });
  assert.deepEqual(seen, ['same:1:1', 'same:3:2', 'two:1:3', 'two:2:4']);
  assert.equal(tested, 6, 'only the selectors of the event\'s own value are tested');
});

test('two selectors indexed on different fields fall back to testing every event', () => {
  const router = new Router();
  const { seen, target } = collector();
  router.add(
    rule('mixed', [
      { stream: 'logs', match: (e) => e.service === 'api', index: { field: 'service', get: (e) => e.service, value: 'api', rest: null } },
      { stream: 'logs', match: (e) => e.host === 'h1', index: { field: 'host', get: (e) => e.host, value: 'h1', rest: null } },
    ]),
    target('m'),
  );
  router.route({ stream: 'logs', time: 0, id: 1, service: 'api', host: 'h1' });
  router.route({ stream: 'logs', time: 0, id: 2, host: 'h1' });
  assert.deepEqual(seen, ['m:3:1', 'm:2:2']);
});
