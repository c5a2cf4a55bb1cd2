/**
 * A real SMTP server for sink tests (smtp-server on 127.0.0.1, a free port), recording
 * every accepted message parsed with mailparser, and told when to refuse or stall.
 */

import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message the server accepted. */
export interface ReceivedEmail {
  /** SMTP envelope: MAIL FROM and RCPT TO addresses. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The From and To headers as text. */
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** Message-ID, angle brackets included. */
  readonly messageId: string;
  /** Header values by lower-case name, as mailparser decodes them. */
  readonly headers: ReadonlyMap<string, unknown>;
  /** The message source as received. */
  readonly raw: string;
}

/** The SMTP command a refusal answers. */
export type SmtpStage = 'mail' | 'rcpt' | 'data';

/** How the test server behaves. */
export interface TestSmtpServerOptions {
  /** Require this login (over plain text; the test server allows it). */
  readonly auth?: { readonly user: string; readonly password: string };
  /** Offer STARTTLS with smtp-server's built-in self-signed certificate. */
  readonly starttls?: boolean;
}

/** A running test server. */
export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  /** Messages accepted so far, in order. */
  readonly messages: readonly ReceivedEmail[];
  /** Answer `stage` of the next `times` deliveries with `code` (e.g. 450, 550). */
  reject(stage: SmtpStage, code: number, times?: number): void;
  /** Take the message data of the next `times` deliveries but never answer. */
  hang(times?: number): void;
  stop(): Promise<void>;
}

function replyError(code: number): Error & { responseCode: number } {
  const text = code >= 500 ? 'Requested action not taken: refused by test server' : 'Try again later: test server busy';
  return Object.assign(new Error(text), { responseCode: code });
}

/** Starts a test SMTP server on 127.0.0.1 at a free port. */
export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedEmail[] = [];
  const rejections: { stage: SmtpStage; code: number; times: number }[] = [];
  let hangs = 0;

  /** Takes one planned refusal for `stage`, if any. */
  const refusal = (stage: SmtpStage): Error | null => {
    const plan = rejections.find((r) => r.stage === stage && r.times > 0);
    if (plan === undefined) return null;
    plan.times--;
    return replyError(plan.code);
  };

  const disabled: string[] = [];
  if (!options.starttls) disabled.push('STARTTLS');
  if (!options.auth) disabled.push('AUTH');
  const settings: SMTPServerOptions = {
    logger: false,
    disabledCommands: disabled,
    authOptional: !options.auth,
    allowInsecureAuth: true,
    closeTimeout: 100,
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
      }
    },
    onMailFrom(_address, _session, callback) {
      callback(refusal('mail'));
    },
    onRcptTo(_address, _session, callback) {
      callback(refusal('rcpt'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (hangs > 0) {
          hangs--;
          return;
        }
        const refused = refusal('data');
        if (refused) return callback(refused);
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
            messages.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              from: mail.from?.text ?? '',
              to,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              messageId: mail.messageId ?? '',
              headers: mail.headers,
              raw: raw.toString('utf8'),
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    reject(stage, code, times = 1) {
      rejections.push({ stage, code, times });
    },
    hang(times = 1) {
      hangs += times;
    },
    stop() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
