import type { Input } from '../../engine/core.js';
import type { CoreQueries } from '../../engine/core-queries.js';
import type { Rejection } from '../../engine/model/source.js';
import type { QuestDbSink } from './questdb-sink.js';

/** What `mirrorToQuestDb` needs: the sink, the core's timeline to follow, and which raw streams to keep. */
export interface QuestDbMirrorOptions {
  readonly questdb: QuestDbSink;
  readonly core: Pick<CoreQueries, 'onTimeline' | 'incident'>;
  /** Streams whose raw events are stored too (`questdb.events` in the configuration). */
  readonly streams: readonly string[];
}

/**
 * Keeps QuestDB's history in step with the live core: every timeline entry and the
 * incident it changed as they are written, and the raw events of the chosen streams.
 * Returns what the intake queue calls with the inputs it applied (refused events are
 * not stored), and the timeline subscription's end.
 */
export function mirrorToQuestDb(options: QuestDbMirrorOptions): { readonly applied: (inputs: readonly Input[], refused: readonly (readonly Rejection[])[]) => void; readonly close: () => void } {
  const { questdb, core } = options;
  const streams = new Set(options.streams);
  const off = core.onTimeline((entry) => {
    questdb.writeTimeline(entry);
    if (entry.incident !== null) {
      const incident = core.incident(entry.incident);
      if (incident !== undefined) questdb.writeIncident(incident, entry.time);
    }
  });
  return {
    applied: (inputs, refused) => {
      if (streams.size === 0) return;
      inputs.forEach((input, i) => {
        if (input.t !== 'events') return;
        const out = new Set(refused[i]?.map((r) => r.index));
        input.events.forEach((e, index) => {
          if (!out.has(index) && streams.has(e.stream)) questdb.writeEvent(e);
        });
      });
    },
    close: off,
  };
}
