import type { LinearRegex } from '../../engine/linear-regex.js';
import type { FileLine } from './line-reader.js';

/** One record of a file: a line, or with a start pattern a start line and those after it. */
export interface FileRecord {
  readonly text: string;
  readonly truncated: boolean;
  /** File offset just past the record's last line. */
  readonly end: number;
}

/** A record being gathered, as plain data (its first byte's offset goes into checkpoints). */
interface Gathering {
  readonly start: number;
  lines: string[];
  chars: number;
  truncated: boolean;
  end: number;
}

/** How lines group: the start pattern (none: a record per line) and the longest record. */
export interface MultilineOptions {
  readonly start: LinearRegex | undefined;
  readonly maxChars: number;
}

/**
 * Groups lines into records: without a start pattern each line is one; with one, a line
 * that matches starts a record and the lines that do not match belong to it (a stack
 * trace under its log line), the way Vector's `multiline.start_pattern` and Fluent Bit's
 * `multiline.parser` read them. A record is complete when the next one starts, or when
 * `flush` is called (the file went quiet or ended). Records are cut at `maxChars` too.
 */
export class MultilineGrouper {
  private gathering: Gathering | undefined;
  private readonly start: LinearRegex | undefined;
  private readonly maxChars: number;

  constructor(options: MultilineOptions) {
    this.start = options.start;
    this.maxChars = options.maxChars;
  }

  /**
   * The offset of the first byte of the record being gathered (not handed on yet), or
   * undefined when none is: a checkpoint must not pass it.
   */
  get pendingStart(): number | undefined {
    return this.gathering?.start;
  }

  /** Adds lines, appending the records they complete to `out`. `from` is the first line's start offset. */
  push(lines: readonly FileLine[], from: number, out: FileRecord[]): void {
    let lineStart = from;
    for (const line of lines) {
      if (this.start === undefined) out.push({ text: line.text, truncated: line.truncated, end: line.end });
      else if (this.gathering === undefined || this.start.test(line.text)) {
        this.flush(out);
        this.gathering = { start: lineStart, lines: [line.text], chars: line.text.length, truncated: line.truncated, end: line.end };
      } else {
        const g = this.gathering;
        g.truncated ||= line.truncated;
        g.end = line.end;
        if (g.chars < this.maxChars) {
          g.lines.push(line.text);
          g.chars += line.text.length + 1;
        } else g.truncated = true;
      }
      lineStart = line.end;
    }
  }

  /** Hands on the record being gathered, if any. */
  flush(out: FileRecord[]): void {
    const g = this.gathering;
    if (g === undefined) return;
    this.gathering = undefined;
    let text = g.lines.length === 1 ? g.lines[0]! : g.lines.join('\n');
    let truncated = g.truncated;
    if (text.length > this.maxChars) {
      // Cut before a lone high surrogate, so the text stays well-formed.
      let cut = this.maxChars;
      const code = text.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
      text = text.slice(0, cut);
      truncated = true;
    }
    out.push({ text, truncated, end: g.end });
  }
}
