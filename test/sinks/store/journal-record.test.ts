import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, gzipSync } from 'node:zlib';
import { FrameEncoder, scanSegment } from '../../../sinks/store/journal-record.js';

/** Frames each batch with its own seqs, one after the other, as appends would. */
function segment(batches: readonly unknown[][]): Buffer {
  const encoder = new FrameEncoder();
  let seq = 1;
  const frames = batches.map((bodies) => {
    // The encoder reuses its buffer: copy each frame out.
    const frame = Buffer.from(encoder.encode(seq, bodies));
    seq += bodies.length;
    return frame;
  });
  return Buffer.concat(frames);
}

const seqsOf = (buf: Buffer): number[] => scanSegment(buf).records.map((r) => r.seq);

test('crc32 gives the standard check value, the one gzip writes, and continues', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  let seed = 1;
  for (let len = 1; len < 600; len += 37) {
    const data = Buffer.alloc(len);
    for (let i = 0; i < len; i++) data[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    // A gzip member ends with the CRC-32 of its data, then its length.
    const gz = gzipSync(data);
    assert.equal(gz.readUInt32LE(gz.length - 8), crc32(data));
    const cut = len >> 1;
    assert.equal(crc32(data.subarray(cut), crc32(data.subarray(0, cut))), crc32(data));
  }
});

test('frames written by earlier versions (table-driven CRC) read back, and encoding them again gives the same bytes', () => {
  const old = [
    '1 1 91 5304e037 [{"t":"events","at":1000,"events":[{"stream":"logs","time":1000,"msg":"héllo ☃ 😀"}]}]\n',
    '2 4 29 11bcc2c6 [{"a":1},"x\\ny",[1,2,3],null]\n',
  ];
  const scan = scanSegment(Buffer.from(old.join('')));
  assert.deepEqual(scan.damage, []);
  assert.deepEqual(scan.records, [
    { seq: 1, body: { t: 'events', at: 1000, events: [{ stream: 'logs', time: 1000, msg: 'héllo ☃ 😀' }] } },
    { seq: 2, body: { a: 1 } },
    { seq: 3, body: 'x\ny' },
    { seq: 4, body: [1, 2, 3] },
    { seq: 5, body: null },
  ]);
  const encoder = new FrameEncoder();
  assert.equal(Buffer.from(encoder.encode(1, [scan.records[0]!.body])).toString('utf8'), old[0]);
  assert.equal(Buffer.from(encoder.encode(2, scan.records.slice(1).map((r) => r.body))).toString('utf8'), old[1]);
});

test('frames a batch as one inspectable line and reads its records back', () => {
  const bodies = [{ a: 1 }, 'line\nbreak', { s: 'héllo ☃ 😀', n: null }, [1, 2, 3], 0];
  const buf = Buffer.from(new FrameEncoder().encode(7, bodies));
  const text = buf.toString('utf8');
  const json = JSON.stringify(bodies);
  assert.equal(text, `7 5 ${Buffer.byteLength(json)} ${text.split(' ')[3]} ${json}\n`);
  assert.match(text.split(' ')[3]!, /^[0-9a-f]{8}$/);
  const scan = scanSegment(buf);
  assert.deepEqual(scan.records, bodies.map((body, i) => ({ seq: 7 + i, body })));
  assert.deepEqual(scan.damage, []);
  assert.equal(scan.validEnd, buf.length);
});

test('reuses its buffer, grows it, and gives very large frames their own', () => {
  const encoder = new FrameEncoder();
  const big = Array.from({ length: 2000 }, (_, i) => ({ i, text: 'y'.repeat(100) }));
  assert.equal(scanSegment(Buffer.from(encoder.encode(1, big))).records.length, 2000);
  const huge = { text: 'z'.repeat(3_000_000) };
  assert.deepEqual(scanSegment(Buffer.from(encoder.encode(1, [huge]))).records, [{ seq: 1, body: huge }]);
  assert.deepEqual(scanSegment(Buffer.from(encoder.encode(9, [{ small: true }]))).records, [{ seq: 9, body: { small: true } }]);
});

test('uses the JSON text a body already has, and serialises the bodies without one', () => {
  const bodies = [{ a: 1, b: 'x' }, { c: 2 }, 'plain'];
  // Kept texts may differ from JSON.stringify in form (spaces, a repeated key) but not in value.
  const kept = [' { "a" : 1, "b":"old", "b":"x" } ', undefined, undefined];
  const buf = Buffer.from(new FrameEncoder().encode(3, bodies, kept));
  assert.ok(buf.toString('utf8').includes(`[${kept[0]},{"c":2},"plain"]`));
  assert.deepEqual(
    scanSegment(buf).records,
    bodies.map((body, i) => ({ seq: 3 + i, body })),
  );
  assert.throws(() => new FrameEncoder().encode(1, [undefined], ['1']), TypeError);
});

test('refuses a body JSON cannot represent instead of writing null', () => {
  const encoder = new FrameEncoder();
  assert.throws(() => encoder.encode(1, [undefined]), TypeError);
  assert.throws(() => encoder.encode(1, [{ a: 1 }, () => 1]), TypeError);
});

test('a frame cut anywhere is a truncated tail; the frames before it survive', () => {
  const buf = segment([[{ a: 1 }], [{ b: 'two' }, { b: 'three' }], [{ c: [4] }, { c: [5] }]]);
  const lastStart = buf.lastIndexOf('\n', buf.length - 2) + 1;
  for (let cut = lastStart + 1; cut < buf.length; cut++) {
    const scan = scanSegment(buf.subarray(0, cut));
    assert.deepEqual(scan.records.map((r) => r.seq), [1, 2, 3], `cut at ${cut}`);
    assert.equal(scan.validEnd, lastStart);
    assert.deepEqual(scan.damage, [{ offset: lastStart, length: cut - lastStart, reason: 'truncated' }], `cut at ${cut}`);
  }
});

test('a flipped byte anywhere in a frame costs that frame only', () => {
  const buf = segment([[{ a: 1 }], [{ b: 'two' }, { b: 'three' }], [{ c: 4 }]]);
  const second = buf.indexOf('\n') + 1;
  const third = buf.indexOf('\n', second) + 1;
  for (let at = second; at < third - 1; at++) {
    const damaged = Buffer.from(buf);
    damaged[at] ^= 0x04;
    const scan = scanSegment(damaged);
    assert.deepEqual(scan.records.map((r) => r.seq), [1, 4], `flip at ${at}`);
    assert.equal(scan.damage.length, 1);
    assert.equal(scan.damage[0]!.offset, second);
    assert.equal(scan.damage[0]!.length, third - second);
    assert.equal(scan.validEnd, buf.length);
  }
  const body = Buffer.from(buf);
  body[third - 4] ^= 0x01;
  assert.equal(scanSegment(body).damage[0]!.reason, 'crc mismatch');
});

test('a frame whose CRC holds but whose JSON does not match its count is rejected', () => {
  const json = '[1]';
  const head = `1 2 ${json.length} `;
  const crc = crc32(Buffer.from(json), crc32(Buffer.from(head)));
  const frame = Buffer.from(`${head}${crc.toString(16).padStart(8, '0')} ${json}\n`);
  assert.deepEqual(scanSegment(frame).damage, [{ offset: 0, length: frame.length, reason: 'bad json' }]);
});

test('a lost newline and garbage between frames are skipped up to the next frame', () => {
  const buf = segment([[{ a: 1 }], [{ b: 2 }], [{ c: 3 }]]);
  const firstEnd = buf.indexOf('\n') + 1;
  const joined = Buffer.from(buf);
  joined[firstEnd - 1] = 0x20;
  assert.deepEqual(seqsOf(joined), [3]);
  const junk = '\0\0\0junk\nmore junk\n';
  const garbage = Buffer.concat([buf.subarray(0, firstEnd), Buffer.from(junk), buf.subarray(firstEnd)]);
  const scan = scanSegment(garbage);
  assert.deepEqual(scan.records.map((r) => r.seq), [1, 2, 3]);
  assert.deepEqual(scan.damage, [{ offset: firstEnd, length: junk.length, reason: 'bad header' }]);
  const zeros = scanSegment(Buffer.concat([buf, Buffer.alloc(4096)]));
  assert.deepEqual(zeros.damage, [{ offset: buf.length, length: 4096, reason: 'truncated' }]);
});
