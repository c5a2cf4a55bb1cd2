/**
 * Snapshot files: the whole state as of one sequence number, written atomically and checked
 * on reading. The file is one JSON object, so `jq` can read it:
 * `{"format":"vigil-snapshot/1","seq":42,"length":N,"crc32":"…","state":<state>}\n`, where
 * `length` and `crc32` cover exactly the bytes of `<state>`. A bit flip inside a string would
 * still parse; the CRC is what catches it.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir, ioError, snapshotName } from './journal-dir.js';

const FORMAT = 'vigil-snapshot/1';
const HEADER = /^\{"format":"vigil-snapshot\/1","seq":(\d+),"length":(\d+),"crc32":"([0-9a-f]{8})","state":/;
const TRAILER = Buffer.from('}\n');

/**
 * Writes `stateJson` (already serialised, so the caller captures the state at one instant)
 * as the snapshot for `seq`: to a temporary file, flushed, renamed over the final name and
 * the directory flushed, so a crash leaves either no snapshot or a complete one.
 */
export async function writeSnapshotFile(options: { dir: string; seq: number; stateJson: string }): Promise<void> {
  const { dir, seq } = options;
  const state = Buffer.from(options.stateJson, 'utf8');
  const header = Buffer.from(
    `{"format":"${FORMAT}","seq":${seq},"length":${state.length},"crc32":"${crc32(state).toString(16).padStart(8, '0')}","state":`,
    'latin1',
  );
  const final = path.join(dir, snapshotName(seq));
  const temp = `${final}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      for (const part of [header, state, TRAILER]) {
        for (let at = 0; at < part.length; ) at += (await handle.write(part, at, part.length - at)).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, final);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw ioError(`cannot write snapshot ${final}`, err);
  }
  await fsyncDir(dir);
}

/** A snapshot read back: its state, or why it cannot be used. */
export type SnapshotRead<S> = { ok: true; state: S } | { ok: false; reason: string };

/**
 * Reads and checks the snapshot for `seq`. Damage (cut short, wrong CRC, bad JSON, a header
 * that disagrees with the file name) is returned as a reason; only I/O failures throw.
 */
export async function readSnapshotFile<S>(options: { dir: string; seq: number }): Promise<SnapshotRead<S>> {
  const file = path.join(options.dir, snapshotName(options.seq));
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw ioError(`cannot read snapshot ${file}`, err);
  }
  const header = HEADER.exec(buf.toString('latin1', 0, Math.min(buf.length, 200)));
  if (header === null) return { ok: false, reason: 'bad header' };
  if (Number(header[1]) !== options.seq) return { ok: false, reason: `header says seq ${header[1]}` };
  const start = header[0].length;
  const end = start + Number(header[2]);
  if (end + TRAILER.length > buf.length) return { ok: false, reason: `truncated (${buf.length} of ${end + TRAILER.length} bytes)` };
  if (end + TRAILER.length < buf.length || !buf.subarray(end).equals(TRAILER)) return { ok: false, reason: 'bad trailer' };
  const state = buf.subarray(start, end);
  if (crc32(state) !== parseInt(header[3]!, 16)) return { ok: false, reason: 'crc mismatch' };
  try {
    return { ok: true, state: JSON.parse(state.toString('utf8')) as S };
  } catch {
    return { ok: false, reason: 'bad json' };
  }
}
