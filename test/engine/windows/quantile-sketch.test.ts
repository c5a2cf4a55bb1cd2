import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketKey,
  createSketch,
  GAMMA,
  QUANTILE_RELATIVE_ERROR,
  sketchAddAt,
  sketchQuantile,
  sketchRemove,
  sketchSlot,
  type QuantileSketch,
} from '../../../engine/windows/quantile-sketch.js';

function add(s: QuantileSketch, x: number): void {
  sketchAddAt(s, sketchSlot(s, bucketKey(x)), x, 1);
}

/** Interpolated quantile, the definition the sketch approximates. */
function exact(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  return lo === rank ? sorted[lo]! : sorted[lo]! + (sorted[lo + 1]! - sorted[lo]!) * (rank - lo);
}

/** Fixed pseudo-random values spanning magnitudes 1e-6 .. 1e6. */
function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, i) => 10 ** (Math.abs(Math.sin((i + 1) * seed)) * 12 - 6));
}

test('the guarantee is under 1%', () => {
  assert.ok(QUANTILE_RELATIVE_ERROR < 0.01);
});

test('bucket keys follow the order of values, across signs and magnitudes', () => {
  const xs = [-1e300, -5, -1.01, -1, -1e-300, 0, 5e-324, 1e-9, 1, 1.01, 5, 1e300, Number.MAX_VALUE];
  for (let i = 1; i < xs.length; i++) assert.ok(bucketKey(xs[i - 1]!) <= bucketKey(xs[i]!), `${xs[i - 1]} vs ${xs[i]}`);
  assert.equal(bucketKey(-0), bucketKey(0));
  assert.equal(bucketKey(-7), -bucketKey(7));
});

test('values sharing a bucket differ by less than GAMMA', () => {
  for (const x of values(2000, 7)) {
    const k = bucketKey(x);
    assert.equal(bucketKey(x * 1.000001) === k || bucketKey(x / 1.000001) === k, true);
    assert.notEqual(bucketKey(x * GAMMA * 1.0000001), k);
    assert.notEqual(bucketKey(x / (GAMMA * 1.0000001)), k);
  }
});

test('quantiles are within 1% of exact as values come and go', () => {
  const s = createSketch();
  const xs = values(20_000, 3);
  const window: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    add(s, xs[i]!);
    window.push(xs[i]!);
    if (window.length > 1000) {
      const x = window.shift()!;
      sketchRemove(s, bucketKey(x), 1);
    }
    if (i % 997 === 0) {
      for (const q of [0, 0.5, 0.9, 0.95, 0.99, 1]) {
        const want = exact(window, q);
        const got = sketchQuantile(s, q)!;
        assert.ok(Math.abs(got - want) <= QUANTILE_RELATIVE_ERROR * want, `q ${q} at ${i}: ${got} vs ${want}`);
      }
    }
  }
  assert.equal(s.total, 1000);
  assert.ok(s.keys.length <= 2 * 1000 + 17);
});

test('negatives and zeros rank below positives', () => {
  const s = createSketch();
  for (const x of [-10, -1, 0, 0, 1, 10]) add(s, x);
  assert.equal(sketchQuantile(s, 0), -10);
  assert.equal(sketchQuantile(s, 0.2), -1);
  assert.equal(sketchQuantile(s, 0.5), 0);
  assert.equal(sketchQuantile(s, 0.8), 1);
  assert.equal(sketchQuantile(s, 1), 10);
  assert.equal(sketchQuantile(s, 0.1), -5.5);
});

test('interpolates between neighbouring ranks; identical values come out exact', () => {
  const s = createSketch();
  for (const x of [1, 2, 3, 4]) add(s, x);
  assert.equal(sketchQuantile(s, 0.5), 2.5);
  const t = createSketch();
  for (let i = 0; i < 50; i++) add(t, 0.3);
  assert.equal(sketchQuantile(t, 0.99), 0.3);
  assert.equal(sketchQuantile(createSketch(), 0.5), undefined);
});

test('emptied buckets are dropped once they dominate, keeping marks with their buckets', () => {
  const s = createSketch();
  for (let i = 1; i <= 100; i++) add(s, i * 10);
  s.marks[sketchSlot(s, bucketKey(1000))] = 42;
  for (let i = 1; i <= 90; i++) sketchRemove(s, bucketKey(i * 10), 1);
  assert.ok(s.keys.length < 100);
  assert.equal(s.tree.length, s.keys.length + 1);
  assert.equal(s.marks[sketchSlot(s, bucketKey(1000))], 42);
  assert.equal(sketchQuantile(s, 0), 910);
  assert.equal(sketchQuantile(s, 1), 1000);
});

test('state survives a JSON round trip', () => {
  const s = createSketch();
  for (const x of values(300, 11)) add(s, x - 100);
  const copy: QuantileSketch = JSON.parse(JSON.stringify(s));
  assert.deepEqual(copy, s);
  add(copy, 5);
  add(s, 5);
  assert.equal(sketchQuantile(copy, 0.9), sketchQuantile(s, 0.9));
});
