import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { deadline } from '../../runtime/deadline.js';

test("the caller's abort ends the deadline with the caller's reason; an abort before it started, at once", () => {
  const caller = new AbortController();
  const limit = deadline(caller.signal, 600_000);
  assert.equal(limit.reason(), undefined);
  caller.abort(new Error('stopping'));
  assert.equal(limit.signal.aborted, true);
  assert.equal((limit.signal.reason as Error).message, 'stopping');
  assert.equal(limit.reason(), 'aborted');
  assert.equal(limit.expired(), false);
  limit.dispose();
  const late = deadline(caller.signal, 600_000);
  assert.equal(late.signal.aborted, true);
  assert.equal(late.reason(), 'aborted');
  late.dispose();
});

test('running out of time aborts with a TimeoutError and says so; the caller aborting later changes nothing', async () => {
  const caller = new AbortController();
  const limit = deadline(caller.signal, 1);
  await once(limit.signal, 'abort');
  assert.equal(limit.expired(), true);
  assert.equal(limit.reason(), 'timeout after 1 ms');
  assert.equal((limit.signal.reason as DOMException).name, 'TimeoutError');
  caller.abort();
  assert.equal(limit.reason(), 'timeout after 1 ms');
  limit.dispose();
});

test('dispose unhooks from the caller, and a limit longer than a timer holds does not fire at once', async () => {
  const caller = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const limit = deadline(caller.signal, 366 * 86_400_000);
    await nextTurn();
    limit.dispose();
    caller.abort();
    assert.equal(limit.signal.aborted, false);
    assert.deepEqual(warnings.filter((w) => w === 'TimeoutOverflowWarning'), []);
  } finally {
    process.off('warning', onWarning);
  }
});
