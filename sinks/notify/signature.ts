/**
 * Webhook signatures. A webhook with a secret carries
 *
 *     X-Vigil-Timestamp: <unix seconds>
 *     X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * where `<timestamp>` is the header's value exactly as sent, `.` is one full stop and
 * `<body>` is the raw request body bytes (UTF-8 JSON). Signing the timestamp with the body
 * lets a receiver reject replays: verify the signature, then refuse timestamps older than
 * a few minutes.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/;

function digest(secret: string, timestamp: number | string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/**
 * The `X-Vigil-Signature` value for a body sent at `timestamp` (unix seconds):
 * `sha256=` and the lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed by `secret`.
 */
export function signWebhook(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return PREFIX + digest(secret, timestamp, body).toString('hex');
}

/**
 * Whether `header` (an `X-Vigil-Signature` value) signs `body` sent at `timestamp` with
 * `secret`. Compares in constant time so the check leaks nothing about the expected value;
 * pass the raw body bytes as received, not re-serialised JSON.
 */
export function verifyWebhook(
  secret: string,
  timestamp: number | string,
  body: string | Uint8Array,
  header: string | null | undefined,
): boolean {
  if (typeof header !== 'string' || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length).trim().toLowerCase();
  if (!HEX_DIGEST.test(hex)) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), digest(secret, timestamp, body));
}
