import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineReader, type FileLine } from '../../../ingest/files/line-reader.js';

/** Feeds `chunks` (as UTF-8) to a reader from offset 0 and returns the lines and where it stands. */
function read(chunks: readonly (string | Buffer)[], maxLineBytes?: number): { lines: FileLine[]; reader: LineReader } {
  const reader = new LineReader({ start: { pos: 0, skipping: false }, ...(maxLineBytes === undefined ? {} : { maxLineBytes }) });
  const lines: FileLine[] = [];
  for (const c of chunks) reader.push(typeof c === 'string' ? Buffer.from(c) : c, lines);
  return { lines, reader };
}

test('line reader: lines with the byte offset each ends at; a CR before the newline is dropped', () => {
  const { lines, reader } = read(['a\nbé\r\n', 'c\n']);
  assert.deepEqual(lines, [
    { text: 'a', end: 2, truncated: false },
    { text: 'bé', end: 7, truncated: false },
    { text: 'c', end: 9, truncated: false },
  ]);
  assert.deepEqual(reader.position(), { pos: 9, skipping: false });
});

test('line reader: a line split across chunks (mid-character too) waits for its newline', () => {
  const bytes = Buffer.from('xé\nyz\n');
  const { lines, reader } = read([bytes.subarray(0, 2), bytes.subarray(2, 5)]);
  assert.deepEqual(lines, [{ text: 'xé', end: 4, truncated: false }]);
  assert.deepEqual(reader.position(), { pos: 4, skipping: false });
  assert.equal(reader.readPos, 5);
  assert.equal(reader.pendingBytes, 1);
  reader.push(bytes.subarray(5), lines);
  assert.deepEqual(lines[1], { text: 'yz', end: 7, truncated: false });
});

test('line reader: a line over the limit is cut at a character boundary, flagged, and the rest skipped across chunks', () => {
  // 'é' is two bytes: a cut at 5 bytes would split the third one.
  const { lines, reader } = read(['ééé', 'éééé', 'tail', '\nnext\n'], 5);
  assert.deepEqual(lines, [
    // Cut in the first chunk: it ends where that chunk did, and the rest up to the newline is skipped.
    { text: 'éé', end: 6, truncated: true },
    { text: 'next', end: 24, truncated: false },
  ]);
  assert.deepEqual(reader.position(), { pos: 24, skipping: false });
  // Still skipping after the chunk that held the cut: the position says so, for a restart.
  const mid = read(['abcdefgh'], 5);
  assert.deepEqual(mid.reader.position(), { pos: 8, skipping: true });
  const resumed = new LineReader({ start: mid.reader.position(), maxLineBytes: 5 });
  const out: FileLine[] = [];
  resumed.push(Buffer.from('ij\nk\n'), out);
  assert.deepEqual(out, [{ text: 'k', end: 13, truncated: false }]);
});

test('line reader: flush hands on a last line without newline; reset starts over', () => {
  const { lines, reader } = read(['a\nb']);
  reader.flush(lines);
  assert.deepEqual(lines[1], { text: 'b', end: 3, truncated: false });
  reader.reset(0);
  assert.deepEqual(reader.position(), { pos: 0, skipping: false });
  reader.push(Buffer.from('c\n'), lines);
  assert.deepEqual(lines[2], { text: 'c', end: 2, truncated: false });
});
