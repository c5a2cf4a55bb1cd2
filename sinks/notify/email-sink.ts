/**
 * The email sink: one message per batch through an SMTP server (nodemailer), with a plain
 * text and an HTML part, headers that identify resends, and SMTP failures mapped to
 * `SinkError` reasons.
 */

import { createHash } from 'node:crypto';
import nodemailer, { type NodemailerError, type SMTPTransportOptions } from 'nodemailer';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { SinkError, type Notification, type Sink } from '../../engine/model/notification.js';
import { renderTemplate } from '../../engine/template.js';
import { deadline } from '../../runtime/deadline.js';
import { abortedError, headerKey } from './send-support.js';

/** How to reach the SMTP server; the configuration layer fills it from `vigil.yaml`. */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (SMTPS, usually port 465); `starttls` is then unused. */
  readonly secure: boolean;
  /**
   * STARTTLS on a plain connection: `required` fails unless the server upgrades,
   * `opportunistic` upgrades when the server offers it (a failed upgrade fails the send,
   * it never falls back to plain text), `off` never upgrades.
   */
  readonly starttls: 'required' | 'opportunistic' | 'off';
  /** Log in with `user` and `password` (both or neither). */
  readonly user?: string;
  readonly password?: string;
  /** The longest one delivery may take, from connecting to the server's last reply. */
  readonly timeoutMs: number;
  /** Check the server's certificate; default true. Turn off only for a self-signed test server. */
  readonly tlsRejectUnauthorized?: boolean;
}

/** What `createEmailSink` needs; the rule loader fills it from an `email` channel. */
export interface EmailSinkOptions {
  /** The channel's name. */
  readonly name: string;
  /** Recipients, at least one. */
  readonly to: readonly string[];
  /**
   * The channel's subject template. `{rule}`, `{state}` (upper case), `{severity}`,
   * `{kind}`, `{summary}`, `{value}`, `{labels}` (`k=v, ...`), `{count}` and the alert's
   * label names are replaced from the batch's first notification; a batch of several
   * adds ` (+N more)`. Default: `[vigil] FIRING rule (k=v, ...)`.
   */
  readonly subject?: string;
  readonly smtp: SmtpSettings;
  /** The sender, `alerts@example.com` or `Vigil <alerts@example.com>`. */
  readonly from: string;
}

/**
 * Creates a sink that sends each batch as one email to `options.to`. The message carries
 * `X-Vigil-Key` (the batch's idempotency keys, comma separated, encoded as for webhooks:
 * bytes outside printable ASCII, `%` and `,` percent-encoded) and a `Message-ID` derived
 * from those keys, so a resend of the same batch is recognisable as the same message.
 *
 * Failures: connection refused, DNS and socket errors throw `connection` (retryable);
 * running past `timeoutMs` `timeout` (retryable); an SMTP 4xx reply `smtp_temporary`
 * (retryable); a 5xx reply `smtp_rejected` (not retryable); a refused STARTTLS, a server
 * certificate that does not check out, missing credentials and invalid addresses `config`
 * (not retryable: they stay until someone fixes them); the caller's abort `aborted` (not
 * retryable; the connection is closed at once). When the server accepts some recipients
 * and refuses others, the send counts as delivered: retrying would mail the accepted ones
 * twice. Error messages quote the server's reply but never the password.
 */
export function createEmailSink(options: EmailSinkOptions): Sink {
  const { name, subject, from, smtp } = options;
  const to = [...options.to];
  validate(options);
  const where = `email channel "${name}" (smtp ${smtp.host}:${smtp.port})`;
  const transportOptions: SMTPTransportOptions = {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.starttls === 'required',
    ignoreTLS: !smtp.secure && smtp.starttls === 'off',
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    dnsTimeout: smtp.timeoutMs,
    tls: { rejectUnauthorized: smtp.tlsRejectUnauthorized ?? true },
    logger: false,
    debug: false,
  };
  if (smtp.user !== undefined) transportOptions.auth = { user: smtp.user, pass: smtp.password ?? '' };
  const messageIdDomain = domainOf(from);

  return {
    name,
    async send(batch: readonly Notification[], signal: AbortSignal): Promise<void> {
      if (batch.length === 0) return;
      if (signal.aborted) throw abortedError(where);
      const keys = batch.map((n) => n.key);
      const limit = deadline(signal, smtp.timeoutMs);
      // A transport per send: it holds at most this one connection, so closing it on
      // abort ends exactly this delivery.
      const transport = nodemailer.createTransport(transportOptions);
      try {
        await transport.sendMail({
          from,
          to,
          subject: emailSubject(batch, subject),
          text: emailText(name, batch),
          html: emailHtml(name, batch),
          messageId: `<${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 40)}@${messageIdDomain}>`,
          headers: {
            'X-Vigil-Key': keys.map(headerKey).join(', '),
            // RFC 3834: keeps out-of-office replies from answering alerts.
            'Auto-Submitted': 'auto-generated',
          },
          signal: limit.signal,
        });
      } catch (error) {
        if (signal.aborted) throw abortedError(where);
        if (limit.expired()) throw new SinkError('timeout', true, `${where}: not delivered within ${smtp.timeoutMs} ms`);
        throw classify(error as NodemailerError, where, smtp);
      } finally {
        limit.dispose();
        transport.close();
      }
    },
  };
}

function validate(options: EmailSinkOptions): void {
  const { name, to, from, smtp } = options;
  const fail = (message: string): never => {
    throw new VigilError(ErrorCode.Config, `email channel "${name}": ${message}`);
  };
  if (to.length === 0) fail('needs at least one recipient');
  if (to.some((address) => address.trim() === '' || /[\r\n]/.test(address))) fail('a recipient address is empty or invalid');
  if (from.trim() === '' || /[\r\n]/.test(from)) fail('the sender address is empty or invalid');
  if (smtp.host.trim() === '') fail('smtp host is empty');
  if (!Number.isInteger(smtp.port) || smtp.port < 1 || smtp.port > 65535) fail('smtp port must be 1-65535');
  if (!['required', 'opportunistic', 'off'].includes(smtp.starttls)) fail('smtp starttls must be required, opportunistic or off');
  if (!Number.isFinite(smtp.timeoutMs) || smtp.timeoutMs <= 0) fail('smtp timeout must be positive');
  if ((smtp.user === undefined) !== (smtp.password === undefined)) fail('smtp user and password go together');
}



/** Node's codes for a server certificate that does not check out. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;

/** Maps a nodemailer failure to a reason; see `createEmailSink`. */
function classify(error: NodemailerError, where: string, smtp: SmtpSettings): SinkError {
  const code = typeof error?.code === 'string' ? error.code : '';
  const original = typeof error?.originalCode === 'string' && /^[A-Z0-9_]{2,40}$/.test(error.originalCode) ? error.originalCode : '';
  const detail = original !== '' ? `${code} ${original}` : code;
  // A refused STARTTLS carries the server's reply, but no retry makes the server offer TLS.
  if (code === 'ETLS' || code === 'EREQUIRETLS') return new SinkError('config', false, `${where}: TLS failed (${detail})`);
  if (CERTIFICATE_ERROR.test(original) || CERTIFICATE_ERROR.test(code)) {
    return new SinkError('config', false, `${where}: server certificate rejected (${detail})`);
  }
  const reply = typeof error?.responseCode === 'number' ? error.responseCode : 0;
  if (reply >= 400 && reply < 600) {
    const command = typeof error.command === 'string' && /^[A-Z -]{1,20}$/.test(error.command) ? ` to ${error.command}` : '';
    const text = serverReply(error.response, smtp.password);
    const message = `${where}: server answered${command}: ${text || reply}`;
    return reply < 500 ? new SinkError('smtp_temporary', true, message) : new SinkError('smtp_rejected', false, message);
  }
  switch (code) {
    case 'ETIMEDOUT':
      return new SinkError('timeout', true, `${where}: timed out (${detail})`);
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'EPROXY':
      return new SinkError('connection', true, `${where}: connection failed (${detail})`);
    case 'EAUTH':
    case 'ENOAUTH':
      return new SinkError('config', false, `${where}: login failed (${detail})`);
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EMAXRECIPIENTS':
    case 'ECONFIG':
      return new SinkError('config', false, `${where}: message refused before sending (${detail})`);
    default:
      // An unknown failure is most likely the network; a retry costs little.
      return new SinkError('connection', true, `${where}: send failed${detail !== '' ? ` (${detail})` : ''}`);
  }
}

/** The server's reply, one line, without control characters, the password, or excess length. */
function serverReply(response: unknown, password: string | undefined): string {
  if (typeof response !== 'string') return '';
  let text = response.split(/\r?\n/)[0]!.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (password !== undefined && password !== '') text = text.split(password).join('***');
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** The domain of the sender, for Message-IDs; a fixed one when it has none usable. */
function domainOf(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match ? match[1]!.toLowerCase() : 'vigil.invalid';
}


/** Header values are single lines. */
function headerSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

function valueText(value: Notification['incident']['value']): string {
  return value === null ? '-' : String(value);
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** `FIRING rule (k=v)` plus `[escalation]`/`[repeat]`: the one-line headline of a notification. */
function headline(n: Notification): string {
  const labels = labelText(n.incident.labels);
  let text = `${n.incident.state.toUpperCase()} ${n.incident.rule}`;
  if (labels !== '') text += ` (${labels})`;
  if (n.kind !== 'firing' && n.kind !== 'resolved') text += ` [${n.kind}]`;
  return text;
}

function emailSubject(batch: readonly Notification[], template: string | undefined): string {
  const first = batch[0]!;
  let subject: string;
  if (template !== undefined && template !== '') {
    const i = first.incident;
    subject = renderTemplate(template, {
      ...i.labels,
      rule: i.rule,
      state: i.state.toUpperCase(),
      severity: i.severity,
      kind: first.kind,
      summary: i.summary,
      value: i.value,
      labels: labelText(i.labels),
      count: batch.length,
    });
    if (batch.length > 1) subject += ` (+${batch.length - 1} more)`;
  } else if (batch.length === 1) {
    subject = `[vigil] ${headline(first)}`;
  } else {
    const rules = [...new Set(batch.map((n) => n.incident.rule))].join(', ');
    const states = new Map<string, number>();
    for (const n of batch) {
      const state = n.incident.state.toUpperCase();
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    const counts = [...states].map(([state, count]) => `${count} ${state}`).join(', ');
    subject = `[vigil] ${batch.length} notifications for ${rules}: ${counts}`;
  }
  const oneLine = headerSafe(subject).replace(/\s+/g, ' ').trim();
  return oneLine.length > 250 ? `${oneLine.slice(0, 250)}...` : oneLine;
}

/** The fields shown for each notification, in order, as [label, text]. */
function fields(n: Notification): [string, string][] {
  const i = n.incident;
  return [
    ['kind', n.kind],
    ['rule', i.rule],
    ['state', i.state],
    ['severity', i.severity],
    ['labels', labelText(i.labels) || '-'],
    ['value', valueText(i.value)],
    ['summary', i.summary || '-'],
    ['opened', iso(i.openedAt)],
    ['resolved', iso(i.resolvedAt)],
    ['incident', i.url],
    // A posted alert's annotations (description, runbook_url, ...) and where it came from.
    ...Object.keys(i.posted?.annotations ?? {})
      .filter((k) => k !== 'summary')
      .sort()
      .map((k): [string, string] => [k, i.posted!.annotations[k]!]),
    ...(i.posted !== undefined && i.posted.generatorURL !== '' ? [['source', i.posted.generatorURL] as [string, string]] : []),
    // One click, no token: each link works once and expires.
    ...(n.links === undefined || i.state === 'resolved'
      ? []
      : [
          ['ack', n.links.ack],
          ['silence', n.links.silence],
        ] as [string, string][]),
  ];
}

function emailText(channel: string, batch: readonly Notification[]): string {
  const blocks = batch.map((n) => {
    const lines = [headline(n)];
    if (n.incident.summary !== '') lines.push(n.incident.summary);
    lines.push('');
    for (const [label, text] of fields(n)) lines.push(`  ${label.padEnd(9)} ${text}`);
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n\n-- \nSent by vigil, channel "${channel}".\n`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A link for http(s) URLs only; anything else (`javascript:` ...) is shown as text. */
function linkHtml(url: string): string {
  const safe = escapeHtml(url);
  return /^https?:\/\//i.test(url) ? `<a href="${safe}">${safe}</a>` : safe;
}

const STATE_COLOURS = { firing: '#c62828', acknowledged: '#ef6c00', resolved: '#2e7d32' } as const;

function emailHtml(channel: string, batch: readonly Notification[]): string {
  const blocks = batch.map((n) => {
    const rows = fields(n)
      .map(([label, text]) => {
        const cell = label === 'incident' ? linkHtml(text) : escapeHtml(text);
        return `<tr><th align="left" style="padding:2px 12px 2px 0">${label}</th><td>${cell}</td></tr>`;
      })
      .join('\n');
    const colour = STATE_COLOURS[n.incident.state] ?? '#555555';
    const summary = n.incident.summary !== '' ? `<p>${escapeHtml(n.incident.summary)}</p>\n` : '';
    return `<h2 style="color:${colour}">${escapeHtml(headline(n))}</h2>\n${summary}<table>\n${rows}\n</table>`;
  });
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    blocks.join('\n<hr>\n'),
    `<p style="color:#777777">Sent by vigil, channel &quot;${escapeHtml(channel)}&quot;.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
