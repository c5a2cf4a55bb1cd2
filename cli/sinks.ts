import type { ActionLinkSigner } from '../engine/model/action-link.js';
import { withActionLinks } from '../sinks/notify/linked-sink.js';
import type { ChannelSpec } from '../engine/model/channel-spec.js';
import { compareDiagnostics, ErrorCode, RuleSetError, type Diagnostic } from '../engine/model/errors.js';
import type { Sink } from '../engine/model/notification.js';
import type { RuleSet } from '../rules/compile.js';
import type { LoadResult } from '../rules/load.js';
import type { Producer } from 'kafkajs';
import { createEmailSink } from '../sinks/notify/email-sink.js';
import { createKafkaSink } from '../sinks/kafka/kafka-sink.js';
import { createLogSink } from '../sinks/notify/log-sink.js';
import { createWebhookSink } from '../sinks/notify/webhook-sink.js';
import { durationMs } from '../engine/model/duration.js';
import type { Config } from './config.js';

/** The process environment, or a stand-in for it. */
type Env = Readonly<Record<string, string | undefined>>;

/** The value of a channel's secret variable; undefined when it has none or it is not set. */
function secretOf(channel: ChannelSpec, env: Env): string | undefined {
  if (channel.type !== 'webhook' || channel.secretEnv === undefined) return undefined;
  // Only a string counts, so a name such as `constructor` never finds the prototype's.
  const value = env[channel.secretEnv];
  return typeof value === 'string' ? value : undefined;
}

/** One diagnostic per `env(NAME)` whose variable is not set, at the place it is written. */
function missingSecrets(channels: ReadonlyMap<string, ChannelSpec>, env: Env): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const channel of channels.values()) {
    if (channel.type !== 'webhook' || channel.secretEnv === undefined || secretOf(channel, env) !== undefined) continue;
    const at = channel.secretPos ?? channel.pos;
    out.push({ code: ErrorCode.Check, file: at.file, line: at.line, col: at.col, message: `environment variable ${channel.secretEnv} is not set` });
  }
  return out.sort(compareDiagnostics);
}

/**
 * A loaded rule set as the service may run it: refused, like a set that does not compile,
 * when a channel's `env(NAME)` secret is not set in `env` (the language spec makes that a
 * load error). `vigil check` does not look at the environment; `vigil run` does, at start
 * and at every reload.
 */
export function requireSecrets(loaded: LoadResult, env: Env): LoadResult {
  if (!loaded.ok) return loaded;
  const diagnostics = missingSecrets(loaded.ruleSet.channels, env);
  return diagnostics.length === 0 ? loaded : { ok: false, diagnostics, files: loaded.files, sources: loaded.sources };
}

/** The values of the channels' secrets that are set and not empty, so they can be scrubbed from output. */
export function channelSecrets(channels: ReadonlyMap<string, ChannelSpec>, env: Env): string[] {
  return [...channels.values()].flatMap((c) => {
    const value = secretOf(c, env);
    return value === undefined || value === '' ? [] : [value];
  });
}

/**
 * One sink per channel of the rule set, with the configuration (SMTP settings, timeouts).
 * Secrets come from the environment: `env(...)` in rule files, `smtp.passwordEnv`; a set
 * that passed `requireSecrets` has them all, and one that did not is refused here too
 * (RuleSetError) rather than sending unsigned. A `kafka` channel needs `kafka.brokers`:
 * without a producer its notifications fail with reason `config`.
 */
export function buildSinks(
  ruleSet: Pick<RuleSet, 'channels'>,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  writeLog: (line: string) => void,
  kafkaProducer?: Producer,
  /** vigil's public URL, for formats that carry it (Alertmanager's `externalURL`). */
  externalUrl?: () => string,
  /** Signs one-click acknowledge and silence links into every notification (to `externalUrl`). */
  linkSigner?: ActionLinkSigner,
): Map<string, Sink> {
  const missing = missingSecrets(ruleSet.channels, env);
  if (missing.length > 0) throw new RuleSetError(missing);
  const sinks = new Map<string, Sink>();
  const timeoutMs = durationMs(config.notifications.timeout);
  for (const channel of ruleSet.channels.values()) {
    const name = channel.name;
    switch (channel.type) {
      case 'email':
        sinks.set(
          name,
          createEmailSink({
            name,
            to: channel.to,
            subject: channel.subject,
            from: config.smtp.from,
            smtp: {
              host: config.smtp.host,
              port: config.smtp.port,
              secure: config.smtp.secure,
              starttls: config.smtp.starttls,
              user: config.smtp.user || undefined,
              password: config.smtp.passwordEnv ? env[config.smtp.passwordEnv] : undefined,
              timeoutMs: durationMs(config.smtp.timeout),
              tlsRejectUnauthorized: config.smtp.tlsRejectUnauthorized,
            },
          }),
        );
        break;
      case 'webhook':
        sinks.set(
          name,
          createWebhookSink({
            name,
            url: channel.url,
            format: channel.format,
            secret: secretOf(channel, env),
            headers: channel.headers,
            timeoutMs,
            ...(externalUrl === undefined ? {} : { externalUrl }),
          }),
        );
        break;
      case 'log':
        sinks.set(name, createLogSink({ name, write: writeLog }));
        break;
      case 'kafka':
        if (kafkaProducer !== undefined) sinks.set(name, createKafkaSink({ name, topic: channel.topic, producer: kafkaProducer, timeoutMs }));
        break;
    }
  }
  if (linkSigner !== undefined && externalUrl !== undefined) {
    for (const [name, sink] of sinks) sinks.set(name, withActionLinks({ sink, signer: linkSigner, publicUrl: externalUrl }));
  }
  return sinks;
}
