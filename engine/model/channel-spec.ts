/**
 * A notification channel as the rule compiler emits it: plain data, one shape per channel
 * type, with where it was declared so that problems found when vigil builds its sinks
 * (a secret that is not set) point at the rule file. Secrets are never part of it: a
 * webhook names the environment variable that holds its secret, and the service reads
 * the value when it starts or reloads.
 */

/** A place in a rule file, for messages: `file:line:col`. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** What every channel has: its name and where it was declared. */
interface ChannelBase {
  readonly name: string;
  readonly pos: SourcePos;
}

/** `channel NAME email { to ... [subject ...] [batch D] }` */
export interface EmailChannelSpec extends ChannelBase {
  readonly type: 'email';
  readonly to: readonly string[];
  readonly subject?: string;
  /** 0 when the channel does not batch. */
  readonly batchMs: number;
}

/** A header a webhook sends with every request. */
export interface HeaderSpec {
  readonly name: string;
  readonly value: string;
}

/** `channel NAME webhook { url ... [format json|slack] [secret env(NAME)] [header ...]* [batch D] }` */
export interface WebhookChannelSpec extends ChannelBase {
  readonly type: 'webhook';
  readonly url: string;
  readonly format: 'json' | 'slack' | 'alertmanager';
  /** The name of the environment variable holding the signing secret, never its value. */
  readonly secretEnv?: string;
  /** Where `env(...)` was written, for the message when the variable is not set. */
  readonly secretPos?: SourcePos;
  readonly headers: readonly HeaderSpec[];
  /** 0 when the channel does not batch. */
  readonly batchMs: number;
}

/** `channel NAME kafka { topic ... }` */
export interface KafkaChannelSpec extends ChannelBase {
  readonly type: 'kafka';
  readonly topic: string;
}

/** `channel NAME log { }`: one NDJSON line per notification on standard output. */
export interface LogChannelSpec extends ChannelBase {
  readonly type: 'log';
}

/** One compiled channel declaration, told apart by `type`. */
export type ChannelSpec = EmailChannelSpec | WebhookChannelSpec | KafkaChannelSpec | LogChannelSpec;
