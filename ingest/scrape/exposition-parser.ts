/**
 * A parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
 *
 * Written here rather than taken from npm: the one maintained-looking package,
 * `parse-prometheus-text-format` (1.1.1), throws on the first bad line (losing the whole
 * scrape), folds histograms into objects (losing the `_bucket`/`_sum`/`_count` sample
 * names rules read), returns values as strings and knows nothing of OpenMetrics (`# EOF`,
 * exemplars, timestamps in seconds). This one reads line by line: a line that does not
 * parse is reported with its number and reason and the other lines are kept.
 *
 * Accepted as Prometheus' own parsers (prometheus/common expfmt, Prometheus' textparse)
 * accept it: whitespace around names, braces, `=` and `,`; a trailing comma in a label
 * set; quoted (UTF-8) metric names inside the braces (`{"my.metric", a="b"}`); escapes
 * `\\`, `\"`, `\n` in label values; values as Go's ParseFloat reads them (`NaN`, `+Inf`,
 * `-Inf`, `1e3`, `08`). `# HELP`, `# TYPE` and `# UNIT` lines are read for the family
 * types; other comments are skipped.
 */

/** One parsed sample line. */
export interface ExposedSample {
  readonly name: string;
  /** Label names to values, escapes undone; a null-prototype object. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** The timestamp the line carries, in epoch ms (OpenMetrics writes seconds), if any. */
  readonly timestampMs?: number;
}

/** A line that did not parse: its number (1-based) and why. */
export interface ExpositionError {
  readonly line: number;
  readonly error: string;
}

/** The samples of one exposition, the lines that did not parse, and the family types declared. */
export interface ParsedExposition {
  readonly samples: ExposedSample[];
  readonly errors: ExpositionError[];
  /** `# TYPE` declarations, family name to type (`counter`, `gauge`, `histogram`, ...). */
  readonly types: ReadonlyMap<string, string>;
}

/** Which format the text is in: decides the timestamp unit and the `# EOF` rule. */
export interface ExpositionOptions {
  /** OpenMetrics text (`application/openmetrics-text`): timestamps in seconds, ends with `# EOF`. */
  readonly openMetrics: boolean;
}

const TEXT_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const OPENMETRICS_TYPES = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown']);

/** Longest line reported verbatim in an error. */
const SHOWN = 60;

class LineError extends Error {}

/** True for the characters of a metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), by char code. */
function nameChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58 || (!first && c >= 48 && c <= 57);
}

/** True for the characters of a label name (`[a-zA-Z_][a-zA-Z0-9_]*`). */
function labelChar(c: number, first: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (!first && c >= 48 && c <= 57);
}

const FLOAT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|0[xX][0-9a-fA-F]+)$/;
const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };

/** A float as Go's strconv.ParseFloat reads it (what Prometheus uses), or undefined. */
export function parseGoFloat(text: string): number | undefined {
  if (FLOAT.test(text)) {
    const n = text.includes('x') || text.includes('X') ? Number.parseInt(text, 16) : Number(text);
    return Number.isNaN(n) ? undefined : n;
  }
  const special = SPECIAL[text.toLowerCase()];
  return special;
}

/** Reads one sample line from `line` (no newline). */
class LineReader {
  pos = 0;
  constructor(private readonly line: string) {}

  skipSpace(): void {
    const s = this.line;
    while (this.pos < s.length && (s.charCodeAt(this.pos) === 32 || s.charCodeAt(this.pos) === 9)) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.line.length;
  }

  peek(): number {
    return this.line.charCodeAt(this.pos);
  }

  expect(ch: string, what: string): void {
    if (this.line[this.pos] !== ch) throw new LineError(`expected ${what} at column ${this.pos + 1}`);
    this.pos++;
  }

  name(label: boolean): string {
    const s = this.line;
    const start = this.pos;
    const ok = label ? labelChar : nameChar;
    if (!ok(s.charCodeAt(this.pos), true)) throw new LineError(`expected a ${label ? 'label' : 'metric'} name at column ${this.pos + 1}`);
    this.pos++;
    while (this.pos < s.length && ok(s.charCodeAt(this.pos), false)) this.pos++;
    return s.slice(start, this.pos);
  }

  /** A double-quoted string with `\\`, `\"`, `\n` escapes; `pos` at the opening quote. */
  quoted(): string {
    const s = this.line;
    this.pos++;
    let out = '';
    let from = this.pos;
    for (;;) {
      if (this.pos >= s.length) throw new LineError('unterminated label value');
      const c = s.charCodeAt(this.pos);
      if (c === 34) {
        out += s.slice(from, this.pos);
        this.pos++;
        return out;
      }
      if (c === 92) {
        out += s.slice(from, this.pos);
        const e = s[this.pos + 1];
        if (e === '\\') out += '\\';
        else if (e === '"') out += '"';
        else if (e === 'n') out += '\n';
        else throw new LineError(`invalid escape sequence "\\${e ?? ''}" at column ${this.pos + 1}`);
        this.pos += 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /**
   * A label set from `{` to `}`. Returns the quoted metric name found inside, if any
   * (`{"my.metric", a="b"}`).
   */
  labels(into: Record<string, string>): string | undefined {
    this.expect('{', '"{"');
    let quotedName: string | undefined;
    for (;;) {
      this.skipSpace();
      if (this.peek() === 125) {
        this.pos++;
        return quotedName;
      }
      let key: string;
      if (this.peek() === 34) {
        key = this.quoted();
        this.skipSpace();
        if (this.peek() !== 61) {
          if (quotedName !== undefined) throw new LineError('two metric names in one label set');
          quotedName = key;
          this.afterPair();
          continue;
        }
      } else {
        key = this.name(true);
        this.skipSpace();
      }
      this.expect('=', '"=" after a label name');
      this.skipSpace();
      if (this.peek() !== 34) throw new LineError(`expected a quoted label value at column ${this.pos + 1}`);
      const value = this.quoted();
      if (Object.hasOwn(into, key)) throw new LineError(`label ${JSON.stringify(key)} given twice`);
      into[key] = value;
      this.afterPair();
    }
  }

  private afterPair(): void {
    this.skipSpace();
    const c = this.peek();
    if (c === 44) this.pos++;
    else if (c !== 125) throw new LineError(`expected "," or "}" at column ${this.pos + 1}`);
  }

  /** The next run of non-blank characters. */
  word(): string {
    const s = this.line;
    const start = this.pos;
    while (this.pos < s.length && s.charCodeAt(this.pos) !== 32 && s.charCodeAt(this.pos) !== 9) this.pos++;
    return s.slice(start, this.pos);
  }
}

function show(line: string): string {
  return JSON.stringify(line.length > SHOWN ? `${line.slice(0, SHOWN)}...` : line);
}

/** Parses one sample line; throws LineError. */
function sampleLine(line: string, openMetrics: boolean): ExposedSample {
  const r = new LineReader(line);
  const labels = Object.create(null) as Record<string, string>;
  let name: string | undefined;
  if (r.peek() !== 123) {
    name = r.name(false);
    r.skipSpace();
  }
  if (!r.atEnd() && r.peek() === 123) {
    const quoted = r.labels(labels);
    if (quoted !== undefined) {
      if (name !== undefined) throw new LineError('a metric name both before and inside the braces');
      name = quoted;
    }
  }
  if (name === undefined) throw new LineError('a label set without a metric name');
  r.skipSpace();
  const valueText = r.word();
  if (valueText === '') throw new LineError(`no value for ${name}`);
  const value = parseGoFloat(valueText);
  if (value === undefined) throw new LineError(`${JSON.stringify(valueText.slice(0, SHOWN))} is not a number`);
  r.skipSpace();
  let timestampMs: number | undefined;
  if (!r.atEnd() && r.peek() !== 35) {
    const tsText = r.word();
    if (openMetrics) {
      const seconds = parseGoFloat(tsText);
      if (seconds === undefined || !Number.isFinite(seconds)) throw new LineError(`${JSON.stringify(tsText.slice(0, SHOWN))} is not a timestamp`);
      timestampMs = Math.round(seconds * 1000);
    } else {
      if (!/^-?[0-9]+$/.test(tsText)) throw new LineError(`${JSON.stringify(tsText.slice(0, SHOWN))} is not a timestamp (integer milliseconds)`);
      timestampMs = Number(tsText);
    }
    r.skipSpace();
  }
  if (!r.atEnd()) {
    // OpenMetrics exemplar: ` # {labels} value [timestamp]`, checked for form and dropped.
    if (!openMetrics || r.peek() !== 35) throw new LineError(`unexpected text after the value at column ${r.pos + 1}`);
    r.pos++;
    r.skipSpace();
    r.labels(Object.create(null) as Record<string, string>);
    r.skipSpace();
    if (parseGoFloat(r.word()) === undefined) throw new LineError('exemplar without a valid value');
  }
  return timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs };
}

/**
 * Parses an exposition. Never throws: every line that does not parse is in `errors`, and
 * in OpenMetrics a missing `# EOF`, or text after it, is one error more.
 */
export function parseExposition(text: string, options: ExpositionOptions): ParsedExposition {
  const { openMetrics } = options;
  const samples: ExposedSample[] = [];
  const errors: ExpositionError[] = [];
  const types = new Map<string, string>();
  const allowedTypes = openMetrics ? OPENMETRICS_TYPES : TEXT_TYPES;
  let eof = 0;
  let lineNo = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (end === n && line === '') break;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (eof !== 0) {
      if (line.trim() !== '') errors.push({ line: lineNo, error: `text after "# EOF" (line ${eof})` });
      continue;
    }
    // Leading blanks are allowed in the text format, as Prometheus' parser allows them.
    let i = 0;
    while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i === line.length) continue;
    if (i > 0) line = line.slice(i);
    if (line.charCodeAt(0) === 35) {
      const words = line.slice(1).trim().split(/[ \t]+/);
      if (words[0] === 'EOF' && words.length === 1 && openMetrics) {
        eof = lineNo;
      } else if (words[0] === 'TYPE') {
        if (words.length < 3) errors.push({ line: lineNo, error: `a TYPE line needs a name and a type: ${show(line)}` });
        else if (!allowedTypes.has(words[2]!)) errors.push({ line: lineNo, error: `unknown metric type ${JSON.stringify(words[2]!.slice(0, SHOWN))}` });
        else types.set(words[1]!.replace(/^"|"$/g, ''), words[2]!);
      }
      continue;
    }
    try {
      samples.push(sampleLine(line, openMetrics));
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      errors.push({ line: lineNo, error: `${e.message}: ${show(line)}` });
    }
  }
  if (openMetrics && eof === 0) errors.push({ line: lineNo, error: 'OpenMetrics text does not end with "# EOF"' });
  return { samples, errors, types };
}
