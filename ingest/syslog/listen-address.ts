/** One `syslog.listen` entry: `udp://HOST:PORT`, `tcp://HOST:PORT` or `tls://HOST:PORT` (IPv6 in brackets). */
export interface ListenAddress {
  readonly protocol: 'udp' | 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
  /** The entry as written, the listener's name in logs and metrics. */
  readonly text: string;
}

/** What `syslog.listen` entries look like (the configuration schema's pattern). */
export const LISTEN_PATTERN = '^(udp|tcp|tls)://(\\[[0-9A-Fa-f:.]+\\]|[^\\s:/\\[\\]]+):\\d{1,5}$';

const LISTEN = new RegExp(LISTEN_PATTERN);

/** Reads a listen entry, or undefined when it is not one (a port over 65535 included). */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = LISTEN.exec(text);
  if (m === null) return undefined;
  const port = Number(text.slice(text.lastIndexOf(':') + 1));
  if (port > 65_535) return undefined;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { protocol: m[1] as ListenAddress['protocol'], host, port, text };
}
