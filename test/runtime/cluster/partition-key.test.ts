import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileBenchRules } from '../../../bench/compile-rules.js';
import { defaultPartitionBy, partitionKeyOf, splitRules } from '../../../runtime/cluster/partition-key.js';

const rules = compileBenchRules(
  [
    'rule a { when latest health where check == "web" by host is status == "down" }',
    'rule b { when count of logs where level == "error" over 1m by host, service > 5 }',
    'rule c { when count of logs where level == "error" over 1m > 50 }',
  ].join('\n'),
).rules;

test('events are keyed by the partition fields; a missing field counts as empty', () => {
  const key = partitionKeyOf(['host', 'labels.team']);
  assert.equal(key({ stream: 'x', time: 0, host: 'h1', labels: { team: 'ops' } }), 'h1\u0000ops');
  assert.equal(key({ stream: 'x', time: 0, host: 'h1' }), 'h1\u0000');
  assert.equal(partitionKeyOf([])({ stream: 'x', time: 0, host: 'h1' }), '');
});

test('the default partition fields are the by fields every grouping rule shares', () => {
  assert.deepEqual(defaultPartitionBy(rules), ['host']);
});

test('a rule whose groups can span partitions is named with what it lacks', () => {
  assert.deepEqual(
    splitRules(rules, ['host']).map((s) => s.rule),
    ['c'],
  );
  assert.deepEqual(
    splitRules(rules, ['service']).map((s) => s.rule),
    ['a', 'c'],
  );
});
