import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed one-click links carried by every notification: a reader of an email or a chat
 * message acknowledges the incident, or silences its alert, without a token. A link names
 * one action on one incident, expires, and works once (the API checks the timeline and the
 * silences for its id). The signature is an HMAC-SHA256 over the link's fields with a
 * secret only the service knows (node's crypto: nothing to write by hand).
 */

/** What a link does. */
export type LinkAction = 'ack' | 'silence';

/** The fields a link carries, signed. */
export interface ActionLink {
  readonly action: LinkAction;
  readonly incident: string;
  /** Epoch ms after which the link is refused. */
  readonly expiresAt: number;
  /** For `silence`: how long the silence lasts. */
  readonly silenceMs: number;
  /** Tells links of one incident apart (the notification's key). */
  readonly nonce: string;
}

/** The result of reading a link: its fields and its id (what marks it used), or why not. */
export type LinkCheck = { readonly ok: true; readonly link: ActionLink; readonly id: string } | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** Signs and reads links with one secret. */
export interface ActionLinkSigner {
  /** The token of a link (URL-safe). */
  sign(link: ActionLink): string;
  /** Checks a token's signature and expiry at `now`. */
  check(token: string, now: number): LinkCheck;
}

/** A signer over `secret` (at least 16 bytes). */
export function actionLinkSigner(options: { readonly secret: Buffer }): ActionLinkSigner {
  if (options.secret.length < 16) throw new Error('the link secret must be at least 16 bytes');
  const mac = (payload: string): Buffer => createHmac('sha256', options.secret).update(payload, 'utf8').digest();
  return {
    sign(link) {
      const payload = b64(JSON.stringify([link.action, link.incident, link.expiresAt, link.silenceMs, link.nonce]));
      return `${payload}.${mac(payload).toString('base64url')}`;
    },
    check(token, now) {
      const dot = token.indexOf('.');
      if (dot <= 0 || token.length > 4096) return { ok: false, reason: 'invalid' };
      const payload = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const want = mac(payload);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'invalid' };
      let fields: unknown;
      try {
        fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (!Array.isArray(fields) || fields.length !== 5) return { ok: false, reason: 'invalid' };
      const [action, incident, expiresAt, silenceMs, nonce] = fields as unknown[];
      if ((action !== 'ack' && action !== 'silence') || typeof incident !== 'string' || typeof expiresAt !== 'number' || typeof silenceMs !== 'number' || typeof nonce !== 'string') {
        return { ok: false, reason: 'invalid' };
      }
      if (now >= expiresAt) return { ok: false, reason: 'expired' };
      // The id marks the link used: the first 16 bytes of its signature.
      return { ok: true, link: { action, incident, expiresAt, silenceMs, nonce }, id: want.subarray(0, 16).toString('hex') };
    },
  };
}
