/**
 * The lexer of the vigil rule language: a moo lexer for the tokens of the spec's lexical
 * table, and a nearley-compatible wrapper that drops whitespace and comments (recording the
 * comments so the formatter can put them back).
 *
 * Only `and or not in contains exists true false` are reserved (token type `kw`); every
 * other keyword is an ordinary identifier that the grammar matches by its text, so a word
 * such as `check` or `severity` can still be a field inside a predicate.
 */
import moo from 'moo';
import { DURATION_SOURCE } from '../engine/model/duration.js';
import type { Comment, Loc } from './ast.js';

/** The words that are never identifiers (spec, "Lexical"). */
export const RESERVED_WORDS: readonly string[] = ['and', 'or', 'not', 'in', 'contains', 'exists', 'true', 'false'];

/**
 * Operators and punctuation, longest first so that `<=` is never read as `<` then `=`.
 */
const PUNCTUATION = ['==', '!=', '<=', '>=', '=~', '!~', '<', '>', '=', '+', '-', '*', '/', '(', ')', '{', '}', '[', ']', ',', '.'];

/**
 * The raw moo lexer. Besides the language's tokens it has three error-ish token types so
 * that lexing never throws: `badstring` (an unterminated string or one with an invalid
 * escape), `badword` (a number or duration run into letters, such as `5min`) and
 * `invalid` (any other character). The parser reports them as syntax errors.
 */
export const mooLexer: moo.Lexer = moo.compile({
  ws: { match: /[ \t\r\n\f\v]+/, lineBreaks: true },
  comment: /#[^\r\n]*/,
  string: /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
  badstring: /"(?:[^"\\\n]|\\[^\n])*"?/,
  timerange: /[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}(?![A-Za-z0-9_:])/,
  duration: new RegExp(`${DURATION_SOURCE}(?![A-Za-z0-9_.])`),
  // The look-ahead refuses a number glued to letters, digits or a dot, so `12x` is one bad
  // word rather than `1` followed by `2x`.
  number: /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_.])/,
  badword: /[0-9][A-Za-z0-9_.]*/,
  labelref: /\$[A-Za-z_][A-Za-z0-9_]*/,
  ident: {
    match: /[A-Za-z_][A-Za-z0-9_]*/,
    type: moo.keywords({ kw: [...RESERVED_WORDS] }),
  },
  op: PUNCTUATION,
  // A surrogate pair counts as one character so the message can show it whole.
  invalid: { match: /[\uD800-\uDBFF][\uDC00-\uDFFF]|[^]/, lineBreaks: true },
});

/** Token types that never reach the parser. */
const SKIPPED = new Set(['ws', 'comment']);

/** Token types that are lexical errors rather than tokens of the language. */
export const ERROR_TOKEN_TYPES: ReadonlySet<string> = new Set(['badstring', 'badword', 'invalid']);

/**
 * A significant token as the parser sees it. `text` is the source text (nearley matches
 * grammar literals against it); `value` is the same text except for strings, where it is
 * the unescaped content.
 */
export type VigilToken = {
  type: string;
  text: string;
  value: string;
  offset: number;
  line: number;
  col: number;
  lineBreaks: number;
};

/** The result of lexing a whole file: significant tokens, comments and the end position. */
export type LexResult = {
  tokens: VigilToken[];
  comments: Comment[];
  /** The position just after the last character, where "end of input" is reported. */
  end: Loc;
};

/** Converts a moo token, unescaping strings; invalid strings keep their raw text. */
function toToken(t: moo.Token): VigilToken {
  const type = t.type ?? 'invalid';
  let value = t.text;
  if (type === 'string') value = JSON.parse(t.text) as string;
  return { type, text: t.text, value, offset: t.offset, line: t.line, col: t.col, lineBreaks: t.lineBreaks };
}

/** The position just after `text`, given where it started. */
function positionAfter(text: string, line: number, col: number): Loc {
  const lastBreak = text.lastIndexOf('\n');
  if (lastBreak < 0) return { line, col: col + text.length };
  let breaks = 0;
  for (const ch of text) if (ch === '\n') breaks++;
  return { line: line + breaks, col: text.length - lastBreak };
}

/**
 * A nearley lexer over vigil source: skips whitespace, records comments in `comments`
 * (with `trailing` set when code precedes them on the same line) and yields the other
 * tokens, lexical errors included, so the parser reports them at their position.
 */
export class VigilLexer {
  /** Comments seen since the last `reset`, in source order. */
  comments: Comment[] = [];
  // moo lexers are stateful; each wrapper gets its own copy (`clone` is untyped in @types/moo).
  private readonly moo = (mooLexer as moo.Lexer & { clone(): moo.Lexer }).clone();
  private lastCodeLine = 0;
  private endLoc: Loc = { line: 1, col: 1 };

  /** Starts lexing `text`; `state` is what `save` returned, for nearley's incremental feed. */
  reset(text: string, state?: moo.LexerState): void {
    this.moo.reset(text, state);
    if (!state) {
      this.comments = [];
      this.lastCodeLine = 0;
      this.endLoc = { line: 1, col: 1 };
    }
  }

  /** The next significant token, or undefined at the end of the input. */
  next(): VigilToken | undefined {
    for (;;) {
      const t = this.moo.next();
      if (!t) return undefined;
      this.endLoc = positionAfter(t.text, t.line, t.col);
      if (t.type === 'comment') {
        this.comments.push({ text: t.text, loc: { line: t.line, col: t.col }, trailing: this.lastCodeLine === t.line });
        continue;
      }
      if (SKIPPED.has(t.type ?? '')) continue;
      this.lastCodeLine = t.line + t.lineBreaks;
      return toToken(t);
    }
  }

  /** The position just after the last token or whitespace read so far. */
  end(): Loc {
    return this.endLoc;
  }

  /** Lexer state for nearley's `feed` in several parts. */
  save(): moo.LexerState {
    return this.moo.save();
  }

  /** A one-line description of an error at `token`, for nearley's own messages. */
  formatError(token: VigilToken, message = 'syntax error'): string {
    return `${token.line}:${token.col}: ${message}`;
  }

  /** Whether `type` is a token type nearley may match with `%type`. */
  has(type: string): boolean {
    return TOKEN_TYPES.has(type);
  }
}

const TOKEN_TYPES = new Set(['string', 'timerange', 'duration', 'number', 'labelref', 'ident', 'kw', 'op']);

/** The shared lexer instance the grammar is compiled against. */
export const vigilLexer = new VigilLexer();

/**
 * Lexes a whole file at once. Never throws: lexical errors come back as tokens of the
 * types in `ERROR_TOKEN_TYPES`, for the parser to report.
 */
export function tokenize(text: string): LexResult {
  const lexer = new VigilLexer();
  lexer.reset(text);
  const tokens: VigilToken[] = [];
  for (let t = lexer.next(); t; t = lexer.next()) tokens.push(t);
  return { tokens, comments: lexer.comments, end: lexer.end() };
}
