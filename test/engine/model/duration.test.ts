import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DURATION_SOURCE, durationMs, formatDuration, parseDuration } from '../../../engine/model/duration.js';

test('parseDuration reads every unit and sums the parts; anything else is not a duration', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1w1d1h1m1s1ms'), 694_861_001);
  assert.equal(parseDuration('0s'), 0);
  for (const bad of ['', '5', '5min', '1.5h', ' 1s', '1s ', '-1s', '1S', 'ms']) assert.equal(parseDuration(bad), undefined, bad);
  // Too long to count exactly in a double.
  assert.equal(parseDuration('99999999999999999999d'), undefined);
});

test('durationMs sums a text of the right form however large; formatDuration is its inverse on canonical text', () => {
  assert.equal(durationMs('99999999999999999999d'), 99999999999999999999 * 86_400_000);
  for (const text of ['1ms', '59s', '1m30s', '2h', '1d12h', '3w', '1w1d1h1m1s1ms']) {
    assert.equal(formatDuration(durationMs(text)), text);
    assert.equal(parseDuration(formatDuration(parseDuration(text)!)), parseDuration(text));
  }
  // Not canonical in, canonical out.
  assert.equal(formatDuration(parseDuration('90s')!), '1m30s');
  assert.equal(formatDuration(parseDuration('1000ms')!), '1s');
});

test('DURATION_SOURCE is the form parseDuration accepts', () => {
  const whole = new RegExp(`^${DURATION_SOURCE}$`);
  for (const text of ['1s', '1h30m', '5min', '1.5h', '', '10']) assert.equal(whole.test(text), parseDuration(text) !== undefined, text);
});
