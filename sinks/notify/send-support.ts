import { SinkError } from '../../engine/model/notification.js';

/** Helpers the network sinks share. */

/**
 * A key as it goes into a header: printable ASCII stays, anything else (and `%` and `,`,
 * which separate and escape) is percent-encoded as UTF-8, so any key fits in one header
 * line and the list splits unambiguously on commas.
 */
export function headerKey(key: string): string {
  return key.replace(/[^\x21-\x24\x26-\x2b\x2d-\x7e]/gu, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** The error a send throws when the caller aborted it: never retried. */
export function abortedError(where: string): SinkError {
  return new SinkError('aborted', false, `${where}: aborted`);
}
