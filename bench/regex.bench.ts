/**
 * Regular-expression benchmark: rules whose `where` is only a `=~` test, so every log event
 * runs every one of them, in five shapes (anchored literal, alternation of literals,
 * case-insensitive literal, and two general patterns), then the hostile rule
 * `path =~ "^(a+)+$"` against one event of `VIGIL_BENCH_HOSTILE` × "a" + "!" (100,000 by
 * default). Prints figures, then one JSON line. Run with `npm run bench:regex`.
 */
import type { Event } from '../engine/model/event.js';
import { Replay } from '../engine/replay.js';
import type { RuleSpec } from '../engine/rule-spec.js';
import { prng } from '../test/support/prng.js';
import { compileBenchRules } from './compile-rules.js';

const RULES_PER_SHAPE = 20;

/** One rule text per shape, each with RULES_PER_SHAPE rules differing in their pattern. */
const SHAPES: Record<string, (i: number) => string> = {
  anchored_literal: (i) => `path =~ "^/api/v${i}/"`,
  literal_alternation: (i) => `message =~ "timeout${i}|refused${i}"`,
  ignore_case_literal: (i) => `message =~ "error${i}" i`,
  general_anchored: (i) => `path =~ "^/api/v[0-9]+/users/${i}[0-9]*$"`,
  general_unanchored: (i) => `agent =~ "bot${i}\\\\.(com|net)"`,
};

function rulesOf(shapes: readonly string[]): RuleSpec[] {
  const out: string[] = [];
  for (const shape of shapes) {
    for (let i = 0; i < RULES_PER_SHAPE; i++) out.push(`rule ${shape}_${i} { when logs where ${SHAPES[shape]!(i)} }`);
  }
  return [...compileBenchRules(out.join('\n')).rules];
}

/** Log events with paths, messages and agents of typical length, some matching. */
function makeEvents(n: number): Event[] {
  const rand = prng(11);
  const start = Date.parse('2026-01-01T00:00:00Z');
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const v = Math.floor(rand() * 40);
    const path = rand() < 0.6 ? `/api/v${v}/users/${Math.floor(rand() * 100_000)}` : `/static/img/${Math.floor(rand() * 1000)}.png`;
    const r = rand();
    const message =
      r < 0.05 ? `upstream timeout${v} after ${Math.floor(rand() * 5000)} ms` : r < 0.1 ? `ERROR${v}: connection reset by peer` : `request handled in ${Math.floor(rand() * 200)} ms for user ${Math.floor(rand() * 1e6)}`;
    const agent = rand() < 0.1 ? `Mozilla/5.0 (compatible; bot${v}.com/2.1)` : 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
    events.push({ stream: 'logs', time: start + i, host: `host${i % 50}`, path, message, agent });
  }
  return events;
}

function run(rules: readonly RuleSpec[], events: readonly Event[]): { seconds: number; changes: number } {
  let changes = 0;
  const replay = new Replay({ rules, onChange: () => changes++ });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events.length; i++) replay.push(events[i]!);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, changes };
}

/** The fastest of three runs: on a shared machine other work only ever slows a run down. */
function bestOfThree(rules: readonly RuleSpec[], events: readonly Event[]): { seconds: number; changes: number } {
  run(rules, events.slice(0, 5_000));
  return Array.from({ length: 3 }, () => run(rules, events)).sort((a, b) => a.seconds - b.seconds)[0]!;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  const N = Number(process.env.VIGIL_BENCH_EVENTS ?? 50_000);
  const events = makeEvents(N);
  const figures: Record<string, number> = {};
  for (const shape of Object.keys(SHAPES)) {
    const r = bestOfThree(rulesOf([shape]), events);
    const perSec = events.length / r.seconds;
    const nsPerTest = (r.seconds * 1e9) / (events.length * RULES_PER_SHAPE);
    figures[`${shape}_ns_per_test`] = Math.round(nsPerTest);
    process.stdout.write(`${shape.padEnd(20)} ${RULES_PER_SHAPE} rules: ${fmt(perSec)} events/s, ${nsPerTest.toFixed(0)} ns per rule and event (${r.changes} changes)\n`);
  }
  const all = bestOfThree(rulesOf(Object.keys(SHAPES)), events);
  figures.all_events_per_sec = Math.round(events.length / all.seconds);
  process.stdout.write(`all ${Object.keys(SHAPES).length * RULES_PER_SHAPE} rules: ${fmt(events.length / all.seconds)} events/s\n`);

  const length = Number(process.env.VIGIL_BENCH_HOSTILE ?? 100_000);
  const hostile = [...compileBenchRules('rule hostile { when logs where path =~ "^(a+)+$" by host }').rules];
  const event: Event = { stream: 'logs', time: Date.parse('2026-01-01T00:00:00Z'), host: 'h1', path: 'a'.repeat(length) + '!' };
  const h = run(hostile, [event]);
  figures.hostile_length = length;
  figures.hostile_ms = Math.round(h.seconds * 1e4) / 10;
  process.stdout.write(`hostile ^(a+)+$ against ${fmt(length)} × "a" + "!": ${(h.seconds * 1e3).toFixed(1)} ms (${h.changes} changes)\n`);
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main();
