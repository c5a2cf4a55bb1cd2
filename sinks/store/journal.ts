/**
 * The durable journal behind vigil's event-sourced state: every state-changing input is
 * appended here before it is acknowledged, the state is a fold of the records, and a
 * periodic snapshot lets the journal restart after it.
 *
 * Durability: `append`/`appendMany` hand the bytes to the operating system with a blocking
 * write before they return. From then on a process crash (`kill -9`, an uncaught exception,
 * an out-of-memory kill) cannot lose the record: the kernel holds it. A machine crash or
 * power loss can lose records not yet flushed to disk; with `fsyncIntervalMs` set, a timer
 * flushes the segment (and new directory entries) every so many milliseconds, which bounds
 * that loss to the records of the last interval plus the time a flush takes. A failed flush
 * fails the journal: appends throw E_IO from then on. Snapshots are always flushed before
 * the segments they replace are deleted.
 *
 * Damage policy (`Journal.open`): nothing damaged makes opening fail, everything skipped is
 * reported in `problems`.
 * - A cut-short or corrupt tail of the last segment (what a crash mid-write leaves) is
 *   removed: the file is truncated to its last valid frame so new appends follow cleanly.
 * - Damage followed by valid records (bit rot, a machine crash that lost pages out of order)
 *   skips only the damaged bytes: reading resumes at the next newline, every valid frame
 *   after it is kept, and the seq gap this leaves is reported. Frames are CRC-checked one
 *   by one, so what follows the damage is as trustworthy as what precedes it; dropping it
 *   would lose incidents and resend notifications already sent, which is what the journal
 *   is for. The fold must therefore tolerate a missing input (an ack for an incident it
 *   never saw). The damaged bytes stay in the file, reported at each open until a snapshot
 *   covers them, so a caller should take a snapshot after an open that reported problems.
 * - A snapshot that fails its checks is reported and the previous one is used, with the
 *   segments after it, which are kept for exactly that reason.
 * - A record whose seq does not follow its predecessor is reported: a gap is kept going
 *   (the records after it are valid), a repeated or backwards seq is skipped.
 * - A segment that a gap leaves wholly beyond the last valid record (it held only damage) is
 *   renamed to `<name>.corrupt` and left for inspection, so appends can carry on in order.
 *
 * One process at a time may open a journal directory.
 */
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rename, truncate, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { fsyncDir, ioError, listJournalDir, segmentName, snapshotName } from './journal-dir.js';
import { FrameEncoder, scanSegment, type Damage, type JournalRecord } from './journal-record.js';
import { readSnapshotFile, writeSnapshotFile } from './journal-snapshot.js';

export type { JournalRecord } from './journal-record.js';

/** Default segment size: 64 MiB. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Options for `Journal.open`. */
export interface JournalOptions {
  /** The journal directory (created if missing); it holds nothing but the journal. */
  readonly dir: string;
  /**
   * Flush the current segment to disk this often, for machine-crash safety. Without it,
   * records are safe against a process crash only.
   */
  readonly fsyncIntervalMs?: number;
  /** Start a new segment once the current one would grow past this many bytes. */
  readonly segmentBytes?: number;
}

/**
 * What `Journal.open` recovered: the newest valid snapshot, then every valid record after
 * it in seq order, held in memory (a journal restarts at each snapshot, so its length is
 * bounded by how often the caller snapshots), and a report of everything skipped.
 */
export interface OpenedJournal<S, T> {
  snapshot: { seq: number; state: S } | undefined;
  records: JournalRecord<T>[];
  /** One line per problem, `<file>: <kind>: <details>`; empty after a clean shutdown. */
  problems: string[];
}

/** A segment on disk: its name's number and the last seq it holds (start - 1 if none). */
interface Segment {
  readonly start: number;
  end: number;
}

/** Describes damage for people: `truncated frame at byte 1234 (56 bytes)`. */
function describe(d: Damage): string {
  return `${d.reason === 'truncated' ? 'truncated frame' : d.reason} at byte ${d.offset} (${d.length} bytes)`;
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err === null ? resolve() : reject(err))));
}

/**
 * An open journal: appends records, writes snapshots, and trims what snapshots cover. See
 * the file comment for what is durable when, and what happens to damage.
 */
export class Journal<S, T> {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number | undefined;
  private readonly encoder = new FrameEncoder();
  private readonly segments: Segment[];
  private current: Segment;
  private fd: number;
  private size: number;
  private seq: number;
  /** The newest snapshot known to be valid; the next snapshot makes it the fallback. */
  private snapshotSeq: number | undefined;
  private snapshots: Promise<void> = Promise.resolve();
  /** Segments rotated away but not yet flushed and closed (only with fsyncIntervalMs). */
  private retired: number[] = [];
  private dataDirty = false;
  private dirDirty = false;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private failure: VigilError | undefined;
  private closed = false;

  private constructor(init: {
    dir: string;
    segmentBytes: number;
    fsyncIntervalMs: number | undefined;
    segments: Segment[];
    fd: number;
    size: number;
    lastSeq: number;
    snapshotSeq: number | undefined;
  }) {
    this.dir = init.dir;
    this.segmentBytes = init.segmentBytes;
    this.fsyncIntervalMs = init.fsyncIntervalMs;
    this.segments = init.segments;
    this.current = init.segments[init.segments.length - 1]!;
    this.fd = init.fd;
    this.size = init.size;
    this.seq = init.lastSeq;
    this.snapshotSeq = init.snapshotSeq;
    if (this.fsyncIntervalMs !== undefined) {
      this.timer = setInterval(() => void this.flush(), this.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Opens (or creates) the journal in `options.dir` and recovers it: the newest valid
   * snapshot, the valid records after it, and what was skipped. Damaged files never make
   * it throw; I/O failures (permission denied, a full disk) throw a VigilError E_IO, and
   * invalid options a VigilError E_CONFIG.
   */
  static async open<S, T>(options: JournalOptions): Promise<{ journal: Journal<S, T>; opened: OpenedJournal<S, T> }> {
    const { dir } = options;
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes < 1) {
      throw new VigilError(ErrorCode.Config, `journal segmentBytes must be a positive integer, got ${segmentBytes}`);
    }
    const fsyncIntervalMs = options.fsyncIntervalMs;
    if (fsyncIntervalMs !== undefined && !(Number.isFinite(fsyncIntervalMs) && fsyncIntervalMs > 0)) {
      throw new VigilError(ErrorCode.Config, `journal fsyncIntervalMs must be a positive number, got ${fsyncIntervalMs}`);
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(`cannot create journal directory ${dir}`, err);
    }
    const listing = await listJournalDir(dir);
    const problems: string[] = [];

    for (const temp of listing.temps) {
      try {
        await unlink(path.join(dir, temp));
      } catch (err) {
        throw ioError(`cannot remove ${path.join(dir, temp)}`, err);
      }
    }

    let snapshot: { seq: number; state: S } | undefined;
    for (let i = listing.snapshots.length - 1; i >= 0 && snapshot === undefined; i--) {
      const seq = listing.snapshots[i]!;
      const read = await readSnapshotFile<S>({ dir, seq });
      if (read.ok) snapshot = { seq, state: read.state };
      else problems.push(`${snapshotName(seq)}: bad snapshot: ${read.reason}; ${i > 0 ? 'trying the previous one' : 'no older snapshot'}`);
    }
    const snapSeq = snapshot?.seq ?? 0;

    const records: JournalRecord<T>[] = [];
    const segments: Segment[] = [];
    let lastSeq = snapSeq;
    // What each segment read holds, reported once it is known which one is the last kept:
    // its damage (a tail or not) first, then the seq problems that damage explains.
    const damaged = new Map<number, { damage: Damage[]; validEnd: number; bytes: number; seqProblems: string[] }>();
    for (let i = 0; i < listing.segments.length; i++) {
      const start = listing.segments[i]!;
      const next = listing.segments[i + 1];
      if (next !== undefined && next - 1 <= snapSeq) {
        // Wholly covered by the snapshot: not read, and deleted by the next snapshot's trim.
        segments.push({ start, end: next - 1 });
        continue;
      }
      const name = segmentName(start);
      let buf: Buffer;
      try {
        buf = await readFile(path.join(dir, name));
      } catch (err) {
        throw ioError(`cannot read journal segment ${path.join(dir, name)}`, err);
      }
      const scan = scanSegment<T>(buf);
      const seqProblems: string[] = [];
      let end = start - 1;
      let backwards: { first: number; count: number; after: number } | undefined;
      const reportBackwards = (): void => {
        if (backwards === undefined) return;
        const { first, count, after } = backwards;
        seqProblems.push(`${name}: out-of-order records: ${count === 1 ? `seq ${first}` : `${count} records from seq ${first}`} after ${after}, skipped`);
        backwards = undefined;
      };
      for (const record of scan.records) {
        end = Math.max(end, record.seq);
        if (record.seq <= snapSeq) continue;
        if (record.seq <= lastSeq) {
          if (backwards !== undefined) backwards.count++;
          else backwards = { first: record.seq, count: 1, after: lastSeq };
          continue;
        }
        reportBackwards();
        if (record.seq > lastSeq + 1) {
          const missing = record.seq - lastSeq - 1;
          seqProblems.push(`${name}: seq gap: ${missing === 1 ? `record ${lastSeq + 1} is` : `records ${lastSeq + 1}..${record.seq - 1} are`} missing`);
        }
        records.push(record);
        lastSeq = record.seq;
      }
      reportBackwards();
      segments.push({ start, end });
      damaged.set(start, { damage: scan.damage, validEnd: scan.validEnd, bytes: buf.length, seqProblems });
    }

    // A segment named beyond the next seq holds no valid record (its records would have
    // raised lastSeq): it is damage only. Set it aside so appends stay in name order.
    while (segments.length > 0 && segments[segments.length - 1]!.start > lastSeq + 1) {
      const seg = segments.pop()!;
      const name = segmentName(seg.start);
      try {
        await rename(path.join(dir, name), path.join(dir, `${name}.corrupt`));
      } catch (err) {
        throw ioError(`cannot set aside ${path.join(dir, name)}`, err);
      }
      const d = damaged.get(seg.start);
      const what = d === undefined || d.bytes === 0 ? 'empty' : d.damage.map(describe).join(', ');
      problems.push(`${name}: segment set aside: no valid record after seq ${lastSeq} (${what}); renamed to ${name}.corrupt`);
      damaged.delete(seg.start);
    }

    const last = segments[segments.length - 1];
    for (const seg of segments) {
      const d = damaged.get(seg.start);
      if (d === undefined) continue;
      const name = segmentName(seg.start);
      for (const damage of d.damage) {
        const isTail = seg === last && damage.offset + damage.length === d.bytes;
        if (!isTail) problems.push(`${name}: corrupt records: ${describe(damage)} skipped`);
        else problems.push(`${name}: ${damage.reason === 'truncated' ? 'truncated' : 'corrupt'} tail: ${describe(damage)} removed`);
      }
      problems.push(...d.seqProblems);
    }

    // Repair the tail of the last segment, then decide where appends go: on in the last
    // segment if it ends exactly at lastSeq (or is empty and named lastSeq + 1), else in a
    // fresh segment named lastSeq + 1, so a segment's name never exceeds its first record.
    let size = 0;
    let continueLast = false;
    if (last !== undefined) {
      const d = damaged.get(last.start);
      const file = path.join(dir, segmentName(last.start));
      if (d !== undefined && d.validEnd < d.bytes) {
        try {
          await truncate(file, d.validEnd);
        } catch (err) {
          throw ioError(`cannot truncate ${file}`, err);
        }
      }
      size = d?.validEnd ?? 0;
      continueLast = size === 0 ? last.start === lastSeq + 1 : last.end === lastSeq;
      if (!continueLast && size === 0) {
        try {
          await unlink(file);
        } catch (err) {
          throw ioError(`cannot remove ${file}`, err);
        }
        segments.pop();
      }
    }
    if (!continueLast) {
      segments.push({ start: lastSeq + 1, end: lastSeq });
      size = 0;
    }
    const current = segments[segments.length - 1]!;
    const file = path.join(dir, segmentName(current.start));
    let fd: number;
    try {
      fd = openSync(file, 'a');
      size = fstatSync(fd).size;
    } catch (err) {
      throw ioError(`cannot open journal segment ${file}`, err);
    }
    if (!continueLast) await fsyncDir(dir);

    const journal = new Journal<S, T>({
      dir,
      segmentBytes,
      fsyncIntervalMs,
      segments,
      fd,
      size,
      lastSeq,
      snapshotSeq: snapshot?.seq,
    });
    return { journal, opened: { snapshot, records, problems } };
  }

  /** The seq of the last record appended (or recovered, or included in the snapshot). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Appends one record and returns its seq. The record is written to the operating system
   * before this returns, so once it has returned a process crash cannot lose it. Throws a
   * VigilError E_IO if the write fails (nothing is then appended) or the journal is closed
   * or failed; a TypeError for a body JSON cannot represent.
   */
  append(body: T): number {
    return this.appendMany([body]);
  }

  /**
   * Appends several records with one write and returns the seq of the last (or `lastSeq`
   * when `bodies` is empty). Same guarantee as `append` once it returns; the batch is one
   * frame, so a crash during the call keeps all of it or none. `json[i]`, when given, is
   * the JSON text of `bodies[i]` already (see `FrameEncoder.encode`).
   */
  appendMany(bodies: readonly T[], json?: readonly (string | undefined)[]): number {
    this.checkUsable();
    if (bodies.length === 0) return this.seq;
    const first = this.seq + 1;
    const bytes = this.encoder.encode(first, bodies, json);
    if (this.size > 0 && this.size + bytes.length > this.segmentBytes) this.rotate();
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    } catch (err) {
      // Take back a partial write, so the segment still ends on a frame boundary.
      try {
        if (written > 0) ftruncateSync(this.fd, this.size);
      } catch (undo) {
        this.failure = ioError(`journal segment ${segmentName(this.current.start)} is damaged by a failed write`, undo);
      }
      throw ioError(`cannot append to journal segment ${path.join(this.dir, segmentName(this.current.start))}`, err);
    }
    this.size += bytes.length;
    this.seq = first + bodies.length - 1;
    this.current.end = this.seq;
    this.dataDirty = true;
    return this.seq;
  }

  /**
   * Writes a snapshot of `state`, which must be the fold of every record up to `lastSeq`.
   * The state is serialised before this returns (later changes to it do not leak in), and
   * appends go on while the file is written. The snapshot is flushed and renamed into
   * place; then the snapshots and segments that the previous snapshot covers are deleted,
   * keeping the previous snapshot and the segments after it as a fallback. A snapshot at
   * the same seq as the newest one is skipped. Snapshots run one at a time, in call order.
   */
  snapshot(state: S): Promise<void> {
    try {
      this.checkUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = this.seq;
    let stateJson: string | undefined;
    try {
      stateJson = JSON.stringify(state);
      if (typeof stateJson !== 'string') throw new TypeError('journal snapshot: state is not JSON-serialisable');
      // Later records go to a segment of their own, so every older segment ends at or
      // before this snapshot and can be deleted as a whole once it is covered.
      if (this.size > 0) this.rotate();
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.snapshots.then(async () => {
      if (seq === this.snapshotSeq) return;
      await writeSnapshotFile({ dir: this.dir, seq, stateJson });
      const fallback = this.snapshotSeq;
      this.snapshotSeq = seq;
      if (fallback !== undefined) await this.trim(fallback);
    });
    this.snapshots = run.catch(() => {});
    return run;
  }

  /**
   * Stops the flush timer, waits for snapshots in progress, flushes the current segment to
   * disk and closes it. Appends after this throw.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.snapshots;
    await this.syncing;
    const fds = [...this.retired, this.fd];
    this.retired = [];
    try {
      for (const fd of fds) await fdatasyncAsync(fd);
      if (this.dirDirty) await fsyncDir(this.dir);
    } catch (err) {
      throw ioError(`cannot flush journal in ${this.dir}`, err);
    } finally {
      for (const fd of fds) {
        try {
          closeSync(fd);
        } catch {
          // The descriptor is released either way; a flush failure was reported above.
        }
      }
    }
  }

  private checkUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new VigilError(ErrorCode.Io, `journal in ${this.dir} is closed`);
  }

  /** Starts a new segment for the next seq; the old one is closed (after a flush, if flushing). */
  private rotate(): void {
    const start = this.seq + 1;
    const file = path.join(this.dir, segmentName(start));
    let fd: number;
    try {
      fd = openSync(file, 'a');
    } catch (err) {
      throw ioError(`cannot create journal segment ${file}`, err);
    }
    if (this.fsyncIntervalMs === undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Closing a file only written to, never flushed, loses nothing the kernel holds.
      }
    } else {
      this.retired.push(this.fd);
    }
    this.fd = fd;
    this.size = 0;
    this.current = { start, end: this.seq };
    this.segments.push(this.current);
    this.dirDirty = true;
  }

  /**
   * Flushes written records, segments rotated away and new directory entries to disk. Runs
   * on the timer; a failure makes the journal refuse appends from then on, since the
   * kernel may have dropped the pages it could not write.
   */
  private flush(): Promise<void> {
    if (this.syncing !== undefined || this.closed) return this.syncing ?? Promise.resolve();
    const fds = this.dataDirty ? [...this.retired, this.fd] : [...this.retired];
    const retired = this.retired;
    const dir = this.dirDirty;
    if (fds.length === 0 && !dir) return Promise.resolve();
    this.retired = [];
    this.dataDirty = false;
    this.dirDirty = false;
    this.syncing = (async () => {
      try {
        for (const fd of fds) await fdatasyncAsync(fd);
        if (dir) await fsyncDir(this.dir);
      } catch (err) {
        this.failure ??= ioError(`cannot flush journal in ${this.dir}`, err);
      } finally {
        for (const fd of retired) {
          try {
            closeSync(fd);
          } catch {
            // Released either way; a flush failure has already failed the journal.
          }
        }
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Deletes what the fallback snapshot `fallback` covers: older snapshots and segments. */
  private async trim(fallback: number): Promise<void> {
    const listing = await listJournalDir(this.dir);
    const doomed: string[] = listing.snapshots.filter((seq) => seq < fallback).map(snapshotName);
    while (this.segments.length > 1 && this.segments[0] !== this.current && this.segments[0]!.end <= fallback) {
      doomed.push(segmentName(this.segments.shift()!.start));
    }
    for (const name of doomed) {
      try {
        await unlink(path.join(this.dir, name));
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT') throw ioError(`cannot remove ${path.join(this.dir, name)}`, err);
      }
    }
  }
}
