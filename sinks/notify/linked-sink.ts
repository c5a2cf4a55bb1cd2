import type { ActionLinkSigner } from '../../engine/model/action-link.js';
import type { Notification, Sink } from '../../engine/model/notification.js';

/** How long a one-click link works, and how long the silence it creates lasts. */
export const LINK_TTL_MS = 24 * 3_600_000;
export const LINK_SILENCE_MS = 3_600_000;

/**
 * A sink whose notifications carry signed one-click acknowledge and silence links, to
 * `{publicUrl}/v1/links?t={token}`. Links are signed at send time on the wall clock (they
 * are no part of the deterministic core) and expire `ttlMs` later.
 */
export function withActionLinks(options: {
  readonly sink: Sink;
  readonly signer: ActionLinkSigner;
  readonly publicUrl: () => string;
  readonly now?: () => number;
  readonly ttlMs?: number;
}): Sink {
  const { sink, signer } = options;
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? LINK_TTL_MS;
  const linked = (n: Notification): Notification => {
    const expiresAt = now() + ttlMs;
    const url = (action: 'ack' | 'silence') =>
      `${options.publicUrl()}/v1/links?t=${signer.sign({ action, incident: n.incident.id, expiresAt, silenceMs: LINK_SILENCE_MS, nonce: n.key })}`;
    return { ...n, links: { ack: url('ack'), silence: url('silence') } };
  };
  return {
    name: sink.name,
    send: (batch, signal) => sink.send(batch.map(linked), signal),
  };
}
