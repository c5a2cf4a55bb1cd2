import type { Sink } from '../engine/model/notification.js';
import type { RuleSet } from '../rules/compile.js';
import type { Producer } from 'kafkajs';
import { createEmailSink } from '../sinks/notify/email-sink.js';
import { createKafkaSink } from '../sinks/kafka/kafka-sink.js';
import { createLogSink } from '../sinks/notify/log-sink.js';
import { createWebhookSink } from '../sinks/notify/webhook-sink.js';
import { durationMs, type Config } from './config.js';

/**
 * One sink per declared channel, from the rule set and the configuration (SMTP settings,
 * timeouts). Secrets come from the environment: `env(...)` in rule files, `smtp.passwordEnv`.
 * A `kafka` channel needs `kafka.brokers`: without a producer its notifications fail with
 * reason `config`.
 */
export function buildSinks(
  ruleSet: RuleSet,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  writeLog: (line: string) => void,
  kafkaProducer?: Producer,
  /** vigil's public URL, for formats that carry it (Alertmanager's `externalURL`). */
  externalUrl?: () => string,
): Map<string, Sink> {
  const sinks = new Map<string, Sink>();
  const timeoutMs = durationMs(config.notifications.timeout);
  for (const { decl } of ruleSet.channels.values()) {
    const name = decl.name.name;
    switch (decl.type) {
      case 'email':
        sinks.set(
          name,
          createEmailSink({
            name,
            to: decl.to.map((t) => t.value),
            subject: decl.subject?.value,
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
            url: decl.url.value,
            format: decl.format?.value ?? 'json',
            secret: decl.secret === undefined ? undefined : env[decl.secret.name],
            headers: decl.headers.map((h) => ({ name: h.name.value, value: h.value.value })),
            timeoutMs,
            ...(externalUrl === undefined ? {} : { externalUrl }),
          }),
        );
        break;
      case 'log':
        sinks.set(name, createLogSink({ name, write: writeLog }));
        break;
      case 'kafka':
        if (kafkaProducer !== undefined) sinks.set(name, createKafkaSink({ name, topic: decl.topic.value, producer: kafkaProducer, timeoutMs }));
        break;
    }
  }
  return sinks;
}
