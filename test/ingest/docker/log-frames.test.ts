import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitTimestamp } from '../../../ingest/docker/container-logs.js';
import { createLogFrameDecoder, MAX_LOG_LINE_CHARS } from '../../../ingest/docker/log-frames.js';

function frame(stream: number, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames: lines per output, split anywhere between chunks, even inside a header or a UTF-8 character', () => {
  const whole = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'err ✓\n'), frame(1, 'o\n')]);
  for (let cut = 1; cut < whole.length; cut++) {
    const d = createLogFrameDecoder();
    const lines = [...d.push(whole.subarray(0, cut)), ...d.push(whole.subarray(cut))];
    assert.deepEqual(
      lines.map((l) => `${l.source}:${l.text}`),
      ['stdout:one', 'stderr:err ✓', 'stdout:two'],
      `cut at ${cut}`,
    );
  }
});

test('a raw (TTY) stream has no frames: every line is stdout, CRLF ends are trimmed', () => {
  const d = createLogFrameDecoder(false);
  assert.deepEqual(d.push(Buffer.from('a\r\nb\n')).map((l) => [l.source, l.text]), [['stdout', 'a'], ['stdout', 'b']]);
});

test('a line over 64 KiB is cut there and flagged; the next line is whole', () => {
  const d = createLogFrameDecoder();
  const long = 'x'.repeat(MAX_LOG_LINE_CHARS + 500);
  const lines = d.push(Buffer.concat([frame(1, long.slice(0, 40_000)), frame(1, `${long.slice(40_000)}\nnext\n`)]));
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.text.length, MAX_LOG_LINE_CHARS);
  assert.equal(lines[0]!.truncated, true);
  assert.deepEqual([lines[1]!.text, lines[1]!.truncated], ['next', false]);
});

test('bytes that are not a frame header are refused', () => {
  assert.throws(() => createLogFrameDecoder().push(Buffer.from('plain text, not frames\n')), /not a log frame header/);
});

test('the engine timestamp in front of a line becomes its time', () => {
  assert.deepEqual(splitTimestamp('2026-12-03T14:31:50.123456789Z hello world'), { timeMs: Date.parse('2026-12-03T14:31:50.123Z'), text: 'hello world' });
  assert.deepEqual(splitTimestamp('no stamp'), { timeMs: undefined, text: 'no stamp' });
});
