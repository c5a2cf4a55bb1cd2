/**
 * Making step output fit for the timeline: secrets replaced by `***`, length bounded to a
 * head and a tail, and a collector that keeps memory bounded while a program still writes.
 */

/** What every hidden value becomes. */
export const SCRUBBED = '***';

/** Between the head and the tail of an excerpt. */
const ELLIPSIS = '…';

/** An `Authorization:` or `Proxy-Authorization:` header: everything after it on the line. */
const AUTHORIZATION = /\b((?:proxy-)?authorization)([ \t]*[:=][ \t]*)[^\r\n]*/gi;
/** A bearer token anywhere, e.g. in a curl command line echoed back. */
const BEARER = /\b(bearer)[ \t]+[A-Za-z0-9\-._~+/]+=*/gi;
/**
 * `password=x`, `DB_PASSWORD: x`, `"client_secret": "x"`, `api-key=x`, `access_token=x`:
 * the name is kept, so a reader still sees what was hidden.
 */
const ASSIGNMENT =
  /\b([\w.-]{0,40}?(?:password|passwd|secret|token|api[_-]?key))(["']?[ \t]*[=:][ \t]*["']?)([^\s"'&,;]+)/gi;
/**
 * `scheme://user:password@host`: the whole userinfo goes, user names can be telling too.
 * Here and above, bounded repetitions keep matching linear on runs like `a.b.c.d...`.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/?#@]+@/gi;

/**
 * Replaces every non-empty value of `secrets` (also in its URL-encoded form) and the common
 * credential shapes (`password=...`, `Authorization: ...`, `Bearer ...`, URL userinfo) by
 * `***`, so output and errors can be stored and shown without leaking what a step used.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  const values = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    values.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) values.add(encoded);
  }
  // Longest first, so a secret that contains another is replaced whole.
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    result = result.split(value).join(SCRUBBED);
  }
  return result
    .replace(AUTHORIZATION, `$1$2${SCRUBBED}`)
    .replace(BEARER, `$1 ${SCRUBBED}`)
    .replace(ASSIGNMENT, `$1$2${SCRUBBED}`)
    .replace(URL_USERINFO, `$1${SCRUBBED}@`);
}

/**
 * `text` when it has at most `max` characters; otherwise its head, `…` and its tail, `max`
 * characters in all: the start of output says what a program set out to do and the end
 * why it stopped, the middle is usually the least telling part.
 */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  const room = max - ELLIPSIS.length;
  let headEnd = Math.ceil(room / 2);
  let tailStart = text.length - (room - headEnd);
  // Never split a surrogate pair: half a character would not survive storage as UTF-8.
  if (headEnd > 0 && isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd--;
  if (tailStart < text.length && isLowSurrogate(text.charCodeAt(tailStart))) tailStart++;
  return text.slice(0, headEnd) + ELLIPSIS + text.slice(tailStart);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Collects text as it arrives (a program's stdout and stderr, a response body), keeping
 * only its first and last `keepChars` characters, so a step that prints gigabytes costs
 * a few kilobytes; `result` then scrubs and excerpts what was kept.
 */
export class OutputCapture {
  readonly #keepChars: number;
  #head = '';
  #tail: string[] = [];
  #tailLength = 0;
  /** Whether text between the head and the tail was dropped. */
  #gap = false;

  /** `keepChars` should well exceed the excerpt length, so scrubbing sees whole lines. */
  constructor(keepChars = 16_384) {
    this.#keepChars = keepChars;
  }

  /** Appends `text`. */
  push(text: string): void {
    if (text === '') return;
    let rest = text;
    if (this.#head.length < this.#keepChars && this.#tailLength === 0) {
      const room = this.#keepChars - this.#head.length;
      this.#head += rest.slice(0, room);
      rest = rest.slice(room);
      if (rest === '') return;
    }
    this.#tail.push(rest);
    this.#tailLength += rest.length;
    // Trimming only at twice the size keeps appends amortised constant time.
    if (this.#tailLength > 2 * this.#keepChars) {
      const kept = this.#tail.join('').slice(-this.#keepChars);
      this.#tail = [kept];
      this.#tailLength = kept.length;
      this.#gap = true;
    }
  }

  /** What was collected, scrubbed of `secrets` and cut to at most `maxChars` characters. */
  result(secrets: readonly string[], maxChars: number): string {
    const tail = this.#tail.join('');
    if (!this.#gap) return excerpt(scrub(this.#head + tail, secrets), maxChars);
    // A secret cut in two by the gap would match neither half, so the characters next to
    // the gap that could hold part of one are dropped before scrubbing.
    const longest = Math.min(
      secrets.reduce((n, s) => Math.max(n, encodeURIComponent(s).length), 0),
      Math.floor(this.#keepChars / 2),
    );
    const head = scrub(this.#head.slice(0, this.#head.length - longest), secrets);
    const rest = scrub(tail.slice(longest), secrets);
    return excerpt(head + ELLIPSIS + rest, maxChars);
  }
}
