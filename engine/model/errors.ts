/**
 * The one error type vigil throws for anything a user or operator can cause, with a stable
 * `code` that tests and callers match on (never the message wording).
 */

/** Every error code vigil uses, in one place. */
export const ErrorCode = {
  /** A rule file does not lex or parse. */
  Syntax: 'E_SYNTAX',
  /** A rule file parses but is not valid (unknown reference, bad regex, out of range, ...). */
  Check: 'E_CHECK',
  /** An event is malformed (no stream, bad time, nested values, ...). */
  BadEvent: 'E_BAD_EVENT',
  /** An event is older than the clock allows. */
  LateEvent: 'E_LATE_EVENT',
  /** A rule test file is malformed. */
  BadTest: 'E_BAD_TEST',
  /** Command-line usage error. */
  Usage: 'E_USAGE',
  /** A file could not be read or written. */
  Io: 'E_IO',
  /** Configuration does not validate. */
  Config: 'E_CONFIG',
  /** A rule's group map reached its cap. */
  GroupCap: 'E_GROUP_CAP',
  /** A request carries more than a limit allows (events per request). */
  TooLarge: 'E_TOO_LARGE',
  /** The intake queue is full; the sender should retry shortly. */
  Busy: 'E_BUSY',
  /** A rule set holds more rules than `engine.maxRules`. */
  TooManyRules: 'E_TOO_MANY_RULES',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base error: a stable code, a message for people, and the underlying cause if any. */
export class VigilError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigilError';
    this.code = code;
  }
}

/** One problem in a rule file, printed as `file:line:col: message`. */
export interface Diagnostic {
  readonly code: ErrorCode;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Formats a diagnostic the way compilers do, so editors can jump to it. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** Orders diagnostics by file, then position. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col;
}

/** Thrown when a rule set has diagnostics; carries all of them, not just the first. */
export class RuleSetError extends VigilError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics[0]?.code ?? ErrorCode.Check, diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'RuleSetError';
    this.diagnostics = diagnostics;
  }
}
