/**
 * The QuestDB sink's bounded buffer: rows wait here until QuestDB has them.
 *
 * Order: failed batches (`retry`, the oldest rows) come first, then spool files (oldest
 * first), then rows in memory (newest). Rows reach disk only from the front of the memory
 * part, when it passes `memoryBytes`, in files of at most `chunkBytes`; a file is named by
 * the first and last `seq` it holds and its row count, so sorting names restores the order
 * and a restart needs no scan. Rows are only removed once QuestDB acknowledged them.
 *
 * Bound: the bytes held in memory and in spool files never pass `maxBytes`. A row that would
 * pass it makes room by dropping the oldest rows not in flight (failed batches, then whole
 * spool files, then rows in memory), and every dropped row is counted. Batches in flight
 * (at most two from memory, or one from the spool or the failed ones) and the one spool
 * file being written are at most `chunkBytes` each.
 *
 * `push` is synchronous and cheap (it is the sink's hot path); file I/O happens in the
 * background and in `take`/`persist`.
 */

import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkRow, rowBytes, type QuestDbRow } from './questdb-rows.js';

/** What `RowBuffer.open` needs. */
export interface RowBufferOptions {
  /** The spool folder (created if missing); it holds nothing but spool files. */
  readonly dir: string;
  /** Most bytes held in memory and spool files together. */
  readonly maxBytes: number;
  /** Past this many bytes in memory, the oldest memory rows go to a spool file. */
  readonly memoryBytes: number;
  /** Most bytes in one spool file, and in one batch. */
  readonly chunkBytes: number;
  /** Service messages (drops, spool I/O problems). */
  readonly log: (message: string) => void;
}

/** One spool file on disk, oldest first in `RowBuffer.spool`. */
interface SpoolFile {
  readonly name: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Rows in the file (from its name until loaded, then what it really held). */
  rows: number;
  readonly bytes: number;
  /** False while its content is being written; a writing file is never read nor dropped. */
  ready: boolean;
  readonly written: Promise<void>;
  /** Its rows once read (or kept when writing failed); `offset` of them are delivered. */
  loaded: QuestDbRow[] | undefined;
  offset: number;
  /** Not on disk: writing it failed, its rows live in `loaded` only. */
  memoryOnly: boolean;
  /** Part of a batch in flight or being read: not dropped. */
  busy: boolean;
}

/** A batch handed to the sender; give it back with `ack` or `release`. */
export interface Batch {
  readonly rows: readonly QuestDbRow[];
  readonly bytes: number;
  source: 'retry' | 'spool' | 'memory';
  readonly file?: SpoolFile;
  /** Out for sending (a failed batch waiting again is not). */
  busy: boolean;
}

/** Figures for `stats()`. */
export interface RowBufferStats {
  readonly queuedRows: number;
  readonly queuedBytes: number;
  readonly memoryBytes: number;
  readonly spoolBytes: number;
  readonly spoolFiles: number;
  readonly droppedRows: number;
}

const NAME = /^(\d{16})-(\d{16})-(\d+)\.ndjson$/;
const DROP_LOG_INTERVAL_MS = 10_000;

function pad(n: number): string {
  return String(n).padStart(16, '0');
}

/** The bounded, spilling row queue behind the QuestDB sink (see the file comment). */
export class RowBuffer {
  private readonly options: RowBufferOptions;
  private readonly spool: SpoolFile[] = [];
  private spoolBytes = 0;
  private spoolRows = 0;
  private mem: QuestDbRow[] = [];
  private head = 0;
  private memBytes = 0;
  /** Batches that failed, oldest first: they go again before anything else. */
  private readonly retry: Batch[] = [];
  private retryBytes = 0;
  /** Batches taken from memory and not yet delivered. */
  private readonly inflight = new Set<Batch>();
  private inflightBytes = 0;
  private spilling: Promise<void> | undefined;
  private spillPausedUntil = 0;
  private dropped = 0;
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  /** The highest seq in the spool when it was opened (new seqs continue above it). */
  readonly maxSeqOnDisk: number;

  private constructor(options: RowBufferOptions, files: SpoolFile[], maxSeq: number) {
    this.options = options;
    this.maxSeqOnDisk = maxSeq;
    for (const f of files) {
      this.spool.push(f);
      this.spoolBytes += f.bytes;
      this.spoolRows += f.rows;
    }
  }

  /** Opens (or creates) the spool folder and picks up the files a previous run left. */
  static async open(options: RowBufferOptions): Promise<RowBuffer> {
    await mkdir(options.dir, { recursive: true });
    const files: SpoolFile[] = [];
    let maxSeq = 0;
    for (const name of await readdir(options.dir)) {
      const full = path.join(options.dir, name);
      if (name.startsWith('.tmp-')) {
        // A spill cut short by a crash: its rows were still in memory and are gone with it.
        await unlink(full).catch(() => {});
        continue;
      }
      const m = NAME.exec(name);
      if (m === null) {
        options.log(`questdb: spool: ignoring unknown file ${name}`);
        continue;
      }
      const { size } = await stat(full);
      const f: SpoolFile = {
        name,
        firstSeq: Number(m[1]),
        lastSeq: Number(m[2]),
        rows: Number(m[3]),
        bytes: size,
        ready: true,
        written: Promise.resolve(),
        loaded: undefined,
        offset: 0,
        memoryOnly: false,
        busy: false,
      };
      files.push(f);
      if (f.lastSeq > maxSeq) maxSeq = f.lastSeq;
    }
    files.sort((a, b) => a.firstSeq - b.firstSeq);
    const buffer = new RowBuffer(options, files, maxSeq);
    buffer.enforceBound();
    return buffer;
  }

  /** Appends a row (the newest). Synchronous; may drop the oldest rows to stay in bound. */
  push(row: QuestDbRow): void {
    const bytes = rowBytes(row);
    this.mem.push(row);
    this.memBytes += bytes;
    if (this.memBytes > this.options.memoryBytes && this.spilling === undefined) this.startSpill();
    if (this.totalBytes() > this.options.maxBytes) this.enforceBound();
  }

  /** Rows in memory waiting (not counting a batch in flight). */
  get memoryRows(): number {
    return this.mem.length - this.head;
  }

  /** True when a failed batch or spool files wait: the backlog of an outage. */
  get hasBacklog(): boolean {
    return this.retry.length > 0 || this.spool.length > 0;
  }

  /** Rows dropped to stay within `maxBytes`, since open. */
  get droppedRows(): number {
    return this.dropped;
  }

  /** The lowest seq not yet delivered nor dropped (Infinity when empty). */
  lowestPendingSeq(): number {
    let low = Infinity;
    for (const b of this.inflight) low = Math.min(low, b.rows[0]![2]);
    if (this.retry.length > 0) low = Math.min(low, this.retry[0]!.rows[0]![2]);
    const f = this.spool[0];
    if (f !== undefined) low = Math.min(low, f.loaded !== undefined && f.offset < f.loaded.length ? f.loaded[f.offset]![2] : f.firstSeq);
    if (this.head < this.mem.length) low = Math.min(low, this.mem[this.head]![2]);
    return low;
  }

  /**
   * The oldest rows waiting, at most `maxRows` and `chunkBytes`, whose first seq is at most
   * `untilSeq`; undefined when there are none or the next ones must wait for a batch in
   * flight. Failed batches and spool files go one at a time; memory batches may overlap.
   * Not to be called again before the previous call resolved.
   */
  async take(maxRows: number, untilSeq = Infinity): Promise<Batch | undefined> {
    for (;;) {
      if (this.retry.length > 0) {
        const r = this.retry[0]!;
        if (r.busy || r.rows[0]![2] > untilSeq) return undefined;
        r.busy = true;
        return r;
      }
      const f = this.spool[0];
      if (f !== undefined) {
        if (!f.ready) {
          await f.written;
          continue;
        }
        if (f.busy) return undefined;
        if (f.loaded === undefined) {
          f.busy = true;
          try {
            f.loaded = await this.load(f);
          } finally {
            f.busy = false;
          }
          // Dropped while it was being read, or found to hold nothing.
          if (this.spool[0] !== f) continue;
          this.spoolRows += f.loaded.length - f.rows;
          f.rows = f.loaded.length;
          if (f.loaded.length === 0) {
            this.removeFile(f);
            continue;
          }
        }
        if (f.loaded[f.offset]![2] > untilSeq) return undefined;
        const rows = this.cut(f.loaded, f.offset, maxRows);
        f.busy = true;
        return { rows, bytes: 0, source: 'spool', file: f, busy: true };
      }
      if (this.head >= this.mem.length || this.mem[this.head]![2] > untilSeq) return undefined;
      const rows = this.cut(this.mem, this.head, maxRows);
      let bytes = 0;
      for (const r of rows) bytes += rowBytes(r);
      this.head += rows.length;
      this.memBytes -= bytes;
      this.compact();
      const batch: Batch = { rows, bytes, source: 'memory', busy: true };
      this.inflight.add(batch);
      this.inflightBytes += bytes;
      return batch;
    }
  }

  /** The batch is in QuestDB (or was refused for good): its rows leave the buffer. */
  ack(batch: Batch): void {
    batch.busy = false;
    if (batch.source === 'retry') {
      const i = this.retry.indexOf(batch);
      if (i >= 0) {
        this.retry.splice(i, 1);
        this.retryBytes -= batch.bytes;
      }
    } else if (batch.source === 'spool') {
      const f = batch.file!;
      f.busy = false;
      f.offset += batch.rows.length;
      this.spoolRows -= batch.rows.length;
      if (f.offset >= f.rows) this.removeFile(f);
    } else if (this.inflight.delete(batch)) {
      this.inflightBytes -= batch.bytes;
    }
  }

  /** The batch was not delivered: it stays among the oldest, to be sent again. */
  release(batch: Batch): void {
    batch.busy = false;
    if (batch.source === 'spool') batch.file!.busy = false;
    else if (batch.source === 'memory' && this.inflight.delete(batch)) {
      this.inflightBytes -= batch.bytes;
      batch.source = 'retry';
      let at = this.retry.length;
      while (at > 0 && this.retry[at - 1]!.rows[0]![2] > batch.rows[0]![2]) at--;
      this.retry.splice(at, 0, batch);
      this.retryBytes += batch.bytes;
    }
    this.enforceBound();
  }

  /**
   * Writes everything still in memory (a failed batch first) to spool files, for the next
   * run. Call once nothing is in flight.
   */
  async persist(): Promise<void> {
    while (this.spilling !== undefined) await this.spilling;
    const pending: QuestDbRow[][] = [];
    for (const r of this.retry.splice(0)) pending.push([...r.rows]);
    this.retryBytes = 0;
    for (const f of [...this.spool]) {
      if (f.memoryOnly && f.loaded !== undefined) {
        pending.push(f.loaded.slice(f.offset));
        this.removeFile(f);
      }
    }
    const rest = this.mem.slice(this.head);
    this.mem = [];
    this.head = 0;
    this.memBytes = 0;
    for (let start = 0; start < rest.length; ) {
      const rows = this.cut(rest, start, Infinity);
      start += rows.length;
      pending.push(rows);
    }
    for (const rows of pending) {
      if (rows.length === 0) continue;
      try {
        await this.writeSpoolFile(rows);
      } catch {
        // Logged by writeSpoolFile; the rows are lost when the process ends.
      }
    }
  }

  /** Current figures. */
  stats(): RowBufferStats {
    let retryRows = 0;
    for (const r of this.retry) retryRows += r.rows.length;
    let inflightRows = 0;
    for (const b of this.inflight) inflightRows += b.rows.length;
    return {
      queuedRows: this.memoryRows + retryRows + this.spoolRows + inflightRows,
      queuedBytes: this.totalBytes(),
      memoryBytes: this.memBytes + this.retryBytes + this.inflightBytes,
      spoolBytes: this.spoolBytes,
      spoolFiles: this.spool.length,
      droppedRows: this.dropped,
    };
  }

  private totalBytes(): number {
    return this.memBytes + this.spoolBytes + this.retryBytes + this.inflightBytes;
  }

  /** Rows from `start`, at most `maxRows` and `chunkBytes` (at least one). */
  private cut(rows: readonly QuestDbRow[], start: number, maxRows: number): QuestDbRow[] {
    let end = start;
    let bytes = 0;
    const limit = Math.min(rows.length, start + maxRows);
    while (end < limit) {
      bytes += rowBytes(rows[end]!);
      if (bytes > this.options.chunkBytes && end > start) break;
      end++;
    }
    return rows.slice(start, end);
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.mem.length) {
      this.mem = this.mem.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops the oldest rows not in flight until the bound holds, and counts them. */
  private enforceBound(): void {
    let n = 0;
    while (this.totalBytes() > this.options.maxBytes) {
      const r = this.retry.find((b) => !b.busy);
      if (r !== undefined) {
        n += r.rows.length;
        this.retry.splice(this.retry.indexOf(r), 1);
        this.retryBytes -= r.bytes;
        continue;
      }
      const f = this.spool.find((x) => x.ready && !x.busy);
      if (f !== undefined) {
        n += f.rows - f.offset;
        this.removeFile(f);
        continue;
      }
      if (this.head < this.mem.length) {
        this.memBytes -= rowBytes(this.mem[this.head]!);
        this.head++;
        n++;
        continue;
      }
      break;
    }
    this.compact();
    if (n > 0) this.countDropped(n);
  }

  private countDropped(n: number): void {
    this.dropped += n;
    this.droppedSinceLog += n;
    const now = Date.now();
    if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.options.log(
        `questdb: buffer full (${this.options.maxBytes} bytes): dropped the ${this.droppedSinceLog} oldest rows (${this.dropped} in all)`,
      );
      this.droppedSinceLog = 0;
    }
  }

  private removeFile(f: SpoolFile): void {
    const i = this.spool.indexOf(f);
    if (i < 0) return;
    this.spool.splice(i, 1);
    this.spoolBytes -= f.bytes;
    this.spoolRows -= f.rows - f.offset;
    f.loaded = undefined;
    if (!f.memoryOnly) {
      unlink(path.join(this.options.dir, f.name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') this.options.log(`questdb: spool: cannot remove ${f.name}: ${e.code ?? String(e)}`);
      });
    }
  }

  private async load(f: SpoolFile): Promise<QuestDbRow[]> {
    if (f.memoryOnly) return f.loaded ?? [];
    let text: string;
    try {
      text = await readFile(path.join(this.options.dir, f.name), 'utf8');
    } catch (e) {
      this.options.log(`questdb: spool: cannot read ${f.name} (${(e as NodeJS.ErrnoException).code ?? String(e)}); its ${f.rows} rows are lost`);
      this.countDropped(f.rows);
      return [];
    }
    const rows: QuestDbRow[] = [];
    let bad = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let row: QuestDbRow | undefined;
      try {
        row = checkRow(JSON.parse(line));
      } catch {
        row = undefined;
      }
      if (row === undefined) bad++;
      else rows.push(row);
    }
    if (bad > 0) {
      this.options.log(`questdb: spool: ${f.name}: skipped ${bad} damaged rows`);
      this.countDropped(bad);
    }
    return rows;
  }

  private startSpill(): void {
    if (Date.now() < this.spillPausedUntil) return;
    this.spilling = this.spill().finally(() => {
      this.spilling = undefined;
    });
  }

  /** Moves the oldest memory rows to spool files until memory is down to half its limit. */
  private async spill(): Promise<void> {
    while (this.memBytes > this.options.memoryBytes / 2 && this.head < this.mem.length) {
      const rows = this.cut(this.mem, this.head, Infinity);
      let bytes = 0;
      for (const r of rows) bytes += rowBytes(r);
      this.head += rows.length;
      this.memBytes -= bytes;
      this.compact();
      try {
        await this.writeSpoolFile(rows);
      } catch {
        // Kept in memory in order (as a memory-only file); spilling pauses a while.
        this.spillPausedUntil = Date.now() + 5_000;
        return;
      }
    }
  }

  /** Writes rows as one spool file at its place in the order (temporary name, then rename). */
  private async writeSpoolFile(rows: QuestDbRow[]): Promise<void> {
    const text = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    const firstSeq = rows[0]![2];
    const lastSeq = rows[rows.length - 1]![2];
    const name = `${pad(firstSeq)}-${pad(lastSeq)}-${rows.length}.ndjson`;
    let done!: () => void;
    const f: SpoolFile = {
      name,
      firstSeq,
      lastSeq,
      rows: rows.length,
      bytes,
      ready: false,
      written: new Promise<void>((resolve) => (done = resolve)),
      loaded: undefined,
      offset: 0,
      memoryOnly: false,
      busy: false,
    };
    let at = this.spool.length;
    while (at > 0 && this.spool[at - 1]!.firstSeq > firstSeq) at--;
    this.spool.splice(at, 0, f);
    this.spoolBytes += bytes;
    this.spoolRows += rows.length;
    const tmp = path.join(this.options.dir, `.tmp-${name}`);
    try {
      await writeFile(tmp, text);
      await rename(tmp, path.join(this.options.dir, name));
    } catch (e) {
      this.options.log(`questdb: spool: cannot write ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}; ${rows.length} rows stay in memory`);
      await unlink(tmp).catch(() => {});
      f.memoryOnly = true;
      f.loaded = rows;
      throw e;
    } finally {
      f.ready = true;
      done();
      this.enforceBound();
    }
  }
}
