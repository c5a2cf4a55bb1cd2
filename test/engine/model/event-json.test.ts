import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '../../../engine/model/event.js';
import { appendJsonFields, eventsInputJson } from '../../../engine/model/event-json.js';

/** Parses `text` and checks it equals `expected` in values and in field order. */
function assertSameJson(text: string | undefined, expected: unknown): void {
  assert.ok(text !== undefined);
  const parsed: unknown = JSON.parse(text);
  assert.deepEqual(parsed, expected);
  assert.equal(JSON.stringify(parsed), JSON.stringify(expected));
}

test('appending fields to a parsed JSON object gives what setting them on it gives', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['{"a":1}', { stream: 's', time: 5 }],
    ['{}', { stream: 's' }],
    [' {  } \t', { stream: 's', time: 7 }],
    ['{"stream":"theirs","x":true,"time":"2026-01-01T00:00:00Z"}', { stream: 's', time: 1767225600000 }],
    ['{"a":1,"a":2, "b" : [1, {"c":null}] }  ', { stream: 's' }],
    ['{"__proto__":{"polluted":1},"z":"\\u2028é😀"}', { stream: 's' }],
  ];
  for (const [text, fields] of cases) {
    const object = JSON.parse(text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) object[key] = value;
    const added = Object.entries(fields)
      .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
      .join(',');
    assertSameJson(appendJsonFields(text, added), object);
  }
  assert.equal(({} as { polluted?: number }).polluted, undefined);
});

test('a text with a line break is not kept, since a journal frame is one line', () => {
  assert.equal(appendJsonFields('{"a":\n1}', '"stream":"s"'), undefined);
  assert.equal(appendJsonFields('{"a":1}\r\n', '"stream":"s"'), undefined);
});

test('an events input takes the kept texts and serialises the events without one', () => {
  const events: Event[] = [
    { stream: 's', time: 1, a: 1 },
    { stream: 's', time: 2, b: 'two' },
  ];
  const json = ['{"a":1,"stream":"s","time":1}', undefined];
  const input = { t: 'events', at: 1767225600000, events: [{ a: 1, stream: 's', time: 1 }, events[1]] };
  assertSameJson(eventsInputJson(1767225600000, events, json), input);
  assertSameJson(eventsInputJson(3, events, []), { t: 'events', at: 3, events });
});
