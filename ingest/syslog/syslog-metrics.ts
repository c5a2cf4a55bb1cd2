import { Counter, Gauge, type Registry } from 'prom-client';

/** What the syslog listeners report, by listener (its `syslog.listen` entry). */
export interface SyslogMetrics {
  /** `n` frames read (good and malformed). */
  received(listener: string, n: number): void;
  /** `n` frames dropped as malformed. */
  malformed(listener: string, n: number): void;
  /** `n` messages dropped because the engine stayed busy (UDP cannot be held back). */
  dropped(listener: string, n: number): void;
  /** Whether the listener is bound and serving. */
  up(listener: string, up: boolean): void;
  /** Connections open now (TCP and TLS). */
  connections(listener: string, n: number): void;
  /** One failure of the listener (cannot bind, socket error). */
  failed(listener: string): void;
}

/**
 * The syslog counters on `registry` (the one `/metrics` serves): the `listener` label is
 * a configured entry, so its values are few.
 */
export function createSyslogMetrics(registry: Registry): SyslogMetrics {
  const registers = [registry];
  const labelNames = ['listener'] as const;
  const frames = new Counter({ name: 'vigil_syslog_frames_received_total', help: 'Syslog frames read, good and malformed, by listener.', labelNames, registers });
  const bad = new Counter({ name: 'vigil_syslog_frames_malformed_total', help: 'Syslog frames dropped as malformed, by listener.', labelNames, registers });
  const drops = new Counter({ name: 'vigil_syslog_messages_dropped_total', help: 'Syslog messages dropped while the engine was busy (UDP), by listener.', labelNames, registers });
  const upGauge = new Gauge({ name: 'vigil_syslog_listener_up', help: 'Whether a syslog listener is serving (1) or failed (0).', labelNames, registers });
  const open = new Gauge({ name: 'vigil_syslog_connections', help: 'Syslog TCP/TLS connections open, by listener.', labelNames, registers });
  const failures = new Counter({ name: 'vigil_syslog_listener_failures_total', help: 'Syslog listener failures (cannot bind, socket errors), by listener.', labelNames, registers });
  return {
    received: (listener, n) => frames.inc({ listener }, n),
    malformed: (listener, n) => bad.inc({ listener }, n),
    dropped: (listener, n) => drops.inc({ listener }, n),
    up: (listener, up) => upGauge.set({ listener }, up ? 1 : 0),
    connections: (listener, n) => open.set({ listener }, n),
    failed: (listener) => failures.inc({ listener }),
  };
}
