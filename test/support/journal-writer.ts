/**
 * A process for the journal crash test: opens the journal in the directory given as its
 * argument and appends records in a tight loop until killed, printing each seq on stdout
 * only after `append`/`appendMany` has returned. Every record's body names its own seq and
 * every snapshot's state is `{ last: seq }`, so whoever reopens the journal can check both.
 * Small segments and a snapshot every 2,000 records make the kill land amid rotations and
 * snapshot writes as well as appends.
 */
import { writeSync } from 'node:fs';
import { Journal } from '../../sinks/store/journal.js';

interface Body {
  readonly n: number;
  readonly pad: string;
}

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: journal-writer <dir>\n');
  process.exit(2);
}

/**
 * Prints a line with a synchronous write, so the parent reads only what was printed after
 * the append returned. The pipe may be non-blocking: a full pipe is waited out, not an error.
 */
function print(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
    }
  }
}

const { journal } = await Journal.open<{ last: number }, Body>({ dir, segmentBytes: 16 * 1024 });
/** The body of record `n`: its own seq and a padding that depends on it. */
const body = (n: number, padBase = 0): Body => ({ n, pad: 'x'.repeat(padBase + (n % 97)) });
print('ready');

for (;;) {
  for (let i = 0; i < 50; i++) {
    const next = journal.lastSeq + 1;
    // Single appends, batches of three, and once a burst a 100 kB batch, whose write a
    // kill can interrupt halfway.
    const seq =
      i % 2 === 0
        ? journal.append(body(next))
        : i === 1
          ? journal.appendMany(Array.from({ length: 100 }, (_, k) => body(next + k, 1000)))
          : journal.appendMany([body(next), body(next + 1), body(next + 2)]);
    print(String(seq));
    if (Math.floor(seq / 2000) !== Math.floor((next - 1) / 2000)) void journal.snapshot({ last: seq });
  }
  // Let snapshot writes make progress between bursts.
  await new Promise((resolve) => setImmediate(resolve));
}
