import type { FileHandle } from 'node:fs/promises';
import type { LinearRegex } from '../../engine/linear-regex.js';
import { EVENT_LIMITS } from '../event-schema.js';
import { LineReader, MAX_LINE_BYTES, type FileLine } from './line-reader.js';
import { MultilineGrouper, type FileRecord } from './multiline.js';

/** Where one tailed file stands, as journaled in the source's checkpoint. */
export interface TailedFilePosition {
  /** The path the file was found under (a rotated file keeps the path it had). */
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  /** Offset of the first byte not yet handed on as an event. */
  readonly pos: number;
  /** Bytes from `pos` on belong to a cut line, skipped up to its newline. */
  readonly skipping: boolean;
}

/** What a tailer is given: the open file, where to start, and how to group lines. */
export interface FileTailerOptions {
  readonly path: string;
  readonly handle: FileHandle;
  readonly dev: number;
  readonly ino: number;
  readonly pos: number;
  readonly skipping: boolean;
  readonly multilineStart: LinearRegex | undefined;
  readonly maxLineBytes?: number;
  /** The wall time (ms) it is opened at. */
  readonly nowMs: number;
}

/**
 * One file being read: its open handle (kept open, so a file renamed or deleted is still
 * read to its end), its identity (device and inode), and the lines and records read from
 * it so far. The source decides when to read, and when a file is finished.
 */
export class FileTailer {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly handle: FileHandle;
  /** The path now holds another file (renamed away, or deleted): read to the end, then close. */
  draining = false;
  /** Wall time (ms) the last bytes were read; for the multiline timeout and the rotation wait. */
  lastDataMs: number;
  private readonly lines: LineReader;
  private readonly grouper: MultilineGrouper;
  private readonly scratch: FileLine[] = [];

  constructor(options: FileTailerOptions) {
    this.path = options.path;
    this.dev = options.dev;
    this.ino = options.ino;
    this.handle = options.handle;
    this.lines = new LineReader({ start: { pos: options.pos, skipping: options.skipping }, maxLineBytes: options.maxLineBytes ?? MAX_LINE_BYTES });
    this.grouper = new MultilineGrouper({ start: options.multilineStart, maxChars: EVENT_LIMITS.maxStringLength });
    this.lastDataMs = options.nowMs;
  }

  /** The file offset of the next byte to read. */
  get readPos(): number {
    return this.lines.readPos;
  }

  /** Whether a record or a part of a line waits for more bytes. */
  get holding(): boolean {
    return this.grouper.pendingStart !== undefined || this.lines.pendingBytes > 0;
  }

  /** Where this file stands: nothing before `pos` is still to be handed on. */
  position(): TailedFilePosition {
    const read = this.lines.position();
    const pending = this.grouper.pendingStart;
    const pos = pending === undefined ? read.pos : pending;
    return { path: this.path, dev: this.dev, ino: this.ino, pos, skipping: pending === undefined && read.skipping };
  }

  /** Reads up to `buf.length` bytes at the read position; returns how many were read. */
  async read(buf: Buffer, out: FileRecord[], nowMs: number): Promise<number> {
    const from = this.lines.readPos - this.lines.pendingBytes;
    const { bytesRead } = await this.handle.read(buf, 0, buf.length, this.lines.readPos);
    if (bytesRead === 0) return 0;
    this.lastDataMs = nowMs;
    const lines = this.scratch;
    lines.length = 0;
    this.lines.push(buf.subarray(0, bytesRead), lines);
    this.grouper.push(lines, from, out);
    return bytesRead;
  }

  /** Hands on the record still being gathered (the file went quiet past the multiline timeout). */
  flushRecord(out: FileRecord[]): void {
    this.grouper.flush(out);
  }

  /** Hands on everything that waits, a last line without newline included: the file is finished. */
  finish(out: FileRecord[]): void {
    const lines = this.scratch;
    lines.length = 0;
    const from = this.lines.position().pos;
    this.lines.flush(lines);
    this.grouper.push(lines, from, out);
    this.grouper.flush(out);
  }

  /** The file was truncated (copied and truncated by a rotation): hands on what waits, then reads from 0. */
  truncated(out: FileRecord[]): void {
    this.finish(out);
    this.lines.reset(0);
  }
}
