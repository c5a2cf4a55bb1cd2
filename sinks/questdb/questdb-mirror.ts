import type { Input } from '../../engine/core.js';
import type { IncidentBook } from '../../engine/incident-book.js';
import type { QuestDbSink } from './questdb-sink.js';

/** What `mirrorToQuestDb` needs: the sink, the book to follow, and which raw streams to keep. */
export interface QuestDbMirrorOptions {
  readonly questdb: QuestDbSink;
  readonly book: IncidentBook;
  /** Streams whose raw events are stored too (`questdb.events` in the configuration). */
  readonly streams: readonly string[];
}

/**
 * Keeps QuestDB's history in step with the live core: every timeline entry and the
 * incident it changed as they are written, and the raw events of the chosen streams.
 * Returns what the intake queue calls with the inputs it applied, and the book
 * subscription's end.
 */
export function mirrorToQuestDb(options: QuestDbMirrorOptions): { readonly applied: (inputs: readonly Input[]) => void; readonly close: () => void } {
  const { questdb, book } = options;
  const streams = new Set(options.streams);
  const off = book.onEntry((entry) => {
    questdb.writeTimeline(entry);
    if (entry.incident !== null) {
      const incident = book.get(entry.incident);
      if (incident !== undefined) questdb.writeIncident(incident, entry.time);
    }
  });
  return {
    applied: (inputs) => {
      if (streams.size === 0) return;
      for (const input of inputs) {
        if (input.t !== 'events') continue;
        for (const e of input.events) if (streams.has(e.stream)) questdb.writeEvent(e);
      }
    },
    close: off,
  };
}
