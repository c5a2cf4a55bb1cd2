/**
 * Splits the bytes of a file, read in chunks, into lines, keeping the byte offset each line
 * ends at, so a reader can say exactly where in the file the lines it handed on stop.
 *
 * A line longer than `maxLineBytes` is cut there (back to a UTF-8 character boundary, so
 * the cut never splits a character) and flagged; the rest of it, up to its newline, is
 * skipped, also when it spans many chunks. A line without its newline yet (the writer is
 * mid-line) waits for the next chunk. Written by hand because line readers such as
 * `readline` report neither byte offsets nor bound a line's length.
 */

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Lines are cut at this many bytes (64 KiB), the intake's limit for a string. */
export const MAX_LINE_BYTES = 64 * 1024;

/** One line of a file: its text (without `\n`, nor a `\r` before it) and where it ends. */
export interface FileLine {
  readonly text: string;
  /** File offset just past the line's newline (or past the cut, for a cut line still being skipped). */
  readonly end: number;
  /** The line was longer than the limit and was cut. */
  readonly truncated: boolean;
}

/** Where a line reader stands, as plain data (journaled in checkpoints). */
export interface LineReaderPosition {
  /** File offset of the first byte not yet handed on as (part of) a line. */
  readonly pos: number;
  /** Bytes from `pos` on belong to a cut line and are skipped up to its newline. */
  readonly skipping: boolean;
}

/** The byte offset at or before `at` where a UTF-8 character starts. */
function charBoundary(buf: Buffer, from: number, at: number): number {
  let i = at;
  while (i > from && (buf[i]! & 0xc0) === 0x80) i--;
  return i;
}

/** Where a line reader starts and where it cuts lines. */
export interface LineReaderOptions {
  readonly start: LineReaderPosition;
  /** Default `MAX_LINE_BYTES`. */
  readonly maxLineBytes?: number;
}

/** Reads lines out of consecutive chunks of one file, from a position. */
export class LineReader {
  /** Bytes of a line that has no newline yet, starting at `this.pos`. */
  private carry: Buffer | undefined;
  private pos: number;
  private skipping: boolean;
  private readonly maxLineBytes: number;

  constructor(options: LineReaderOptions) {
    this.pos = options.start.pos;
    this.skipping = options.start.skipping;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** The file offset of the next byte to read. */
  get readPos(): number {
    return this.pos + (this.carry?.length ?? 0);
  }

  /** Where this reader stands: everything before `pos` has been handed on. */
  position(): LineReaderPosition {
    return { pos: this.pos, skipping: this.skipping };
  }

  /** Bytes waiting for their newline. */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  /**
   * Takes the next bytes of the file (those at `readPos`) and appends the lines they
   * complete to `out`. The chunk is not kept: its bytes may be reused after the call.
   */
  push(chunk: Buffer, out: FileLine[]): void {
    let buf = chunk;
    let base = this.readPos;
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, chunk]);
      base = this.pos;
      this.carry = undefined;
    }
    let at = 0;
    while (at < buf.length) {
      const nl = buf.indexOf(NEWLINE, at);
      if (this.skipping) {
        if (nl < 0) {
          at = buf.length;
          break;
        }
        this.skipping = false;
        at = nl + 1;
        this.pos = base + at;
        continue;
      }
      const lineEnd = nl < 0 ? buf.length : nl;
      if (lineEnd - at > this.maxLineBytes) {
        const cut = charBoundary(buf, at, at + this.maxLineBytes);
        const skipTo = nl < 0 ? buf.length : nl + 1;
        out.push({ text: buf.toString('utf8', at, cut), end: base + skipTo, truncated: true });
        this.skipping = nl < 0;
        at = skipTo;
        this.pos = base + at;
        continue;
      }
      if (nl < 0) break;
      const textEnd = nl > at && buf[nl - 1] === CR ? nl - 1 : nl;
      out.push({ text: buf.toString('utf8', at, textEnd), end: base + nl + 1, truncated: false });
      at = nl + 1;
      this.pos = base + at;
    }
    if (this.skipping) this.pos = base + buf.length;
    else if (at < buf.length) this.carry = Buffer.from(buf.subarray(at));
  }

  /**
   * Hands on the bytes still waiting for a newline as a last line (the file is finished:
   * rotated away or truncated), or nothing when none wait.
   */
  flush(out: FileLine[]): void {
    const carry = this.carry;
    this.carry = undefined;
    this.skipping = false;
    if (carry === undefined || carry.length === 0) return;
    const end = this.pos + carry.length;
    const textEnd = carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
    out.push({ text: carry.toString('utf8', 0, textEnd), end, truncated: false });
    this.pos = end;
  }

  /** Starts over at `pos` (the file was truncated), forgetting what waits. */
  reset(pos: number): void {
    this.carry = undefined;
    this.skipping = false;
    this.pos = pos;
  }
}
