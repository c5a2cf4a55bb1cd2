import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IncidentBook } from '../../engine/incident-book.js';

const change = (time: number, host: string, state: 'firing' | 'resolved') => ({
  time,
  rule: 'r',
  state,
  labels: { host, rule: 'r', severity: 'warning' },
  value: null,
});

test('one incident per alert while it fires; a re-fire after resolve opens a new one', () => {
  const book = new IncidentBook();
  assert.equal(book.applyChange(change(0, 'a', 'firing'), 's')?.opened, true);
  assert.equal(book.applyChange(change(1, 'a', 'firing'), 's'), undefined);
  assert.equal(book.applyChange(change(2, 'a', 'resolved'), 's')?.opened, false);
  assert.equal(book.applyChange(change(3, 'a', 'firing'), 's')?.incident.id, 'inc-2');
  assert.deepEqual(book.list({}).map((i) => `${i.id} ${i.state}`), ['inc-2 firing', 'inc-1 resolved']);
});

test('human actions: ack once firing, resolve by hand, errors for unknown and resolved incidents', () => {
  const book = new IncidentBook();
  book.applyChange(change(0, 'a', 'firing'), '');
  assert.equal(book.ack('inc-1', 5, 'alice', 'mine').ok, true);
  assert.equal(book.get('inc-1')!.state, 'acknowledged');
  assert.deepEqual(book.ack('nope', 5, 'alice', ''), { ok: false, error: 'not_found' });
  assert.equal(book.resolve('inc-1', 6, 'alice', 'fixed').ok, true);
  assert.deepEqual(book.resolve('inc-1', 7, 'bob', ''), { ok: false, error: 'already_resolved' });
  // The alert's own end still lands on the incident resolved by hand.
  book.applyChange(change(8, 'a', 'resolved'), '');
  assert.deepEqual(book.entriesOf(book.get('inc-1')!).map((e) => e.kind), ['firing', 'acked', 'resolved', 'resolved']);
});

test('memory bounds: the oldest entries and resolved incidents are forgotten, open ones kept', () => {
  const book = new IncidentBook({ maxEntries: 100, maxResolved: 5 });
  book.applyChange(change(0, 'keep', 'firing'), '');
  for (let i = 0; i < 200; i++) {
    book.applyChange(change(i * 2 + 1, `h${i}`, 'firing'), '');
    book.applyChange(change(i * 2 + 2, `h${i}`, 'resolved'), '');
  }
  assert.ok(book.entries({ limit: 10_000 }).length <= 100);
  assert.equal(book.get('inc-1')!.state, 'firing');
  assert.ok(book.list({ status: 'resolved', limit: 1000 }).length <= 6);
});
