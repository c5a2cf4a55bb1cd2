import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, VigilError } from '../../../engine/model/errors.js';
import { Journal, type JournalOptions } from '../../../sinks/store/journal.js';

interface State {
  count: number;
}
interface Body {
  n: number;
  text?: string;
}

const made: string[] = [];
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-journal-'));
  made.push(dir);
  return dir;
}
const open = (options: JournalOptions) => Journal.open<State, Body>(options);
const seqs = (records: readonly { seq: number }[]): number[] => records.map((r) => r.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seg = (n: number): string => `journal-${String(n).padStart(12, '0')}.log`;
const snap = (n: number): string => `snapshot-${String(n).padStart(12, '0')}.json`;
const files = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

/** Appends records `n` for n = lastSeq + 1 .. to, one by one. */
function fill(journal: Journal<State, Body>, to: number): void {
  while (journal.lastSeq < to) journal.append({ n: journal.lastSeq + 1, text: 'r'.repeat(journal.lastSeq % 7) });
}

/** Flips one bit of the byte `back` bytes before the end of `file`. */
async function flipNearEnd(file: string, back: number): Promise<void> {
  const buf = await readFile(file);
  buf[buf.length - back] ^= 0x04;
  await writeFile(file, buf);
}

test('appends, reopens and finds every record in order', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  assert.deepEqual(first.opened, { snapshot: undefined, records: [], problems: [] });
  assert.equal(first.journal.lastSeq, 0);
  assert.equal(first.journal.append({ n: 1 }), 1);
  assert.equal(first.journal.append({ n: 2, text: 'ünï ☃\n"quoted"' }), 2);
  assert.equal(first.journal.lastSeq, 2);
  await first.journal.close();
  assert.deepEqual(await files(dir), [seg(1)]);
  assert.match(await readFile(path.join(dir, seg(1)), 'utf8'), /^1 1 9 [0-9a-f]{8} \[\{"n":1\}\]\n2 1 \d+ [0-9a-f]{8} \[\{"n":2,/);

  const again = await open({ dir });
  assert.deepEqual(again.opened.records, [
    { seq: 1, body: { n: 1 } },
    { seq: 2, body: { n: 2, text: 'ünï ☃\n"quoted"' } },
  ]);
  assert.deepEqual(again.opened.problems, []);
  assert.equal(again.journal.lastSeq, 2);
  await again.journal.close();
});

test('appendMany gives each record its own seq and returns the last', async () => {
  const dir = await tempDir();
  const { journal } = await open({ dir });
  assert.equal(journal.appendMany([{ n: 1 }, { n: 2 }, { n: 3 }]), 3);
  assert.equal(journal.appendMany([]), 3);
  assert.equal(journal.append({ n: 4 }), 4);
  assert.throws(() => journal.appendMany([{ n: 5 }, undefined as unknown as Body]), TypeError);
  assert.equal(journal.lastSeq, 4);
  await journal.close();
  const { journal: reopened, opened } = await open({ dir });
  assert.deepEqual(opened.records, range(1, 4).map((n) => ({ seq: n, body: { n } })));
  await reopened.close();
});

test('seq continues across reopens, with or without a clean close', async () => {
  const dir = await tempDir();
  const a = await open({ dir });
  fill(a.journal, 2);
  await a.journal.close();
  const b = await open({ dir });
  assert.equal(b.journal.append({ n: 3 }), 3);
  // Not closed: what a crashed process leaves behind.
  const c = await open({ dir });
  assert.deepEqual(seqs(c.opened.records), [1, 2, 3]);
  assert.equal(c.journal.append({ n: 4 }), 4);
  await c.journal.close();
  await b.journal.close();
  const d = await open({ dir });
  assert.deepEqual(seqs(d.opened.records), [1, 2, 3, 4]);
  assert.deepEqual(d.opened.problems, []);
  await d.journal.close();
});

test('a snapshot is returned on reopen with only the records after it', async () => {
  const dir = await tempDir();
  const { journal } = await open({ dir });
  fill(journal, 5);
  const state = { count: 5 };
  const written = journal.snapshot(state);
  // The state is captured when snapshot() is called; appends go on while it is written.
  state.count = 99;
  fill(journal, 7);
  await written;
  await journal.close();
  assert.deepEqual(await files(dir), [seg(1), seg(6), snap(5)]);
  const { journal: reopened, opened } = await open({ dir });
  assert.deepEqual(opened.snapshot, { seq: 5, state: { count: 5 } });
  assert.deepEqual(seqs(opened.records), [6, 7]);
  assert.deepEqual(opened.problems, []);
  assert.equal(reopened.lastSeq, 7);
  await reopened.close();
});

test('each snapshot deletes what the previous one covers, keeping it as a fallback', async () => {
  const dir = await tempDir();
  const { journal } = await open({ dir });
  fill(journal, 3);
  await journal.snapshot({ count: 3 });
  fill(journal, 6);
  await journal.snapshot({ count: 6 });
  assert.deepEqual(await files(dir), [seg(4), seg(7), snap(3), snap(6)]);
  fill(journal, 9);
  await journal.snapshot({ count: 9 });
  // A second snapshot at the same seq changes nothing.
  await journal.snapshot({ count: 9 });
  fill(journal, 10);
  await journal.close();
  assert.deepEqual(await files(dir), [seg(10), seg(7), snap(6), snap(9)].sort());
  const { journal: reopened, opened } = await open({ dir });
  assert.deepEqual(opened.snapshot, { seq: 9, state: { count: 9 } });
  assert.deepEqual(seqs(opened.records), [10]);
  await reopened.close();
});

test('a corrupt snapshot falls back to the previous one and the records after it', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  fill(first.journal, 6);
  await first.journal.snapshot({ count: 6 });
  fill(first.journal, 9);
  await first.journal.snapshot({ count: 9 });
  fill(first.journal, 10);
  await first.journal.close();
  await flipNearEnd(path.join(dir, snap(9)), 4);

  const second = await open({ dir });
  assert.deepEqual(second.opened.snapshot, { seq: 6, state: { count: 6 } });
  assert.deepEqual(seqs(second.opened.records), range(7, 10));
  assert.equal(second.opened.problems.length, 1);
  assert.match(second.opened.problems[0]!, /^snapshot-000000000009\.json: bad snapshot: crc mismatch/);
  assert.equal(second.journal.lastSeq, 10);
  // The next snapshot keeps the valid one it fell back to as its own fallback.
  fill(second.journal, 11);
  await second.journal.snapshot({ count: 11 });
  await second.journal.close();
  await truncate(path.join(dir, snap(11)), (await stat(path.join(dir, snap(11)))).size - 10);

  const third = await open({ dir });
  assert.deepEqual(third.opened.snapshot, { seq: 6, state: { count: 6 } });
  assert.deepEqual(seqs(third.opened.records), range(7, 11));
  assert.deepEqual(
    third.opened.problems.map((p) => p.split(':').slice(0, 2).join(':')),
    ['snapshot-000000000011.json: bad snapshot', 'snapshot-000000000009.json: bad snapshot'],
  );
  assert.match(third.opened.problems[0]!, /: truncated .*trying the previous one$/);
  await third.journal.close();
});

test('with no valid snapshot at all, the records left are returned and the gap reported', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  fill(first.journal, 3);
  await first.journal.snapshot({ count: 3 });
  fill(first.journal, 5);
  await first.journal.snapshot({ count: 5 });
  fill(first.journal, 6);
  await first.journal.close();
  await writeFile(path.join(dir, snap(3)), 'garbage');
  await writeFile(path.join(dir, snap(5)), '');
  const { journal, opened } = await open({ dir });
  assert.equal(opened.snapshot, undefined);
  assert.deepEqual(seqs(opened.records), range(4, 6));
  assert.deepEqual(
    opened.problems.map((p) => p.split(':').slice(0, 2).join(':')),
    ['snapshot-000000000005.json: bad snapshot', 'snapshot-000000000003.json: bad snapshot', 'journal-000000000004.log: seq gap'],
  );
  assert.match(opened.problems[2]!, /records 1\.\.3 are missing/);
  await journal.close();
});

test('segments rotate at segmentBytes and are named after their first record', async () => {
  const dir = await tempDir();
  const { journal } = await open({ dir, segmentBytes: 200 });
  fill(journal, 30);
  const batch = range(31, 40).map((n) => ({ n, text: 'b'.repeat(30) }));
  assert.equal(journal.appendMany(batch), 40);
  await journal.close();
  const names = await files(dir);
  assert.ok(names.length > 5, names.join(' '));
  for (const name of names) {
    const content = await readFile(path.join(dir, name), 'utf8');
    const first = Number(content.split(' ')[0]);
    assert.equal(name, seg(first));
    // Only a single batch bigger than a segment may overflow one.
    if (first !== 31) assert.ok(content.length <= 200, `${name}: ${content.length} bytes`);
  }
  assert.ok(names.includes(seg(31)));
  const { journal: reopened, opened } = await open({ dir, segmentBytes: 200 });
  assert.deepEqual(seqs(opened.records), range(1, 40));
  assert.deepEqual(opened.problems, []);
  await reopened.close();
});

test('a truncated tail is reported and cut off, and later appends follow cleanly', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  fill(first.journal, 10);
  await first.journal.close();
  const file = path.join(dir, seg(1));
  const content = await readFile(file);
  const lastStart = content.lastIndexOf('\n', content.length - 2) + 1;
  await truncate(file, content.length - 5);

  const second = await open({ dir });
  assert.deepEqual(seqs(second.opened.records), range(1, 9));
  assert.equal(second.opened.problems.length, 1);
  assert.match(second.opened.problems[0]!, new RegExp(`^journal-000000000001\\.log: truncated tail: truncated frame at byte ${lastStart} \\(`));
  assert.equal((await stat(file)).size, lastStart);
  assert.equal(second.journal.lastSeq, 9);
  assert.equal(second.journal.append({ n: 10, text: 'again' }), 10);
  await second.journal.close();

  const third = await open({ dir });
  assert.deepEqual(third.opened.problems, []);
  assert.deepEqual(third.opened.records.at(-1), { seq: 10, body: { n: 10, text: 'again' } });
  assert.deepEqual(seqs(third.opened.records), range(1, 10));
  await third.journal.close();
});

test('a CRC mismatch in the tail is reported and removed', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  fill(first.journal, 10);
  await first.journal.close();
  await flipNearEnd(path.join(dir, seg(1)), 3);
  const { journal, opened } = await open({ dir });
  assert.deepEqual(seqs(opened.records), range(1, 9));
  assert.equal(opened.problems.length, 1);
  assert.match(opened.problems[0]!, /^journal-000000000001\.log: corrupt tail: crc mismatch at byte \d+ \(\d+ bytes\) removed$/);
  assert.equal(journal.append({ n: 10 }), 10);
  await journal.close();
});

test('damage in the middle skips only the damaged frame, keeps the rest and reports the gap', async () => {
  const dir = await tempDir();
  const first = await open({ dir });
  fill(first.journal, 10);
  await first.journal.close();
  const file = path.join(dir, seg(1));
  const content = await readFile(file);
  const fifth = content.indexOf('\n5 ') + 1;
  content[content.indexOf('{', fifth) + 2] ^= 0x01;
  await writeFile(file, content);

  const second = await open({ dir });
  assert.deepEqual(seqs(second.opened.records), [1, 2, 3, 4, 6, 7, 8, 9, 10]);
  assert.deepEqual(second.opened.problems, [
    `journal-000000000001.log: corrupt records: crc mismatch at byte ${fifth} (${content.indexOf('\n', fifth) + 1 - fifth} bytes) skipped`,
    'journal-000000000001.log: seq gap: record 5 is missing',
  ]);
  // The damaged bytes stay where they are; appends go on after the good tail.
  assert.equal((await stat(file)).size, content.length);
  assert.equal(second.journal.append({ n: 11 }), 11);
  await second.journal.close();

  const third = await open({ dir });
  assert.equal(third.opened.problems.length, 2);
  assert.deepEqual(seqs(third.opened.records).slice(-2), [10, 11]);
  // Two snapshots later the damaged segment is gone, and so are the reports.
  await third.journal.snapshot({ count: 11 });
  fill(third.journal, 12);
  await third.journal.snapshot({ count: 12 });
  await third.journal.close();
  const fourth = await open({ dir });
  assert.deepEqual(fourth.opened.problems, []);
  assert.deepEqual(fourth.opened.snapshot, { seq: 12, state: { count: 12 } });
  await fourth.journal.close();
});

test('a missing segment and a repeated frame are reported as a gap and skipped records', async () => {
  const dir = await tempDir();
  const first = await open({ dir, segmentBytes: 100 });
  fill(first.journal, 12);
  await first.journal.close();
  const segments = (await files(dir)).map((name) => Number(name.slice(8, 20)));
  const [a, b, c] = segments as [number, number, number];
  await unlink(path.join(dir, seg(b)));
  const lastFile = path.join(dir, seg(segments.at(-1)!));
  const firstLine = (await readFile(path.join(dir, seg(a)), 'utf8')).split('\n')[0]!;
  await writeFile(lastFile, `${await readFile(lastFile, 'utf8')}${firstLine}\n`);

  const { journal, opened } = await open({ dir, segmentBytes: 100 });
  assert.deepEqual(seqs(opened.records), [...range(1, b - 1), ...range(c, 12)]);
  assert.deepEqual(opened.problems, [
    `${seg(c)}: seq gap: ${c - b === 1 ? `record ${b} is` : `records ${b}..${c - 1} are`} missing`,
    `${seg(segments.at(-1)!)}: out-of-order records: seq 1 after 12, skipped`,
  ]);
  assert.equal(journal.append({ n: 13 }), 13);
  await journal.close();
});

test('a segment holding only damage beyond the last good record is set aside', async () => {
  const dir = await tempDir();
  const first = await open({ dir, segmentBytes: 100 });
  fill(first.journal, 12);
  await first.journal.close();
  const segments = (await files(dir)).map((name) => Number(name.slice(8, 20)));
  assert.ok(segments.length >= 3);
  const [lastButOne, last] = segments.slice(-2) as [number, number];
  await writeFile(path.join(dir, seg(last)), 'scribbled over\n');
  await flipNearEnd(path.join(dir, seg(lastButOne)), 3);

  const { journal, opened } = await open({ dir, segmentBytes: 100 });
  assert.deepEqual(seqs(opened.records), range(1, last - 2));
  assert.deepEqual(
    opened.problems.map((p) => p.split(':').slice(0, 2).join(':')),
    [`${seg(last)}: segment set aside`, `${seg(lastButOne)}: corrupt tail`],
  );
  assert.ok((await files(dir)).includes(`${seg(last)}.corrupt`));
  assert.equal(journal.append({ n: last - 1 }), last - 1);
  fill(journal, 20);
  await journal.close();
  const again = await open({ dir, segmentBytes: 100 });
  assert.deepEqual(seqs(again.opened.records), range(1, 20));
  assert.deepEqual(again.opened.problems, []);
  await again.journal.close();
});

test('flushing on a timer works across rotations and snapshots', async () => {
  const dir = await tempDir();
  const { journal } = await open({ dir, fsyncIntervalMs: 2, segmentBytes: 300 });
  for (let round = 0; round < 5; round++) {
    fill(journal, journal.lastSeq + 10);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (round === 2) await journal.snapshot({ count: journal.lastSeq });
  }
  await journal.close();
  const { journal: reopened, opened } = await open({ dir });
  assert.deepEqual(opened.snapshot, { seq: 30, state: { count: 30 } });
  assert.deepEqual(seqs(opened.records), range(31, 50));
  assert.deepEqual(opened.problems, []);
  await reopened.close();
});

test('leftover snapshot temp files are removed on open', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, `${snap(4)}.tmp`), '{"format":');
  const { journal, opened } = await open({ dir });
  assert.deepEqual(opened.problems, []);
  assert.deepEqual(await files(dir), [seg(1)]);
  await journal.close();
});

test('I/O failures throw E_IO, bad options E_CONFIG, and a closed journal refuses appends', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'plain-file'), '');
  const isCode = (code: string) => (err: unknown) => err instanceof VigilError && err.code === code;
  await assert.rejects(open({ dir: path.join(dir, 'plain-file', 'journal') }), isCode(ErrorCode.Io));
  await assert.rejects(open({ dir, segmentBytes: 0 }), isCode(ErrorCode.Config));
  await assert.rejects(open({ dir, fsyncIntervalMs: -1 }), isCode(ErrorCode.Config));
  const { journal } = await open({ dir });
  await journal.close();
  assert.throws(() => journal.append({ n: 1 }), isCode(ErrorCode.Io));
  await assert.rejects(journal.snapshot({ count: 0 }), isCode(ErrorCode.Io));
  await journal.close();
});

test('kill -9 mid-stream loses no record whose append had returned', async () => {
  const dir = await tempDir();
  const writer = fileURLToPath(new URL('../../support/journal-writer.js', import.meta.url));
  let everPrinted = 0;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    // About 1,500, 3,000 and 4,500 appends in.
    const killAfter = (round + 1) * 8000;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!killed && out.length > killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    assert.equal(signal, 'SIGKILL', `writer exited with ${code}: ${err}`);

    const printed = out.split('\n').slice(1, -1).map(Number);
    assert.ok(printed.length > 100, `only ${printed.length} appends before the kill`);
    for (let i = 1; i < printed.length; i++) assert.ok(printed[i]! > printed[i - 1]!);
    everPrinted = Math.max(everPrinted, printed.at(-1)!);

    const { journal, opened } = await open({ dir });
    for (const problem of opened.problems) assert.match(problem, /^journal-\d+\.log: (truncated|corrupt) tail: /);
    const base = opened.snapshot?.seq ?? 0;
    if (opened.snapshot !== undefined) assert.deepEqual(opened.snapshot.state, { last: opened.snapshot.seq });
    opened.records.forEach((record, i) => {
      assert.equal(record.seq, base + 1 + i);
      const body = record.body as unknown as { n: number; pad: string };
      assert.equal(body.n, record.seq);
      assert.match(body.pad, /^x*$/);
      assert.equal(body.pad.length % 1000, record.seq % 97);
    });
    // Contiguous from the snapshot on, so reaching the last printed seq means holding all.
    assert.ok(journal.lastSeq >= everPrinted, `printed ${everPrinted}, recovered ${journal.lastSeq}`);
    await journal.close();
  }
  const { journal, opened } = await open({ dir });
  assert.deepEqual(opened.problems, []);
  await journal.close();
});
