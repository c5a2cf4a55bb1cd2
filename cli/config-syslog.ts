import type { Registry } from 'prom-client';
import type { Source } from '../engine/model/source.js';
import { LISTEN_PATTERN } from '../ingest/syslog/listen-address.js';
import { createSyslogSource, type SyslogSourceOptions } from '../ingest/syslog/syslog-source.js';

/** The `syslog` section of `vigil.yaml` after defaults: where to listen and which stream events go to. */
export interface SyslogConfig {
  /** `udp://HOST:PORT`, `tcp://HOST:PORT`, `tls://HOST:PORT`; empty: no syslog. */
  readonly listen: readonly string[];
  readonly stream: string;
  /** PEM certificate chain and key paths for `tls://` listeners. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** Largest message in bytes; longer frames are malformed and dropped. */
  readonly maxMessageBytes: number;
}

/** JSON Schema of the `syslog` section. */
export const syslogConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    listen: { type: 'array', items: { type: 'string', pattern: LISTEN_PATTERN }, default: [] },
    stream: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'logs' },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { cert: { type: 'string', default: '' }, key: { type: 'string', default: '' } },
    },
    maxMessageBytes: { type: 'integer', minimum: 480, maximum: 65_536, default: 65_536 },
  },
} as const;

/** The `syslog` section as the syslog source takes it; undefined when it listens nowhere. */
export function syslogSourceOptions(config: SyslogConfig): SyslogSourceOptions | undefined {
  if (config.listen.length === 0) return undefined;
  const { cert, key } = config.tls;
  return { listen: config.listen, stream: config.stream, maxMessageBytes: config.maxMessageBytes, ...(cert !== '' || key !== '' ? { tls: { certFile: cert, keyFile: key } } : {}) };
}

/**
 * The syslog source the `syslog` section asks for, as a list for the service's sources
 * (empty when it listens nowhere); its counters go on the registry `registry` returns at start.
 */
export function syslogSources(config: SyslogConfig, registry: () => Registry): Source[] {
  const options = syslogSourceOptions(config);
  return options === undefined ? [] : [createSyslogSource({ ...options, registry })];
}
