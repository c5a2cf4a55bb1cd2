import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANTILE_RELATIVE_ERROR } from '../../../engine/windows/quantile-sketch.js';
import {
  createQuantileWindow,
  EXACT_LIMIT,
  quantileAdd,
  quantileExpire,
  quantileFrontTime,
  quantileValue,
  type QuantileWindow,
} from '../../../engine/windows/quantile-window.js';

function exact(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  return lo === rank ? sorted[lo]! : sorted[lo]! + (sorted[lo + 1]! - sorted[lo]!) * (rank - lo);
}

test('a small window is exact, late values included', () => {
  const w = createQuantileWindow();
  for (const [t, x] of [[1, 5], [2, -3], [2, 0], [3, 7.25], [1, 100]] as const) quantileAdd(w, t, x);
  assert.equal(quantileValue(w, 0.5), 5);
  assert.equal(quantileValue(w, 0.99), exact([5, -3, 0, 7.25, 100], 0.99));
  assert.equal(quantileFrontTime(w), 1);
  assert.equal(quantileExpire(w, 1), false);
  assert.equal(quantileValue(w, 0.5), 0);
  assert.equal(quantileValue(w, 1), 7.25);
  assert.equal(quantileFrontTime(w), 2);
  assert.equal(quantileExpire(w, 3), true);
});

test('past the exact limit it switches to the sketch and stays within 1%', () => {
  const w = createQuantileWindow();
  const xs: number[] = [];
  for (let i = 0; i <= EXACT_LIMIT; i++) {
    const x = 1 + Math.abs(Math.sin(i)) * 1000;
    xs.push(x);
    quantileAdd(w, Math.floor(i / 4), x);
  }
  assert.equal(w.sorted, null);
  assert.notEqual(w.sketch, null);
  for (const q of [0, 0.5, 0.9, 0.99, 1]) {
    const want = exact(xs, q);
    assert.ok(Math.abs(quantileValue(w, q)! - want) <= QUANTILE_RELATIVE_ERROR * want, `q ${q}`);
  }
  // Equal time and bucket merge into one entry.
  quantileAdd(w, 1000, 42);
  quantileAdd(w, 1000, 42);
  assert.deepEqual(w.buf.slice(-3), [1000, w.buf.at(-2)!, 2]);
  assert.equal(quantileExpire(w, 999), false);
  assert.equal(quantileValue(w, 0.5), 42);
  assert.equal(quantileExpire(w, 1000), true);
});

test('sketch mode follows late values and compaction over a long stream', () => {
  let w: QuantileWindow | null = null;
  let live: Array<[number, number]> = [];
  const width = 400;
  for (let i = 0; i < 30_000; i++) {
    const now = Math.floor(i / 2);
    const time = i % 13 === 0 ? now - Math.floor(Math.abs(Math.sin(i * 7)) * (width - 1)) : now;
    const x = Math.round(Math.exp(Math.abs(Math.sin(i * 0.11)) * 9) * 10) / 10;
    w ??= createQuantileWindow();
    quantileAdd(w, time, x);
    live.push([time, x]);
    if (quantileExpire(w, now - width)) w = null;
    live = live.filter(([t]) => t > now - width);
    if (i % 211 === 0) {
      const xs = live.map(([, v]) => v);
      for (const q of [0.5, 0.9, 0.99]) {
        const want = exact(xs, q);
        const got = w === null ? undefined : quantileValue(w, q);
        assert.ok(Math.abs(got! - want) <= QUANTILE_RELATIVE_ERROR * want, `q ${q} at ${i}: ${got} vs ${want}`);
      }
      assert.equal(w!.sketch?.total ?? w!.sorted!.length, xs.length);
    }
  }
});

test('state survives a JSON round trip in both modes', () => {
  for (const count of [10, EXACT_LIMIT + 50]) {
    const w = createQuantileWindow();
    for (let i = 0; i < count; i++) quantileAdd(w, i, (i * 37) % 101);
    const copy: QuantileWindow = JSON.parse(JSON.stringify(w));
    assert.deepEqual(copy, w);
    for (const v of [w, copy]) {
      quantileAdd(v, count, 3);
      quantileExpire(v, count / 2);
    }
    assert.equal(quantileValue(copy, 0.9), quantileValue(w, 0.9));
    assert.deepEqual(copy, w);
  }
});
