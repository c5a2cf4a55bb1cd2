/** Longest message a probe reports; event fields stay small. */
const MAX_MESSAGE_CHARS = 200;

/** Shortens text to one line of at most `maxChars` characters. */
export function oneLine(text: string, maxChars: number = MAX_MESSAGE_CHARS): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxChars ? line : `${line.slice(0, maxChars - 3)}...`;
}

/**
 * A probe failure as a short message: Node's own wording plus its code when the wording
 * lacks it (`self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)`). A failed dual-stack
 * connect (an AggregateError with an empty message) is described by its first attempt.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const code = (error as NodeJS.ErrnoException).code;
  let message = error.message;
  if (message === '' && error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (message === '') message = code ?? error.name;
  return oneLine(typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message);
}
