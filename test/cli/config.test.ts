import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from '../../cli/config.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { ROOT } from '../support/cli.js';

test('every key has a default', () => {
  const c = parseConfig({});
  assert.equal(c.rules, './rules');
  assert.equal(c.http.listen, '127.0.0.1:8080');
  assert.equal(c.time.lateness, '30s');
  assert.equal(c.time.maxFuture, '5m');
  assert.deepEqual(c.kafka.brokers, []);
  assert.equal(c.questdb.config, '');
  assert.deepEqual(c.engine, { maxGroupsPerRule: 100000, maxRules: 10000, maxLabelValueLength: 1024 });
});

test('engine limits are positive integers', () => {
  assert.throws(() => parseConfig({ engine: { maxRules: 0, maxLabelValueLength: 1.5 } }), (e: unknown) => {
    assert.ok(e instanceof VigilError);
    assert.match(e.message, /engine\.maxRules: must be >= 1/);
    assert.match(e.message, /engine\.maxLabelValueLength: must be integer/);
    return true;
  });
  assert.equal(parseConfig({ engine: { maxRules: 5 } }).engine.maxRules, 5);
});

test('errors name the path and the reason, all at once; unknown keys are errors', () => {
  assert.throws(
    () => parseConfig({ http: { listen: 'nowhere', extra: 1 }, time: { lateness: 'soon' }, kafka: { topics: [{ topic: 't' }] } }),
    (e: unknown) => {
      assert.ok(e instanceof VigilError);
      assert.equal(e.code, ErrorCode.Config);
      assert.match(e.message, /http: unknown key "extra"/);
      assert.match(e.message, /http\.listen: must match pattern/);
      assert.match(e.message, /time\.lateness: must match pattern/);
      assert.match(e.message, /kafka\.topics\.0: must have required property 'stream'/);
      return true;
    },
  );
});

test('time.maxFuture is a duration', () => {
  assert.equal(parseConfig({ time: { maxFuture: '1h' } }).time.maxFuture, '1h');
  assert.throws(
    () => parseConfig({ time: { maxFuture: 'later' } }),
    (e: unknown) => e instanceof VigilError && e.code === ErrorCode.Config && /time\.maxFuture: must match pattern/.test(e.message),
  );
});

test('the shipped example configurations are valid', async () => {
  for (const file of ['examples/compose/vigil.yaml', 'examples/minitwit/vigil.yaml']) {
    const c = await loadConfig(path.join(ROOT, file));
    assert.ok(c.rules.length > 0, file);
  }
  const compose = await loadConfig(path.join(ROOT, 'examples/compose/vigil.yaml'));
  assert.deepEqual(compose.kafka.brokers, ['kafka:9092']);
  assert.equal(compose.questdb.config, 'http::addr=questdb:9000');
});
