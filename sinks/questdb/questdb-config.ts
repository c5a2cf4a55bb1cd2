/**
 * The QuestDB client configuration string (`http::addr=127.0.0.1:9000;username=...`) as vigil
 * reads it: the HTTP address for SQL (`/exec`), the credentials for its requests, and the
 * string handed to the ILP sender with vigil's defaults in front of the user's settings.
 */

import { ErrorCode, VigilError } from '../../engine/model/errors.js';

/** Where and how to reach one QuestDB over HTTP. */
export interface QuestDbEndpoint {
  /** `http://host:port` (or https), without a trailing slash. */
  readonly httpUrl: string;
  /** The `Authorization` header value for `/exec`, if the configuration names credentials. */
  readonly authorization?: string;
}

/** A parsed configuration string. */
export interface QuestDbConfig extends QuestDbEndpoint {
  /**
   * The configuration for `Sender.fromConfig`: vigil's defaults (shorter retry window, so an
   * outage is noticed in seconds), then the user's settings (which win), then the settings
   * the sink relies on (`auto_flush=off`, `stdlib_http=on`).
   */
  readonly senderConfig: string;
}

/**
 * Settings vigil always uses: the sink flushes each batch itself, and Node's own HTTP
 * transport, which reports a refused connection at once (the undici transport retries it
 * until the server is back, so an outage would never be noticed).
 */
const SENDER_FIXED = 'auto_flush=off;stdlib_http=on;';

/** Settings the sink relies on unless the user set them: bounded requests, no client-side retries past a few seconds. */
const SENDER_DEFAULTS = 'retry_timeout=5000;request_timeout=5000;';

/** Splits `key=value;key=value` the way the client does: `;;` is a literal semicolon. */
function parseSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let position = 0;
  const take = (end: number): void => {
    const setting = text.slice(position, end).replaceAll(';;', ';');
    position = end + 1;
    if (setting === '') return;
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new VigilError(ErrorCode.Config, `questdb.config: setting "${setting.split('=')[0]}" has no value`);
    out.set(setting.slice(0, eq), setting.slice(eq + 1));
  };
  let index = text.indexOf(';');
  while (index > -1) {
    if (text.charAt(index + 1) === ';') {
      index = text.indexOf(';', index + 2);
      continue;
    }
    take(index);
    index = text.indexOf(';', position);
  }
  if (position < text.length) take(text.length);
  return out;
}

/**
 * Reads a QuestDB configuration string. Only `http` and `https` are accepted: vigil creates
 * its tables and reads history over the same HTTP port it writes to. Errors never quote
 * credentials.
 */
export function parseQuestDbConfig(config: string): QuestDbConfig {
  const sep = config.indexOf('::');
  if (sep < 0) throw new VigilError(ErrorCode.Config, 'questdb.config: expected "http::addr=HOST:PORT"');
  const protocol = config.slice(0, sep);
  if (protocol !== 'http' && protocol !== 'https') {
    throw new VigilError(ErrorCode.Config, `questdb.config: protocol "${protocol}" is not supported; use http:: or https:: (vigil also reads over HTTP)`);
  }
  const settings = parseSettings(config.slice(sep + 2));
  const addr = settings.get('addr');
  if (addr === undefined || addr === '') throw new VigilError(ErrorCode.Config, 'questdb.config: "addr" is required');
  const hostPort = addr.includes(':') ? addr : `${addr}:9000`;
  if (!/^[^\s/:@]+:\d{1,5}$/.test(hostPort) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(hostPort)) {
    throw new VigilError(ErrorCode.Config, `questdb.config: "addr" must be HOST:PORT, got ${JSON.stringify(addr)}`);
  }
  const token = settings.get('token');
  const username = settings.get('username');
  const password = settings.get('password');
  let authorization: string | undefined;
  if (token !== undefined) authorization = `Bearer ${token}`;
  else if (username !== undefined && password !== undefined) authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const rest = config.slice(sep + 2);
  // An odd run of trailing semicolons ends with a separator; an even one is escaped text.
  const trailing = rest.length - rest.replace(/;+$/, '').length;
  const senderConfig = `${protocol}::${SENDER_DEFAULTS}${rest}${rest === '' || trailing % 2 === 1 ? '' : ';'}${SENDER_FIXED}`;
  return { httpUrl: `${protocol}://${hostPort}`, ...(authorization === undefined ? {} : { authorization }), senderConfig };
}
