import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseDuration } from '../../../engine/model/duration.js';
import type { Event } from '../../../engine/model/event.js';
import { createCounterAggregate, type CounterFn } from '../../../engine/windows/counter-window.js';
import { ensurePrometheusTools, PROMTOOL, run } from '../../support/prometheus.js';
import { prng } from '../../support/prng.js';

const field = (e: Event): unknown => e.v;
const ev = (time: number, v: unknown): Event => ({ stream: 'metrics', time, v }) as Event;

/** The counter function's value at clock `at` after `samples` (time order), as the aggregate condition drives it. */
function valueAt(fn: CounterFn, windowMs: number, samples: readonly [number, number][], at: number): number | undefined {
  const w = createCounterAggregate({ fn, windowMs, field });
  let state = w.init();
  for (const [t, v] of samples) {
    if (t > at) break;
    w.add(state, ev(t, v), t);
    w.expire(state, t);
    // The state is plain data: a JSON round trip on the way changes nothing.
    state = JSON.parse(JSON.stringify(state));
  }
  w.expire(state, at);
  return w.value(state) as number | undefined;
}

test('fewer than two samples in the window: no value; a flat counter: 0', () => {
  assert.equal(valueAt('rate', 60_000, [], 0), undefined);
  assert.equal(valueAt('rate', 60_000, [[0, 5]], 10_000), undefined);
  assert.equal(valueAt('increase', 60_000, [[0, 5], [15_000, 6]], 80_000), undefined, 'both left the window');
  assert.equal(valueAt('increase', 60_000, [[0, 5], [15_000, 5], [30_000, 5]], 30_000), 0);
});

test('a steady counter scraped every 15s has rate 1/s over a minute, whatever the phase', () => {
  const samples: [number, number][] = [];
  for (let t = 0; t <= 600_000; t += 15_000) samples.push([t, 1000 + t / 1000]);
  for (const at of [120_000, 127_000, 134_999, 300_001]) {
    assert.ok(Math.abs(valueAt('rate', 60_000, samples, at)! - 1) < 1e-12, String(at));
    assert.ok(Math.abs(valueAt('increase', 60_000, samples, at)! - 60) < 1e-9, String(at));
  }
});

test('a reset counts the value after it as growth (100, 160, reset to 20, 50: increase 110 before extrapolation)', () => {
  // Samples at 0s, 15s, 30s, 45s; window 1m at 45s: growth 60 + 20 + 30 = 110 seen over 45s,
  // start gap 15s (< 1.1 x 15s) added: 110 x 60 / 45.
  const v = valueAt('increase', 60_000, [[0, 100], [15_000, 160], [30_000, 20], [45_000, 50]], 45_000)!;
  assert.ok(Math.abs(v - (110 * 60) / 45) < 1e-9, String(v));
});

test('samples out of order or at an equal time give what the same samples in order give', () => {
  const rnd = prng(7);
  for (let round = 0; round < 50; round++) {
    const samples: [number, number][] = [];
    let v = 0;
    for (let t = 0; t < 40; t++) {
      v = rnd() < 0.1 ? rnd() * 10 : v + rnd() * 20;
      samples.push([t * 1000, Math.round(v)]);
    }
    const at = 39_000;
    const w = createCounterAggregate({ fn: 'increase', windowMs: 20_000, field });
    const state = w.init();
    // The last 10 samples shuffled: they are all still inside the window at any of their times.
    const head = samples.slice(0, 30);
    const tail = samples.slice(30).sort(() => rnd() - 0.5);
    for (const [t, x] of head) {
      w.add(state, ev(t, x), t);
      w.expire(state, t);
    }
    for (const [t, x] of tail) w.add(state, ev(t, x), t);
    // A duplicate at an existing time with the same value changes nothing.
    w.add(state, ev(samples[35]![0], samples[35]![1]), samples[35]![0]);
    w.expire(state, at);
    assert.equal(w.value(state), valueAt('increase', 20_000, samples, at));
  }
});

test('a long-running window with large counter values does not drift from a fresh computation', () => {
  const samples: [number, number][] = [];
  let v = 1e12;
  const rnd = prng(11);
  for (let t = 0; t < 20_000; t++) {
    v = rnd() < 0.01 ? rnd() : v + rnd() * 1e6;
    samples.push([t * 1000, v]);
  }
  const at = samples.at(-1)![0];
  const fresh = valueAt('increase', 60_000, samples.filter(([t]) => t > at - 60_000), at)!;
  const running = valueAt('increase', 60_000, samples, at)!;
  assert.ok(Math.abs(running - fresh) <= 1e-9 * Math.abs(fresh), `${running} vs ${fresh}`);
});

test('rate and increase agree with Prometheus 2.42 (promtool) on random counters with resets', async () => {
  await ensurePrometheusTools();
  const rnd = prng(2026);
  const intervalMs = 15_000;
  const series: number[][] = [];
  for (let s = 0; s < 6; s++) {
    const values: number[] = [];
    let v = Math.round(rnd() * 1000);
    for (let i = 0; i < 40; i++) {
      // Growth, flat stretches, and a reset now and then.
      v = rnd() < 0.08 ? Math.round(rnd() * 50) : v + (rnd() < 0.3 ? 0 : Math.round(rnd() * 100));
      values.push(v);
    }
    series.push(values);
  }
  // Evaluation times off the 15s grid, so no sample sits exactly at the window's start
  // (PromQL 2.x ranges include it; vigil windows do not).
  const cases: { fn: CounterFn; range: string; windowMs: number; s: number; at: number }[] = [];
  for (let s = 0; s < series.length; s++) {
    for (const [range, windowMs] of [['1m', 60_000], ['2m', 120_000], ['5m', 300_000]] as const) {
      for (const at of [37_000, 101_000, 250_000, 433_000, 590_000]) {
        for (const fn of ['rate', 'increase'] as const) cases.push({ fn, range, windowMs, s, at });
      }
    }
  }
  const yaml = [
    'rule_files: []',
    'evaluation_interval: 15s',
    'tests:',
    '  - interval: 15s',
    '    input_series:',
    ...series.flatMap((values, s) => [`      - series: 'c_total{s="${s}"}'`, `        values: '${values.join(' ')}'`]),
    '    promql_expr_test:',
    // An impossible expected value makes promtool print what it got, for every case.
    ...cases.flatMap((c) => [
      `      - expr: ${c.fn}(c_total{s="${c.s}"}[${c.range}])`,
      `        eval_time: ${c.at / 1000}s`,
      '        exp_samples:',
      `          - labels: '{s="${c.s}"}'`,
      '            value: -1',
    ]),
    '',
  ].join('\n');
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-promtool-'));
  try {
    await writeFile(path.join(dir, 'counters.test.yml'), yaml);
    const r = await run(PROMTOOL, ['test', 'rules', path.join(dir, 'counters.test.yml')], { timeoutMs: 120_000 });
    const got = [...(r.stdout + r.stderr).matchAll(/expr: "(rate|increase)\(c_total\{s=\\"(\d+)\\"\}\[(\w+)\]\)", time: ([0-9hms]+),\n\s+exp: .*\n\s+got: (.*)/g)];
    assert.equal(got.length, cases.length, (r.stdout + r.stderr).replace(/\n{3,}/g, "\n").slice(0, 3000));
    let compared = 0;
    for (const m of got) {
      const [, fn, s, range, at, text] = m;
      const c = cases.find((x) => x.fn === fn && x.s === Number(s) && x.range === range && x.at === parseDuration(at!))!;
      const samples = series[c.s]!.map((v, i): [number, number] => [i * intervalMs, v]);
      const ours = valueAt(c.fn, c.windowMs, samples, c.at);
      const theirs = /\} (\S+)$/.exec(text!.trim());
      if (theirs === null) {
        assert.equal(ours, undefined, `${fn} s=${s} [${range}] at ${at}s: Prometheus has no value, vigil ${ours}`);
        continue;
      }
      const want = Number(theirs[1]);
      assert.ok(ours !== undefined && Math.abs(ours - want) <= 1e-9 * Math.max(1, Math.abs(want)), `${fn} s=${s} [${range}] at ${at}s: Prometheus ${want}, vigil ${ours}`);
      compared++;
    }
    // Most cases have two samples in range; the 1m ranges at the start may not.
    assert.ok(compared > cases.length / 2, `${compared} values compared`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
