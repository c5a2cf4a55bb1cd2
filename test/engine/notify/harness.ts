import assert from 'node:assert/strict';
import { Core, type Input, type InputBody } from '../../../engine/core.js';
import type { TimelineEntry } from '../../../engine/model/incident.js';
import type { Silence } from '../../../engine/silences.js';
import { checkRuleSet } from '../../../rules/check.js';
import { compileRuleSet } from '../../../rules/compile.js';
import { parseRuleFile } from '../../../rules/parse.js';

const CHANNELS = `
channel chat webhook { url "http://127.0.0.1:1/chat" }
channel pager webhook { url "http://127.0.0.1:1/pager" }
`;

/** Compiles rules (with the channels `chat` and `pager`), asserting they check clean. */
export function compile(source: string) {
  const { ast, diagnostics } = parseRuleFile('t.vigil', CHANNELS + source);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  return compileRuleSet(files);
}

/** A core on a virtual clock (simulated time), with inputs applied at given times. */
export function harness(source: string, start = 0) {
  const set = compile(source);
  const newCore = (at: number) =>
    new Core({
      start: at,
      rules: { rules: set.rules, policies: set.policies },
      externalChannels: [],
      incidentUrl: (id) => `http://vigil.test/v1/incidents/${id}`,
      maxGroupsPerRule: 1000,
    });
  const h = {
    core: newCore(start),
    /** Moves the clock, firing due timers. */
    advance: (time: number): void => void h.core.advance(time),
    at: (time: number, input: InputBody): void => {
      h.core.advance(time);
      h.core.apply({ ...input, at: time } as Input);
    },
    /** A health event at `time`. */
    event: (time: number, fields: Record<string, unknown>): void => h.at(time, { t: 'events', events: [{ stream: 'health', time, ...fields }] } as InputBody),
    silence: (time: number, id: string, matchers: Record<string, string>, endsAt: number, notify?: string[]): void => {
      const silence: Silence = {
        id,
        matchers: Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
        startsAt: time,
        endsAt,
        createdBy: 'bob',
        comment: 'work',
        createdAt: time,
        expiredAt: null,
        ...(notify === undefined ? {} : { notify }),
      };
      h.at(time, { t: 'silence', silence });
    },
    /** Outbox keys queued so far (pending or sent), with the time they are due. */
    queued: (): string[] => h.core.notifier.outbox.due(Infinity).map((i) => `${i.notBefore} ${i.key}`),
    /** The timeline as `time kind incident` lines. */
    kinds: (): string[] => h.core.book.entries({ limit: 10_000 }).map((e: TimelineEntry) => `${e.time} ${e.kind}${e.incident ? ` ${e.incident}` : ''}`),
    entries: (id: string): TimelineEntry[] => h.core.book.entriesOf(h.core.book.get(id)!),
    /** Replaces the core by one restored from a JSON round trip of its snapshot, at its clock time. */
    restart: (): void => {
      const at = h.core.now;
      const snap = JSON.parse(JSON.stringify(h.core.snapshot()));
      const fresh = newCore(at);
      fresh.restore(snap, at);
      fresh.start();
      h.core = fresh;
    },
  };
  h.core.start();
  return h;
}
