import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLinearRegex } from '../../../engine/linear-regex.js';
import { LineReader, type FileLine } from '../../../ingest/files/line-reader.js';
import { MultilineGrouper, type FileRecord } from '../../../ingest/files/multiline.js';

function lines(text: string): FileLine[] {
  const out: FileLine[] = [];
  new LineReader({ start: { pos: 0, skipping: false } }).push(Buffer.from(text), out);
  return out;
}

test('multiline: a start line and the indented lines after it are one record; the open record holds the checkpoint back', () => {
  const g = new MultilineGrouper({ start: compileLinearRegex({ pattern: '^\\S' }), maxChars: 65_536 });
  const out: FileRecord[] = [];
  g.push(lines('error boom\n  at a()\n  at b()\ninfo ok\n'), 0, out);
  assert.deepEqual(out, [{ text: 'error boom\n  at a()\n  at b()', truncated: false, end: 29 }]);
  // "info ok" is gathered, not handed on: a restart must read it again from byte 29.
  assert.equal(g.pendingStart, 29);
  g.flush(out);
  assert.deepEqual(out[1], { text: 'info ok', truncated: false, end: 37 });
  assert.equal(g.pendingStart, undefined);
});

test('multiline: without a start pattern each line is a record; a record past the limit is cut and flagged', () => {
  const plain = new MultilineGrouper({ start: undefined, maxChars: 65_536 });
  const out: FileRecord[] = [];
  plain.push(lines('a\n b\n'), 0, out);
  assert.deepEqual(out.map((r) => r.text), ['a', ' b']);
  const small = new MultilineGrouper({ start: compileLinearRegex({ pattern: '^\\S' }), maxChars: 8 });
  const cut: FileRecord[] = [];
  small.push(lines('start\n more\n more\n'), 0, cut);
  small.flush(cut);
  assert.deepEqual(cut, [{ text: 'start\n m', truncated: true, end: 18 }]);
});
