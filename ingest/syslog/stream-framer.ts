/**
 * Splits a TCP (or TLS) byte stream into syslog frames, per RFC 6587: a frame that starts
 * with a digit is octet-counted (`LEN SP MSG`, LEN bytes), any other runs to the next LF
 * (non-transparent framing; a CR before it is dropped). Senders may mix both on one
 * connection. Frames are cut on bytes, so a UTF-8 character split across reads is whole.
 *
 * A bad frame is reported and skipped alone, and the stream stays usable:
 * - an octet-counted frame longer than `maxBytes` is skipped by its count;
 * - a count not followed by a space, or one whose frame does not start with `<`, is not
 *   a count (taking it as one could swallow the good frames after it): the stream skips
 *   to the next LF;
 * - an LF frame longer than `maxBytes` is dropped up to its LF.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const LT = 0x3c;
/** Most digits of an octet count (a count past 10 digits is not a count). */
const MAX_COUNT_DIGITS = 10;

/** Where a framer's frames and problems go. */
export interface FrameHandler {
  frame(text: string): void;
  malformed(reason: string): void;
}

/** The state of one connection's framing (see the file comment). */
export class StreamFramer {
  private pending: Buffer | undefined;
  /** Bytes still to skip of an over-long octet-counted frame. */
  private skip = 0;
  /** Dropping an unusable frame up to its LF. */
  private toLineEnd = false;

  constructor(private readonly maxBytes: number) {}

  /** Feeds the next bytes read; complete frames go to `out.frame` in order. */
  push(chunk: Buffer, out: FrameHandler): void {
    let buf = chunk;
    if (this.skip > 0) {
      if (buf.length <= this.skip) {
        this.skip -= buf.length;
        return;
      }
      buf = buf.subarray(this.skip);
      this.skip = 0;
    }
    if (this.toLineEnd) {
      const lf = buf.indexOf(LF);
      if (lf < 0) return;
      buf = buf.subarray(lf + 1);
      this.toLineEnd = false;
    }
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, buf]);
      this.pending = undefined;
    }
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const c = buf[pos]!;
      // Line breaks and NULs between frames separate, they are not frames.
      if (c === LF || c === CR || c === 0) {
        pos++;
        continue;
      }
      if (c >= 0x31 && c <= 0x39) {
        let i = pos;
        let len = 0;
        while (i < n && i - pos < MAX_COUNT_DIGITS) {
          const d = buf[i]!;
          if (d < 0x30 || d > 0x39) break;
          len = len * 10 + (d - 0x30);
          i++;
        }
        // The count or the first byte of its frame is still to come.
        if (i + 1 >= n && i - pos < MAX_COUNT_DIGITS) break;
        if (buf[i] !== SP || buf[i + 1] !== LT) {
          out.malformed(buf[i] !== SP ? 'a frame starts with a digit but no octet count and space' : 'an octet-counted frame does not start with <PRI>');
          const lf = buf.indexOf(LF, i);
          if (lf < 0) {
            this.toLineEnd = true;
            pos = n;
            break;
          }
          pos = lf + 1;
          continue;
        }
        const start = i + 1;
        const end = start + len;
        if (len > this.maxBytes) {
          out.malformed(`an octet-counted frame of ${len} bytes is over the limit of ${this.maxBytes}`);
          if (end <= n) pos = end;
          else {
            this.skip = end - n;
            pos = n;
          }
          continue;
        }
        if (end > n) break;
        out.frame(buf.toString('utf8', start, end));
        pos = end;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (n - pos > this.maxBytes) {
          out.malformed(`a line of more than ${this.maxBytes} bytes`);
          this.toLineEnd = true;
          pos = n;
        }
        break;
      }
      if (lf - pos > this.maxBytes + 1) out.malformed(`a line of more than ${this.maxBytes} bytes`);
      else out.frame(buf.toString('utf8', pos, buf[lf - 1] === CR ? lf - 1 : lf));
      pos = lf + 1;
    }
    if (pos < n) this.pending = Buffer.from(buf.subarray(pos));
  }

  /** The connection closed: a last LF frame without its LF is a frame; half an octet-counted one is malformed. */
  end(out: FrameHandler): void {
    const rest = this.pending;
    this.pending = undefined;
    // A frame being skipped was reported when the skipping began.
    if (rest === undefined || this.skip > 0 || this.toLineEnd) return;
    const c = rest[0]!;
    if (c >= 0x31 && c <= 0x39) out.malformed('the connection closed inside an octet-counted frame');
    else out.frame(rest.toString('utf8', 0, rest[rest.length - 1] === CR ? rest.length - 1 : rest.length));
  }
}
