/**
 * The `receive` section of `vigil.yaml`: the push receivers other systems send metrics and
 * logs to, Prometheus' remote write (`POST /api/v1/write`) and OTLP/HTTP (`POST /v1/logs`,
 * `POST /v1/metrics`). Both are on by default; their routes need the write role like every
 * write.
 */
export interface ReceiveConfig {
  readonly remoteWrite: {
    readonly enabled: boolean;
    /** Most bytes one snappy body may decompress to. */
    readonly maxDecodedBytes: number;
  };
  readonly otlp: {
    readonly enabled: boolean;
    /** Most bytes one gzip body may inflate to. */
    readonly maxDecodedBytes: number;
  };
}

const receiver = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: { type: 'boolean', default: true },
    maxDecodedBytes: { type: 'integer', minimum: 1024, maximum: 1073741824, default: 33554432 },
  },
} as const;

/** JSON Schema of the `receive` section; every key has a default. */
export const receiveConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: { remoteWrite: receiver, otlp: receiver },
} as const;
