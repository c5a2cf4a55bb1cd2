import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, waitAtMost } from '../../runtime/sleep.js';

test('sleep ends when its signal aborts, and at once when it already has, without an error', { timeout: 30_000 }, async () => {
  const stop = new AbortController();
  const waiting = sleep(600_000, { signal: stop.signal });
  stop.abort();
  await waiting;
  await sleep(600_000, { signal: stop.signal });
  // An unreferenced wait ends like any other.
  await sleep(1, { ref: false });
});

test('waitAtMost passes on a rejection that comes in time and ends with the promise', { timeout: 30_000 }, async () => {
  await waitAtMost(Promise.resolve('ignored'), 600_000);
  await assert.rejects(waitAtMost(Promise.reject(new Error('boom')), 600_000), /boom/);
  // A promise that never settles: the wait ends after its time.
  await waitAtMost(new Promise(() => {}), 1);
});
