import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from '../../bench/fuzz/run-fuzz.js';
import { ROOT } from '../support/cli.js';

test('fuzz smoke: 1,000 seeded inputs (mutated rule files and hostile requests to a real vigil run): no crash, no hang, no 5xx, fmt stable', async () => {
  const defects: string[] = [];
  const figures = await runFuzz({ root: ROOT, inputs: 1000, seed: 20261203, onDefect: (line) => defects.push(line) });
  assert.deepEqual(defects, []);
  assert.equal(figures.crashes, 0);
  assert.equal(figures.hangs, 0);
  assert.equal(figures['5xx'], 0);
  assert.equal(figures.unstable, 0);
  // Both kinds were tried, and they reached past the first gate.
  assert.equal(figures.rule_inputs + figures.http_inputs, 1000);
  assert.ok(figures.rules_compiled > 0 && figures.http_2xx > 0 && figures.http_4xx > 0, JSON.stringify(figures));
});
