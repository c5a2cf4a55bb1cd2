/**
 * Splits the Engine API's `/events` body into its JSON objects. Docker and Podman both
 * write one object per line (Go's `json.Encoder`), so a line splitter that keeps the
 * unfinished tail of each chunk is all the framing there is.
 */

import { StringDecoder } from 'node:string_decoder';

/** What one line of the stream became. */
export type JsonLine = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Longest line kept; a longer one is dropped (and reported) rather than buffered without bound. */
export const MAX_JSON_LINE_BYTES = 1024 * 1024;

/** A line splitter: feed it chunks, get parsed lines back. */
export interface JsonLineSplitter {
  /** The complete lines `chunk` finished, parsed (blank lines are skipped). */
  push(chunk: Buffer): JsonLine[];
}

/** Creates a splitter for one response body. */
export function createJsonLineSplitter(maxLineBytes = MAX_JSON_LINE_BYTES): JsonLineSplitter {
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let skipping = false;
  return {
    push(chunk) {
      const out: JsonLine[] = [];
      let text = tail + decoder.write(chunk);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        const line = text.slice(start, nl).trim();
        start = nl + 1;
        if (skipping) {
          // The rest of an over-long line ends here.
          skipping = false;
          continue;
        }
        if (line === '') continue;
        out.push(parseLine(line));
      }
      text = text.slice(start);
      if (Buffer.byteLength(text) > maxLineBytes) {
        if (!skipping) out.push({ ok: false, error: `an event line longer than ${maxLineBytes} bytes was dropped` });
        skipping = true;
        text = '';
      }
      tail = text;
      return out;
    },
  };
}

function parseLine(line: string): JsonLine {
  try {
    return { ok: true, value: JSON.parse(line) as unknown };
  } catch {
    return { ok: false, error: `not JSON: ${JSON.stringify(line.slice(0, 80))}` };
  }
}
