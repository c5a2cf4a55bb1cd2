import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { DURATION_SOURCE, durationMs } from '../engine/model/duration.js';
import { ErrorCode, VigilError } from '../engine/model/errors.js';
import { syslogConfigSchema, type SyslogConfig } from './config-syslog.js';
import { filesConfigSchema, type FilesConfig } from './config-files.js';
import { dockerConfigSchema, type DockerConfig } from './config-docker.js';
import { scrapeConfigSchema, type ScrapeConfig } from './config-scrape.js';
import { receiveConfigSchema, type ReceiveConfig } from './config-receive.js';
import { statusPageConfigSchema, type StatusPageConfig } from './config-status-page.js';
import { clusterConfigSchema, type ClusterConfig } from './config-cluster.js';

/** The engine configuration after defaults are applied (`vigil.yaml`). */
export interface Config {
  readonly rules: string;
  readonly data: string;
  readonly http: {
    readonly listen: string;
    readonly bodyLimit: number;
    readonly publicUrl: string;
    readonly maxQueuedEvents: number;
    /** `Host` names the API answers for; empty: loopback, the listen address and publicUrl's host. */
    readonly allowedHosts: readonly string[];
    /** Origins besides the service's own whose browser requests are taken. */
    readonly allowedOrigins: readonly string[];
    /** Most requests a minute per token (or client address without tokens); 0: no limit. */
    readonly rateLimit: number;
    /** Most event streams (`GET /v1/stream`) open at once, and per client address. */
    readonly maxStreams: number;
    readonly maxStreamsPerClient: number;
  };
  readonly auth: {
    readonly tokens: readonly { readonly name: string; readonly role: 'read' | 'write' | 'admin'; readonly env: string }[];
    /** HTTP basic-auth users; each password is read from the environment variable `passwordEnv`. */
    readonly users: readonly { readonly name: string; readonly role: 'read' | 'write' | 'admin'; readonly passwordEnv: string }[];
  };
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly secure: boolean;
    readonly starttls: 'required' | 'opportunistic' | 'off';
    readonly user: string;
    readonly passwordEnv: string;
    readonly from: string;
    readonly timeout: string;
    readonly tlsRejectUnauthorized: boolean;
  };
  readonly notifications: {
    readonly attempts: number;
    readonly backoff: string;
    readonly maxBackoff: string;
    readonly timeout: string;
    readonly alertsChannels: readonly string[];
  };
  readonly time: { readonly lateness: string; readonly maxFuture: string };
  readonly engine: { readonly maxGroupsPerRule: number; readonly maxRules: number; readonly maxLabelValueLength: number };
  readonly state: { readonly snapshotInterval: string; readonly fsyncInterval: string };
  readonly playbooks: { readonly dryRun: boolean; readonly paused: boolean; readonly sshConfigFile: string };
  readonly checks: { readonly maxConcurrent: number };
  readonly scrape: ScrapeConfig;
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupId: string;
    readonly topics: readonly { readonly topic: string; readonly stream: string; readonly format: 'json' | 'logfmt' }[];
    readonly deadLetterTopic: string;
    /** Alert when consumer lag on any partition passes this many messages. */
    readonly lagAlert: number;
    /** How long the group waits for a silent member (a crashed vigil) before reassigning its partitions. */
    readonly sessionTimeout: string;
  };
  readonly files: FilesConfig;
  readonly cluster: ClusterConfig;
  readonly questdb: {
    /** Client configuration string, e.g. `http::addr=127.0.0.1:9000`; empty: QuestDB off. */
    readonly config: string;
    /** Streams whose raw events are stored (for history and `vigil backtest`). */
    readonly events: readonly string[];
    /** Most bytes kept (in memory, then in the data dir) while QuestDB is down. */
    readonly maxBufferBytes: number;
  };
  readonly syslog: SyslogConfig;
  readonly docker: DockerConfig;
  readonly receive: ReceiveConfig;
  readonly statusPage: StatusPageConfig;
}

const durationPattern = `^${DURATION_SOURCE}$`;

/** JSON Schema of `vigil.yaml`: every key has a default, unknown keys are errors. */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rules: { type: 'string', minLength: 1, default: './rules' },
    data: { type: 'string', minLength: 1, default: './data' },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        listen: { type: 'string', pattern: '^[^\\s]+:\\d{1,5}$', default: '127.0.0.1:8080' },
        bodyLimit: { type: 'integer', minimum: 1024, maximum: 1073741824, default: 10485760 },
        publicUrl: { type: 'string', default: '' },
        maxQueuedEvents: { type: 'integer', minimum: 1, default: 200000 },
        allowedHosts: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 300 }, default: [] },
        allowedOrigins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/\\s]+$' }, default: [] },
        rateLimit: { type: 'integer', minimum: 0, default: 120000 },
        maxStreams: { type: 'integer', minimum: 1, maximum: 100000, default: 256 },
        maxStreamsPerClient: { type: 'integer', minimum: 1, maximum: 100000, default: 16 },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tokens: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role', 'env'],
            properties: {
              name: { type: 'string', minLength: 1 },
              role: { enum: ['read', 'write', 'admin'] },
              env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
            },
          },
        },
        users: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role', 'passwordEnv'],
            properties: {
              name: { type: 'string', minLength: 1, pattern: '^[^:]+$' },
              role: { enum: ['read', 'write', 'admin'] },
              passwordEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
            },
          },
        },
      },
    },
    smtp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 25 },
        secure: { type: 'boolean', default: false },
        starttls: { enum: ['required', 'opportunistic', 'off'], default: 'opportunistic' },
        user: { type: 'string', default: '' },
        passwordEnv: { type: 'string', default: '' },
        from: { type: 'string', default: 'vigil@localhost' },
        timeout: { type: 'string', pattern: durationPattern, default: '10s' },
        tlsRejectUnauthorized: { type: 'boolean', default: true },
      },
    },
    notifications: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        attempts: { type: 'integer', minimum: 1, maximum: 100, default: 6 },
        backoff: { type: 'string', pattern: durationPattern, default: '1s' },
        maxBackoff: { type: 'string', pattern: durationPattern, default: '1m' },
        timeout: { type: 'string', pattern: durationPattern, default: '10s' },
        alertsChannels: { type: 'array', items: { type: 'string' }, default: [] },
      },
    },
    playbooks: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dryRun: { type: 'boolean', default: false },
        paused: { type: 'boolean', default: false },
        sshConfigFile: { type: 'string', default: '' },
      },
    },
    statusPage: statusPageConfigSchema,
    checks: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { maxConcurrent: { type: 'integer', minimum: 1, maximum: 10000, default: 256 } },
    },
    scrape: scrapeConfigSchema,
    cluster: clusterConfigSchema,
    kafka: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        brokers: { type: 'array', items: { type: 'string', pattern: '^[^\\s:]+:\\d{1,5}$' }, default: [] },
        clientId: { type: 'string', minLength: 1, default: 'vigil' },
        groupId: { type: 'string', minLength: 1, default: 'vigil' },
        topics: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['topic', 'stream'],
            properties: {
              topic: { type: 'string', minLength: 1 },
              stream: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              format: { enum: ['json', 'logfmt'], default: 'json' },
            },
          },
        },
        deadLetterTopic: { type: 'string', minLength: 1, default: 'vigil-dead-letters' },
        lagAlert: { type: 'integer', minimum: 1, default: 100000 },
        sessionTimeout: { type: 'string', pattern: durationPattern, default: '30s' },
      },
    },
    files: filesConfigSchema,
    questdb: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        config: { type: 'string', default: '' },
        events: { type: 'array', items: { type: 'string' }, default: [] },
        maxBufferBytes: { type: 'integer', minimum: 1024, default: 268435456 },
      },
    },
    docker: dockerConfigSchema,
    state: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        snapshotInterval: { type: 'string', pattern: durationPattern, default: '1m' },
        fsyncInterval: { type: 'string', pattern: durationPattern, default: '1s' },
      },
    },
    time: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        lateness: { type: 'string', pattern: durationPattern, default: '30s' },
        // Events stamped further ahead than this are refused; nearer ones count as now.
        maxFuture: { type: 'string', pattern: durationPattern, default: '5m' },
      },
    },
    engine: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxGroupsPerRule: { type: 'integer', minimum: 1, default: 100000 },
        maxRules: { type: 'integer', minimum: 1, default: 10000 },
        maxLabelValueLength: { type: 'integer', minimum: 1, default: 1024 },
      },
    },
    syslog: syslogConfigSchema,
    receive: receiveConfigSchema,
  },
} as const;

const validateConfig = new Ajv({ allErrors: true, useDefaults: true }).compile(configSchema);

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(top level)' : e.instancePath.slice(1).replace(/\//g, '.');
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  return `${where}: ${e.message ?? 'is invalid'}`;
}

/**
 * Validates a configuration object and fills in defaults; errors name the path and the
 * reason, all of them at once.
 */
export function parseConfig(raw: unknown, source = 'config'): Config {
  const value = raw === null || raw === undefined ? {} : structuredClone(raw);
  if (!validateConfig(value)) {
    throw new VigilError(ErrorCode.Config, `${source}: invalid configuration\n${validateConfig.errors!.map((e) => `  ${describe(e)}`).join('\n')}`);
  }
  return value as unknown as Config;
}

/** Reads and validates `vigil.yaml`; no path means every default. */
export async function loadConfig(path: string | undefined): Promise<Config> {
  if (path === undefined) return parseConfig({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new VigilError(ErrorCode.Config, `${path}: cannot read configuration: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new VigilError(ErrorCode.Config, `${path}: not valid YAML: ${(e as Error).message}`);
  }
  return parseConfig(raw, path);
}

/** Milliseconds of a duration the schema already checked (the duration module's, for the service's wiring). */
export { durationMs };

/**
 * The configuration with `http.listen` replaced by `listen` (from `--listen` or
 * `VIGIL_LISTEN`, named by `from` in the error), checked as the schema checks the file.
 */
export function withListen(config: Config, listen: string, from: string): Config {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  if (!/^[^\s]+:\d{1,5}$/.test(listen) || port > 65_535) {
    throw new VigilError(ErrorCode.Config, `${from}: "${listen}" is not HOST:PORT (e.g. 0.0.0.0:8080, [::1]:8080)`);
  }
  return { ...config, http: { ...config.http, listen } };
}

/** The `kafka` section as the Kafka source takes it; undefined when no topics are read. */
export function kafkaIntakeOptions(config: Config) {
  const { brokers, clientId, groupId, topics, deadLetterTopic, sessionTimeout, lagAlert } = config.kafka;
  if (brokers.length === 0 || topics.length === 0) return undefined;
  return { brokers, clientId, groupId, topics, deadLetterTopic, sessionTimeoutMs: durationMs(sessionTimeout), lagAlert };
}

/** The `notifications` section as delivery takes it. */
export function deliveryOptions(config: Config) {
  const n = config.notifications;
  return { maxAttempts: n.attempts, backoffBaseMs: durationMs(n.backoff), backoffMaxMs: durationMs(n.maxBackoff), sendTimeoutMs: durationMs(n.timeout) };
}
