/**
 * The `docker restart` step executor: asks the Docker Engine API to restart a container,
 * over the engine's unix socket or plain TCP, without needing the docker CLI.
 */

import { request, type IncomingMessage } from 'node:http';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import { deadline } from '../../runtime/deadline.js';
import { OUTPUT_EXCERPT_CHARS, type ResolvedStep, type StepExecutor, type StepOutcome } from '../../engine/playbooks/step.js';
import { excerpt, scrub } from './scrub.js';

/** What `createDockerExecutor` may be given. */
export interface DockerExecutorOptions {
  /** The engine's socket; default `/var/run/docker.sock`. Ignored when `host` is given. */
  readonly socketPath?: string;
  /** A `DOCKER_HOST` value: `unix:///path/to/docker.sock` or `tcp://host:port` (no TLS). */
  readonly host?: string;
}

/** The socket the Docker daemon listens on unless configured otherwise. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The API version asked for: Docker Engine 20.10, so any current engine answers it. */
const API_VERSION = 'v1.41';
/** Seconds the engine waits for the container to stop before killing it. */
const STOP_GRACE_S = 10;
/** The most of an error body read. */
const MAX_BODY_BYTES = 64 * 1024;
/** Docker's own rule for container names; ids are hex, which it also covers. */
const CONTAINER_NAME = /^\/?[A-Za-z0-9][A-Za-z0-9_.-]*$/;

type Endpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly hostname: string; readonly port: number };

function parseEndpoint(options: DockerExecutorOptions): Endpoint {
  if (options.host === undefined) return { kind: 'unix', socketPath: options.socketPath ?? DEFAULT_DOCKER_SOCKET };
  const host = options.host;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) {
      throw new VigilError(ErrorCode.Config, 'docker host: a unix:// address needs an absolute path');
    }
    return { kind: 'unix', socketPath };
  }
  if (host.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(`http://${host.slice('tcp://'.length)}`);
    } catch {
      throw new VigilError(ErrorCode.Config, 'docker host: not a valid tcp://host:port address');
    }
    if (url.port === '' || (url.pathname !== '/' && url.pathname !== '') || url.username !== '') {
      throw new VigilError(ErrorCode.Config, 'docker host: expected tcp://host:port');
    }
    return { kind: 'tcp', hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
  }
  throw new VigilError(ErrorCode.Config, 'docker host: expected unix:///path or tcp://host:port');
}

function describeEndpoint(endpoint: Endpoint): string {
  return endpoint.kind === 'unix'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname}:${endpoint.port}`;
}

/**
 * Creates the executor for `docker restart` steps: `POST /v1.41/containers/{name}/restart?t=10`
 * (the engine stops the container, killing it after 10 s, and starts it again). 204 is
 * ok; 404 fails with "no such container"; any other status fails with the engine's
 * message; an unreachable engine fails with the system error code. The step timeout
 * covers the whole call, so it should exceed the 10 s stop grace. Throws a `VigilError`
 * (`E_CONFIG`) for an unusable `host`; `run` itself never throws.
 */
export function createDockerExecutor(options: DockerExecutorOptions = {}): StepExecutor {
  const endpoint = parseEndpoint(options);
  const engine = describeEndpoint(endpoint);
  return {
    async run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome> {
      if (step.kind !== 'docker') return refused(`the docker executor cannot run a ${step.kind} step`);
      if (step.action !== 'restart') return refused(`unknown docker action "${String(step.action)}"`);
      if (!Number.isFinite(step.timeoutMs) || step.timeoutMs <= 0) {
        return refused('the step timeout must be a positive number of ms');
      }
      if (!CONTAINER_NAME.test(step.container)) return refused('not a valid container name or id');
      const name = step.container.replace(/^\//, '');
      if (signal.aborted) return refused('aborted');

      const path = `/${API_VERSION}/containers/${encodeURIComponent(name)}/restart?t=${STOP_GRACE_S}`;
      const limit = deadline(signal, step.timeoutMs);
      try {
        const { status, body } = await post(endpoint, path, limit.signal);
        const message = engineMessage(body);
        const output = excerpt(scrub(`HTTP ${status}${message !== '' ? ` ${message}` : ''}`, []), OUTPUT_EXCERPT_CHARS);
        if (status === 204) return { ok: true, code: status, output: `restarted container ${name}` };
        if (status === 404) return { ok: false, code: status, output, error: `no such container: ${name}` };
        return {
          ok: false,
          code: status,
          output,
          error: `the Docker engine at ${engine} answered HTTP ${status}${message !== '' ? `: ${excerpt(message, 200)}` : ''}`,
        };
      } catch (error) {
        if (limit.expired()) {
          return refused(`the Docker engine at ${engine} did not finish within ${step.timeoutMs} ms`);
        }
        if (signal.aborted) return refused('aborted');
        const code = (error as NodeJS.ErrnoException).code;
        const why = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'request failed';
        return refused(`cannot reach the Docker engine at ${engine} (${why})`);
      } finally {
        limit.dispose();
      }
    },
  };
}

/** One POST without a body; resolves with the status and up to `MAX_BODY_BYTES` of the body. */
function post(endpoint: Endpoint, path: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target =
      endpoint.kind === 'unix'
        ? { socketPath: endpoint.socketPath }
        : { hostname: endpoint.hostname, port: endpoint.port };
    const req = request(
      {
        ...target,
        method: 'POST',
        path,
        // One request per restart: pooled keep-alive sockets would outlive the step.
        agent: false,
        headers: { host: 'docker', 'content-length': '0' },
        signal,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_BYTES) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The engine's `{"message": "..."}`, or the body itself when it is not that. */
function engineMessage(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // Not JSON: a proxy's page, say; shown as it is.
  }
  return text;
}

function refused(error: string): StepOutcome {
  return { ok: false, output: '', error };
}
