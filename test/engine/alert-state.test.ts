import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialAlertState, stepAlert, type AlertState } from '../../engine/alert-state.js';

const noDelay = { forMs: 0, keepMs: 0 };

test('without for: inactive -> firing -> resolved', () => {
  let s = initialAlertState(0);
  let r = stepAlert(s, true, 10, noDelay);
  assert.equal(r.emit, 'firing');
  s = r.state;
  assert.equal(stepAlert(s, true, 20, noDelay).emit, null);
  r = stepAlert(s, false, 30, noDelay);
  assert.equal(r.emit, 'resolved');
  assert.equal(r.state.phase, 'inactive');
});

test('with for: pending at t0, firing at t0 + for, inactive if it stops before', () => {
  const timing = { forMs: 30_000, keepMs: 0 };
  const pending = stepAlert(initialAlertState(0), true, 1000, timing);
  assert.equal(pending.emit, 'pending');
  assert.deepEqual(pending.state, { phase: 'pending', deadline: 31_000, since: 1000 });
  assert.equal(stepAlert(pending.state, true, 30_999, timing).emit, null);
  assert.equal(stepAlert(pending.state, true, 31_000, timing).emit, 'firing');
  const stopped = stepAlert(pending.state, false, 20_000, timing);
  assert.equal(stopped.emit, 'inactive');
  assert.equal(stopped.state.phase, 'inactive');
});

test('with keep: resolves at stop + keep unless it holds again in between', () => {
  const timing = { forMs: 0, keepMs: 60_000 };
  const firing = stepAlert(initialAlertState(0), true, 0, timing).state;
  const keeping = stepAlert(firing, false, 10_000, timing);
  assert.equal(keeping.emit, null);
  assert.deepEqual(keeping.state, { phase: 'keeping', deadline: 70_000, since: 0 });
  assert.equal(stepAlert(keeping.state, false, 69_999, timing).emit, null);
  assert.equal(stepAlert(keeping.state, false, 70_000, timing).emit, 'resolved');
  const again = stepAlert(keeping.state, true, 50_000, timing);
  assert.equal(again.emit, null);
  assert.equal(again.state.phase, 'firing');
});

test('unchanged inputs leave the state as it is', () => {
  const s: AlertState = initialAlertState(5);
  assert.equal(stepAlert(s, false, 10, noDelay).state, s);
});
