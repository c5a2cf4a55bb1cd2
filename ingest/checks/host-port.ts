/** A `host:port` target split into its parts. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a tcp/tls check target: `host:port`, or `[v6-address]:port` for IPv6. Returns
 * undefined when the target has no valid port (1-65535), so the probe reports it as down.
 */
export function parseHostPort(target: string): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(target.trim());
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}
