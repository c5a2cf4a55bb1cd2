/**
 * The log sink: one JSON line per notification, for channels that need no server (stdout,
 * a file, a log shipper) and for seeing what the other channels would have sent.
 */

import { SinkError, type Notification, type Sink } from '../../engine/model/notification.js';

/** What `createLogSink` needs. */
export interface LogSinkOptions {
  /** The channel's name. */
  readonly name: string;
  /** Writes one line (without its newline); may throw, e.g. on a closed stream. */
  readonly write: (line: string) => void;
}

/**
 * Creates a sink that writes each notification as one JSON line:
 * `{"channel","key","kind","rule","state","severity","labels","value","summary","incident","url","time"}`
 * where `incident` is the incident id and `time` is ISO-8601. It fails only when `write`
 * throws, as a retryable `connection` error (the output may come back; a retry may repeat
 * lines already written, which the `key` identifies).
 */
export function createLogSink(options: LogSinkOptions): Sink {
  const { name, write } = options;
  return {
    name,
    async send(batch: readonly Notification[], signal: AbortSignal): Promise<void> {
      if (batch.length === 0) return;
      if (signal.aborted) throw new SinkError('aborted', false, `log channel "${name}": aborted`);
      for (const n of batch) {
        const line = JSON.stringify({
          channel: name,
          key: n.key,
          kind: n.kind,
          rule: n.incident.rule,
          state: n.incident.state,
          severity: n.incident.severity,
          labels: n.incident.labels,
          value: n.incident.value,
          summary: n.incident.summary,
          incident: n.incident.id,
          url: n.incident.url,
          time: new Date(n.time).toISOString(),
        });
        try {
          write(line);
        } catch (error) {
          const code = (error as { code?: unknown } | null)?.code;
          const detail = typeof code === 'string' ? ` (${code})` : '';
          throw new SinkError('connection', true, `log channel "${name}": write failed${detail}`, { cause: error });
        }
      }
    },
  };
}
