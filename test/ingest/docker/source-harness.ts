/** What a source handed over in a test: its events, self-alerts and counts, as the service would take them. */

import type { Event } from '../../../engine/model/event.js';
import type { SourceContext } from '../../../engine/model/source.js';

/** A context that keeps everything a source gives it. */
export interface RecordingContext extends SourceContext {
  readonly events: Event[];
  readonly alerts: { name: string; firing: boolean; summary: string }[];
  readonly received: Map<string, number>;
  readonly rejected: Map<string, number>;
  readonly lines: string[];
}

/** A context whose intake takes every event at once. */
export function recordingContext(): RecordingContext {
  const events: Event[] = [];
  const alerts: { name: string; firing: boolean; summary: string }[] = [];
  const received = new Map<string, number>();
  const rejected = new Map<string, number>();
  const lines: string[] = [];
  return {
    events,
    alerts,
    received,
    rejected,
    lines,
    submit: (batch) => {
      events.push(...batch);
      return Promise.resolve([]);
    },
    submitAlerts: () => undefined,
    selfAlert: (name, firing, summary) => void alerts.push({ name, firing, summary }),
    now: () => Date.now(),
    log: (line) => void lines.push(line),
    counted: (r, j) => {
      for (const [s, n] of r) received.set(s, (received.get(s) ?? 0) + n);
      for (const [s, n] of j) rejected.set(s, (rejected.get(s) ?? 0) + n);
    },
    http: undefined,
    signal: new AbortController().signal,
  };
}
