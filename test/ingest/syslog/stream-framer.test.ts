import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamFramer } from '../../../ingest/syslog/stream-framer.js';

function run(chunks: readonly (string | Buffer)[], maxBytes = 1000): { frames: string[]; malformed: string[] } {
  const frames: string[] = [];
  const malformed: string[] = [];
  const out = { frame: (t: string) => frames.push(t), malformed: (r: string) => malformed.push(r) };
  const framer = new StreamFramer(maxBytes);
  for (const c of chunks) framer.push(typeof c === 'string' ? Buffer.from(c) : c, out);
  framer.end(out);
  return { frames, malformed };
}

test('framer: LF frames and octet-counted frames, mixed on one stream, split anywhere', () => {
  const stream = '<13>a one\n<13>b two\r\n17 <14>1 - - - - - -' + '5 <13>x' + '<13>c three\n';
  const whole = run([stream]);
  assert.deepEqual(whole, { frames: ['<13>a one', '<13>b two', '<14>1 - - - - - -', '<13>x', '<13>c three'], malformed: [] });
  // Every split point, byte by byte included, gives the same frames.
  const bytes = Buffer.from(stream);
  for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(run([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at ${cut}`);
  assert.deepEqual(run([...bytes].map((b) => Buffer.from([b]))), whole);
});

test('framer: octet counts are bytes, so a UTF-8 character split across reads stays whole', () => {
  const msg = '<13>h\u00e9llo \u{1F600}';
  const bytes = Buffer.from(`${Buffer.byteLength(msg)} ${msg}<13>next\n`);
  for (let cut = 1; cut < bytes.length; cut++) assert.deepEqual(run([bytes.subarray(0, cut), bytes.subarray(cut)]).frames, [msg, '<13>next']);
});

test('framer: a bad frame is dropped alone and the frames after it come through', () => {
  assert.deepEqual(run(['12x <13>bad\n<13>good\n']), { frames: ['<13>good'], malformed: ['a frame starts with a digit but no octet count and space'] });
  // A digit-led line is not taken as a count that would swallow the frames after it.
  assert.deepEqual(run(['2024 is a year\n<13>good\n']), { frames: ['<13>good'], malformed: ['an octet-counted frame does not start with <PRI>'] });
  const long = run([`2000 <13>${'x'.repeat(1996)}`, '<13>after\n'], 1000);
  assert.deepEqual(long.frames, ['<13>after']);
  assert.match(long.malformed[0]!, /2000 bytes is over the limit of 1000/);
  const line = run([`<13>${'y'.repeat(600)}`, `${'y'.repeat(600)}\n<13>after\n`], 1000);
  assert.deepEqual(line.frames, ['<13>after']);
  assert.equal(line.malformed.length, 1);
  assert.deepEqual(run(['<13>last without LF']), { frames: ['<13>last without LF'], malformed: [] });
  assert.deepEqual(run(['30 <13>cut short']).malformed, ['the connection closed inside an octet-counted frame']);
});
