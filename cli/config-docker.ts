import { DURATION_SOURCE, durationMs } from '../engine/model/duration.js';
import type { DockerSourceOptions } from '../ingest/docker/docker-source.js';

/** The `docker` section of `vigil.yaml`: the container engine whose events vigil follows. */
export interface DockerConfig {
  /** `/var/run/docker.sock`, `unix:///path` or `tcp://host:port`; empty: no container source. */
  readonly socket: string;
  /** Stream of the container events. */
  readonly stream: string;
  /** Container name patterns (`*`, `?`) whose stdout and stderr become log events. */
  readonly logs: readonly string[];
  /** Stream of those log lines. */
  readonly logsStream: string;
  /** First and longest wait between reconnects. */
  readonly retryMin: string;
  readonly retryMax: string;
}

const durationPattern = `^${DURATION_SOURCE}$`;
const streamPattern = '^[A-Za-z_][A-Za-z0-9_]*$';

/** JSON Schema of the `docker` section; every key has a default. */
export const dockerConfigSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    socket: { type: 'string', pattern: '^(|/.*|unix:///.*|tcp://[^\\s/]+:\\d{1,5})$', default: '' },
    stream: { type: 'string', pattern: streamPattern, default: 'containers' },
    logs: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256 }, default: [] },
    logsStream: { type: 'string', pattern: streamPattern, default: 'logs' },
    retryMin: { type: 'string', pattern: durationPattern, default: '250ms' },
    retryMax: { type: 'string', pattern: durationPattern, default: '10s' },
  },
} as const;

/** The section as the Docker source takes it; undefined when no socket is configured. */
export function dockerSourceOptions(docker: DockerConfig): DockerSourceOptions | undefined {
  if (docker.socket === '') return undefined;
  return { socket: docker.socket, stream: docker.stream, logs: docker.logs, logsStream: docker.logsStream, retryMinMs: durationMs(docker.retryMin), retryMaxMs: durationMs(docker.retryMax) };
}

/**
 * Where `docker restart` steps go: `DOCKER_HOST` when set, else the configured socket (so
 * the engine vigil watches is the one it restarts containers on), else the executor's default.
 */
export function dockerStepHost(docker: DockerConfig, env: Readonly<Record<string, string | undefined>>): { host?: string } {
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST };
  if (docker.socket === '') return {};
  return { host: docker.socket.startsWith('/') ? `unix://${docker.socket}` : docker.socket };
}
