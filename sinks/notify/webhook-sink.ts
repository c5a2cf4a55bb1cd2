/**
 * The webhook sink: POSTs each batch as one JSON request, in vigil's own format or as a
 * Slack incoming-webhook message, optionally signed (see `signature.ts`).
 */

import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { SinkError, type Notification, type Sink } from '../../engine/model/notification.js';
import { signWebhook } from './signature.js';
import { deadline } from '../../runtime/deadline.js';
import { abortedError, headerKey } from './send-support.js';
import { notificationJson } from './notification-json.js';
import { alertmanagerWebhookBody } from './alertmanager-webhook-body.js';

/** One extra request header from the channel (`header "Authorization" "Bearer ..."`). */
export interface WebhookHeader {
  readonly name: string;
  readonly value: string;
}

/** What `createWebhookSink` needs; the rule loader fills it from a `webhook` channel. */
export interface WebhookSinkOptions {
  /** The channel's name. */
  readonly name: string;
  /** http(s) URL to POST to. It may hold a token, so it is never printed whole. */
  readonly url: string;
  /**
   * `json`: vigil's format (see `createWebhookSink`); `slack`: `{"text": ...}` for Slack;
   * `alertmanager`: Alertmanager's webhook JSON (see `alertmanager-webhook-body.ts`).
   */
  readonly format: 'json' | 'slack' | 'alertmanager';
  /** vigil's public URL: the `externalURL` of Alertmanager-format bodies. */
  readonly externalUrl?: () => string;
  /** When set, every request carries `X-Vigil-Signature` (see `signature.ts`). */
  readonly secret?: string;
  /** Extra headers; they may not replace the ones the sink sets itself. */
  readonly headers: readonly WebhookHeader[];
  /** The longest one request may take, from connecting to reading the status. */
  readonly timeoutMs: number;
}

/** Headers the sink owns: a channel may not set them, so a signature always means what it says. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'host',
  'connection',
  'x-vigil-key',
  'x-vigil-timestamp',
  'x-vigil-signature',
  'x-vigil-redelivery',
]);

/**
 * Creates a sink that POSTs each batch to `options.url` with `content-type: application/json`.
 *
 * With `format: 'json'` the body is:
 *
 * ```json
 * {
 *   "version": "1",
 *   "channel": "<channel name>",
 *   "notifications": [
 *     {
 *       "key": "<idempotency key>",
 *       "kind": "firing" | "resolved" | "repeat" | "escalation",
 *       "time": "<ISO-8601, when the notification was decided>",
 *       "step": 0,
 *       "incident": {
 *         "id": "<incident id>",
 *         "rule": "<rule name>",
 *         "state": "firing" | "acknowledged" | "resolved",
 *         "severity": "<severity>",
 *         "labels": { "<name>": "<value>" },
 *         "value": <number | string | boolean | null>,
 *         "summary": "<rendered summary, '' when none>",
 *         "openedAt": "<ISO-8601>",
 *         "resolvedAt": "<ISO-8601>" | null,
 *         "url": "<link to the incident>"
 *       }
 *     }
 *   ]
 * }
 * ```
 *
 * With `format: 'alertmanager'` it is Alertmanager's webhook message, version 4
 * (`receiver`, `status`, `alerts`, `groupLabels`, `commonLabels`, `commonAnnotations`,
 * `externalURL`, `version`, `groupKey`, `truncatedAlerts`; see `alertmanager-webhook-body.ts`).
 *
 * With `format: 'slack'` it is `{"text": "..."}` with one line per notification:
 * `:red_circle: FIRING minitwit_down host=web1 — MiniTwit is down on web1 <URL|incident>`
 * (`:large_green_circle:` RESOLVED, `:large_yellow_circle:` ACKNOWLEDGED; labels sorted by
 * name; ` (repeat)` or ` (escalation)` after the labels for those kinds; `value V` when the
 * summary is empty; `&`, `<` and `>` escaped so no value can mention or link).
 *
 * Every request carries `X-Vigil-Key`, the batch's idempotency keys joined by `,` (bytes
 * outside printable ASCII, `%` and `,` percent-encoded), so a receiver can drop resends;
 * `X-Vigil-Timestamp`, unix seconds; `X-Vigil-Redelivery: true` when a send of these keys
 * was started before (a retry, or a send cut short by a crash), so the receiver may have
 * them already and should drop the keys it has; and, with a secret, `X-Vigil-Signature:
 * sha256=<hex HMAC-SHA256(secret, "<X-Vigil-Timestamp>.<raw body>")>` (see `signature.ts`).
 *
 * Delivery: 2xx is success. 408, 429 and 5xx throw `http_server_error` (retryable); any
 * other status, including a redirect (never followed, so signed requests go nowhere else),
 * throws `http_client_error` (not retryable); network failures `connection` (retryable),
 * except a server certificate that does not check out: `config` (not retryable);
 * exceeding `timeoutMs` `timeout` (retryable); the caller's abort `aborted` (not
 * retryable: the caller chose to stop). Error messages name the channel and
 * `scheme://host:port` only: webhook URLs often carry their token in the path (Slack,
 * Discord) or query, and the secret and header values are never printed.
 */
export function createWebhookSink(options: WebhookSinkOptions): Sink {
  const { name, format, secret, timeoutMs } = options;
  const url = parseWebhookUrl(name, options.url);
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const where = `webhook channel "${name}" (${url.protocol}//${url.hostname}:${port})`;
  if (format !== 'json' && format !== 'slack' && format !== 'alertmanager') {
    throw new VigilError(ErrorCode.Config, `webhook channel "${name}": format must be json, slack or alertmanager`);
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new VigilError(ErrorCode.Config, `webhook channel "${name}": timeout must be positive`);
  }
  if (secret === '') {
    throw new VigilError(ErrorCode.Config, `webhook channel "${name}": the secret is empty`);
  }
  const custom = customHeaders(name, options.headers);

  return {
    name,
    async send(batch: readonly Notification[], signal: AbortSignal): Promise<void> {
      if (batch.length === 0) return;
      if (signal.aborted) throw abortedError(where);

      const body = JSON.stringify(
        format === 'slack' ? slackBody(batch) : format === 'alertmanager' ? alertmanagerWebhookBody(name, options.externalUrl?.() ?? '', batch) : jsonBody(name, batch),
      );
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = new Headers(custom);
      headers.set('content-type', 'application/json');
      headers.set('x-vigil-key', batch.map((n) => headerKey(n.key)).join(','));
      headers.set('x-vigil-timestamp', timestamp);
      if (batch.some((n) => n.redelivery === true)) headers.set('x-vigil-redelivery', 'true');
      if (secret !== undefined) headers.set('x-vigil-signature', signWebhook(secret, timestamp, body));

      const limit = deadline(signal, timeoutMs);
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: limit.signal });
        // Only the status matters; dropping the body frees the connection.
        await response.body?.cancel().catch(() => {});
      } catch (error) {
        if (signal.aborted) throw abortedError(where);
        if (limit.expired()) throw new SinkError('timeout', true, `${where}: no answer within ${timeoutMs} ms`);
        // undici's errors may quote the URL, so only their code is kept.
        const code = networkCode(error);
        if (CERTIFICATE_ERROR.test(code)) {
          throw new SinkError('config', false, `${where}: server certificate rejected (${code})`);
        }
        throw new SinkError('connection', true, `${where}: request failed${code !== '' ? ` (${code})` : ''}`);
      } finally {
        limit.dispose();
      }

      const status = response.status;
      if (status >= 200 && status < 300) return;
      if (status === 408 || status === 429 || status >= 500) {
        throw new SinkError('http_server_error', true, `${where}: HTTP ${status}`);
      }
      const note = status < 400 ? ' (redirects are not followed)' : '';
      throw new SinkError('http_client_error', false, `${where}: HTTP ${status}${note}`);
    },
  };
}

function parseWebhookUrl(name: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VigilError(ErrorCode.Config, `webhook channel "${name}": the url is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VigilError(ErrorCode.Config, `webhook channel "${name}": the url must be http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses credentials in URLs; they belong in a header.
    throw new VigilError(
      ErrorCode.Config,
      `webhook channel "${name}": the url may not hold a user name or password; use header "Authorization" instead`,
    );
  }
  return url;
}

function customHeaders(name: string, list: readonly WebhookHeader[]): Headers {
  const headers = new Headers();
  for (const { name: header, value } of list) {
    if (RESERVED_HEADERS.has(header.toLowerCase())) {
      throw new VigilError(ErrorCode.Config, `webhook channel "${name}": header "${header}" is set by vigil`);
    }
    try {
      headers.append(header, value);
    } catch {
      // The value is not quoted: it may be a credential.
      throw new VigilError(ErrorCode.Config, `webhook channel "${name}": header "${header}" is not a valid header`);
    }
  }
  return headers;
}




/** Node's codes for a server certificate that does not check out. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;

/** The system error code of a failed fetch (`ECONNREFUSED`, `ENOTFOUND`, ...), or ''. */
function networkCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  }
  return '';
}

function jsonBody(channel: string, batch: readonly Notification[]): unknown {
  return { version: '1', channel, notifications: batch.map(notificationJson) };
}

const SLACK_EMOJI = {
  firing: ':red_circle:',
  acknowledged: ':large_yellow_circle:',
  resolved: ':large_green_circle:',
} as const;

/** Slack treats `&`, `<` and `>` as markup (links, mentions such as `<!channel>`). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackLine(n: Notification): string {
  const i = n.incident;
  const labels = Object.keys(i.labels)
    .sort()
    .map((k) => `${k}=${i.labels[k]}`)
    .join(' ');
  let line = `${i.state.toUpperCase()} ${i.rule}`;
  if (labels !== '') line += ` ${labels}`;
  if (n.kind !== 'firing' && n.kind !== 'resolved') line += ` (${n.kind})`;
  const detail = i.summary !== '' ? i.summary : i.value !== null ? `value ${String(i.value)}` : '';
  if (detail !== '') line += ` — ${detail}`;
  line = `${SLACK_EMOJI[i.state] ?? ':white_circle:'} ${slackEscape(line)}`;
  const link = slackLink(i.url);
  return link === '' ? line : `${line} <${link}|incident>`;
}

/** The incident URL made safe inside `<url|text>`, or '' when it is not http(s). */
function slackLink(text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return '';
    return slackEscape(url.href).replace(/\|/g, '%7C');
  } catch {
    return '';
  }
}

function slackBody(batch: readonly Notification[]): { text: string } {
  return { text: batch.map(slackLine).join('\n') };
}
