/**
 * Decodes the body of `/containers/{id}/logs` for a container without a TTY: the Engine
 * API's multiplexed stream, frames of an 8-byte header (byte 0 the stream: 0 stdin,
 * 1 stdout, 2 stderr; bytes 4-7 the payload size, big-endian) and the payload. Written
 * here rather than taken from docker-modem's `demuxStream` because that one writes into
 * two Node streams, and vigil wants whole lines tagged with their stream.
 */

import { StringDecoder } from 'node:string_decoder';

/** Which output of the container a line came from. */
export type LogStreamName = 'stdin' | 'stdout' | 'stderr';

/** One line a container wrote. */
export interface LogLine {
  readonly source: LogStreamName;
  readonly text: string;
  /** True when the line was longer than the limit and was cut there. */
  readonly truncated: boolean;
}

/** Longest line kept whole; the rest of a longer line is dropped and the line flagged. */
export const MAX_LOG_LINE_CHARS = 64 * 1024;

const HEADER_BYTES = 8;
const NAMES: readonly LogStreamName[] = ['stdin', 'stdout', 'stderr'];

/** A decoder for one logs response. */
export interface LogFrameDecoder {
  /** The complete lines `chunk` finished. Throws on a header that is not a frame header. */
  push(chunk: Buffer): LogLine[];
}

/** Per output: the unfinished line and whether it was already cut. */
interface Partial {
  decoder: StringDecoder;
  text: string;
  cut: boolean;
}

function splitLines(part: Partial, source: LogStreamName, text: string, out: LogLine[]): void {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const piece = nl < 0 ? text.slice(start) : text.slice(start, nl);
    if (!part.cut) {
      part.text += piece;
      if (part.text.length > MAX_LOG_LINE_CHARS) {
        part.text = part.text.slice(0, MAX_LOG_LINE_CHARS);
        part.cut = true;
      }
    }
    if (nl < 0) return;
    out.push({ source, text: part.text.replace(/\r$/, ''), truncated: part.cut });
    part.text = '';
    part.cut = false;
    start = nl + 1;
  }
}

function newPartials(): Partial[] {
  return NAMES.map(() => ({ decoder: new StringDecoder('utf8'), text: '', cut: false }));
}

/**
 * Creates a decoder. `multiplexed` false reads a TTY container's raw stream (no frames;
 * every line counts as stdout), as the Engine API sends it with
 * `Content-Type: application/vnd.docker.raw-stream`.
 */
export function createLogFrameDecoder(multiplexed = true): LogFrameDecoder {
  const parts = newPartials();
  let pending: Buffer = Buffer.alloc(0);
  let frameLeft = 0;
  let frameSource = 1;
  return {
    push(chunk) {
      const out: LogLine[] = [];
      if (!multiplexed) {
        splitLines(parts[1]!, 'stdout', parts[1]!.decoder.write(chunk), out);
        return out;
      }
      let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      pending = Buffer.alloc(0);
      let at = 0;
      while (at < buf.length) {
        if (frameLeft === 0) {
          if (buf.length - at < HEADER_BYTES) break;
          const source = buf[at]!;
          if (source > 2 || buf[at + 1] !== 0 || buf[at + 2] !== 0 || buf[at + 3] !== 0) {
            throw new Error(`not a log frame header (bytes ${buf.subarray(at, at + 4).toString('hex')})`);
          }
          frameSource = source;
          frameLeft = buf.readUInt32BE(at + 4);
          at += HEADER_BYTES;
          continue;
        }
        const take = Math.min(frameLeft, buf.length - at);
        const part = parts[frameSource]!;
        splitLines(part, NAMES[frameSource]!, part.decoder.write(buf.subarray(at, at + take)), out);
        frameLeft -= take;
        at += take;
      }
      if (at < buf.length) pending = Buffer.from(buf.subarray(at));
      buf = Buffer.alloc(0);
      return out;
    },
  };
}
