import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { AlertChange } from '../engine/model/alert-change.js';
import { parseDuration } from '../engine/model/duration.js';
import { formatDiagnostic } from '../engine/model/errors.js';
import type { Event } from '../engine/model/event.js';
import { Replay } from '../engine/replay.js';
import { createEventValidator, parseIsoTime } from '../ingest/event-validator.js';
import { findRuleFiles, loadRuleFiles } from '../rules/load.js';

/** One expected change of a rule test. */
export interface Expectation {
  readonly at: number;
  readonly rule: string;
  readonly state: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly value?: unknown;
}

/** The outcome of one `*.test.yaml`. */
export type RuleTestResult =
  | { readonly file: string; readonly passed: true; readonly start: number }
  | {
      readonly file: string;
      readonly passed: false;
      readonly start: number;
      /** Why the test could not run, when it could not. */
      readonly error?: string;
      readonly expected: readonly Expectation[];
      readonly actual: readonly AlertChange[];
    };

const duration = { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 0 }] } as const;
const testSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['events', 'expect'],
  properties: {
    name: { type: 'string' },
    rules: { type: 'array', items: { type: 'string' } },
    start: { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'object' }] },
    events: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['event'],
        properties: { at: duration, every: duration, from: duration, until: duration, event: { type: 'object' } },
      },
    },
    end: duration,
    expect: {
      anyOf: [
        { type: 'null' },
        {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['at', 'rule', 'state'],
            properties: {
              at: duration,
              rule: { type: 'string' },
              state: { enum: ['firing', 'resolved'] },
              labels: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
              value: {},
            },
          },
        },
      ],
    },
  },
} as const;

const validateTest = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(testSchema);

/**
 * Most events one test file may make, `every:` repetitions included: a year of `every: 1ms`
 * would otherwise allocate gigabytes before the first event runs.
 */
export const MAX_TEST_EVENTS = 1_000_000;

/** A test file problem, reported as the test's failure. */
class BadTest extends Error {}

function offset(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  const ms = typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined) throw new BadTest(`${where}: ${JSON.stringify(v)} is not a duration (e.g. 30s, 1h30m)`);
  return ms;
}

function startOf(v: unknown): number {
  if (v === undefined) return 0;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const ms = typeof v === 'string' ? parseIsoTime(v) : undefined;
  if (ms === undefined) throw new BadTest(`start: ${JSON.stringify(v)} is not an ISO-8601 time`);
  return ms;
}

interface Timed {
  readonly time: number;
  readonly order: number;
  readonly raw: Record<string, unknown>;
}

/**
 * Runs one rule test file (format in the interface spec): the events, placed in time from
 * `start`, go through the rules on a virtual clock; the firing and resolved changes must be
 * exactly the expected ones, in order, with each expectation's labels a subset.
 */
export async function runRuleTest(file: string): Promise<RuleTestResult> {
  let start = 0;
  let expected: Expectation[] = [];
  try {
    const doc: unknown = parseYaml(await readFile(file, 'utf8'));
    if (!validateTest(doc)) {
      const e = validateTest.errors![0]!;
      throw new BadTest(`${e.instancePath || 'test'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${(e.params as { additionalProperty: string }).additionalProperty}` : ''}`);
    }
    const test = doc as {
      rules?: string[];
      start?: unknown;
      events: { at?: unknown; every?: unknown; from?: unknown; until?: unknown; event: Record<string, unknown> }[];
      end?: unknown;
      expect: null | { at: unknown; rule: string; state: 'firing' | 'resolved'; labels?: Record<string, unknown>; value?: unknown }[];
    };
    start = startOf(test.start);
    expected = (test.expect ?? []).map((x, i) => ({
      at: start + offset(x.at, `expect[${i}].at`),
      rule: x.rule,
      state: x.state,
      labels: Object.fromEntries(Object.entries(x.labels ?? {}).map(([k, v]) => [k, String(v)])),
      ...('value' in x ? { value: x.value } : {}),
    }));

    const dir = path.dirname(file);
    const ruleFiles = test.rules === undefined ? (await findRuleFiles(dir)).filter((f) => path.dirname(f) === dir) : test.rules.map((r) => path.join(dir, r));
    const loaded = await loadRuleFiles(ruleFiles);
    if (!loaded.ok) throw new BadTest(`rules do not compile:\n${loaded.diagnostics.map(formatDiagnostic).join('\n')}`);

    const timed: Timed[] = [];
    test.events.forEach((entry, i) => {
      const where = `events[${i}]`;
      if (entry.every !== undefined) {
        const every = offset(entry.every, `${where}.every`);
        const from = offset(entry.from ?? entry.at ?? 0, `${where}.from`);
        const until = offset(entry.until, `${where}.until`);
        if (every <= 0) throw new BadTest(`${where}.every must be more than 0`);
        // Counted before anything is allocated.
        const count = until < from ? 0 : Math.floor((until - from) / every) + 1;
        if (timed.length + count > MAX_TEST_EVENTS) {
          throw new BadTest(
            `${file}: ${where}: every ${every}ms from ${from}ms until ${until}ms makes ${count.toLocaleString('en-US')} events; ` +
              `a test file may make at most ${MAX_TEST_EVENTS.toLocaleString('en-US')}`,
          );
        }
        for (let t = from; t <= until; t += every) timed.push({ time: start + t, order: timed.length, raw: entry.event });
      } else {
        timed.push({ time: start + offset(entry.at ?? 0, `${where}.at`), order: timed.length, raw: entry.event });
      }
    });
    timed.sort((a, b) => a.time - b.time || a.order - b.order);

    const actual: AlertChange[] = [];
    const replay = new Replay({ rules: loaded.ruleSet.rules, start, onChange: (c) => actual.push(c) });
    const validate = createEventValidator();
    for (const t of timed) {
      const checked = validate({ ...t.raw, time: t.time }, t.time);
      if (!checked.ok) throw new BadTest(`event at ${t.time - start}ms: ${checked.error}`);
      replay.push(checked.event as Event);
    }
    replay.finish(test.end === undefined ? undefined : start + offset(test.end, 'end'));
    const relevant = actual.filter((c) => c.state === 'firing' || c.state === 'resolved');
    const passed = relevant.length === expected.length && expected.every((x, i) => matches(x, relevant[i]!));
    return passed ? { file, passed: true, start } : { file, passed: false, start, expected, actual: relevant };
  } catch (e) {
    if (e instanceof BadTest || (e as Error).name === 'YAMLParseError') {
      return { file, passed: false, start, error: (e as Error).message, expected, actual: [] };
    }
    throw e;
  }
}

function matches(x: Expectation, c: AlertChange): boolean {
  if (x.at !== c.time || x.rule !== c.rule || x.state !== c.state) return false;
  for (const [k, v] of Object.entries(x.labels)) if (c.labels[k] !== v) return false;
  if ('value' in x && x.value !== c.value) return false;
  return true;
}
