/**
 * Where a container engine serves the Docker Engine API: a unix socket (Docker's
 * `/var/run/docker.sock`, Podman's `podman system service` socket) or plain TCP.
 */

import { ErrorCode, VigilError } from '../../engine/model/errors.js';

/** A parsed `docker.socket` value. */
export type EngineEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly hostname: string; readonly port: number };

/**
 * Parses `/path/to/docker.sock`, `unix:///path/to/docker.sock` or `tcp://host:port`.
 * Throws a `VigilError` (`E_CONFIG`) for anything else.
 */
export function parseEngineEndpoint(value: string): EngineEndpoint {
  if (value.startsWith('/')) return { kind: 'unix', socketPath: value };
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new VigilError(ErrorCode.Config, 'docker.socket: a unix:// address needs an absolute path');
    return { kind: 'unix', socketPath };
  }
  if (value.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(`http://${value.slice('tcp://'.length)}`);
    } catch {
      throw new VigilError(ErrorCode.Config, 'docker.socket: not a valid tcp://host:port address');
    }
    if (url.port === '' || (url.pathname !== '/' && url.pathname !== '') || url.username !== '' || url.search !== '') {
      throw new VigilError(ErrorCode.Config, 'docker.socket: expected tcp://host:port');
    }
    return { kind: 'tcp', hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
  }
  throw new VigilError(ErrorCode.Config, 'docker.socket: expected /path, unix:///path or tcp://host:port');
}

/** The endpoint as a `DOCKER_HOST`-style address, for messages and the restart step. */
export function describeEngineEndpoint(endpoint: EngineEndpoint): string {
  return endpoint.kind === 'unix'
    ? `unix://${endpoint.socketPath}`
    : `tcp://${endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname}:${endpoint.port}`;
}
