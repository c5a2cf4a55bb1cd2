import type { Input } from '../engine/core.js';
import { eventsInputJson } from '../engine/model/event-json.js';
import type { Event } from '../engine/model/event.js';
import type { Rejection, SourceCheckpoint } from '../engine/model/source.js';

/** What `createIntakeQueue` needs: its bound, the clock, and where inputs go. */
export interface IntakeQueueOptions {
  /** Most events waiting at once; a batch that would pass it is refused with 'busy'. */
  readonly maxQueuedEvents: number;
  /** The clock's time, caught up with the wall (epoch ms). */
  readonly now: () => number;
  /**
   * Journals one drain's inputs in one write (`json[i]` is `inputs[i]`'s text where known),
   * then applies them in order; returns each input's refused events (the core refuses those
   * too late or too far ahead).
   */
  readonly apply: (inputs: readonly Input[], json: readonly (string | undefined)[]) => readonly (readonly Rejection[])[];
  /** Told every drained input after it was applied, with its refused events (e.g. to mirror raw events to QuestDB). */
  readonly onApplied?: (inputs: readonly Input[], refused: readonly (readonly Rejection[])[]) => void;
  /** Told the number of events waiting whenever it changes. */
  readonly onDepth?: (events: number) => void;
  /** Told how long journaling and applying one drain took (seconds). */
  readonly onDrained?: (seconds: number) => void;
}

/** The intake queue every source submits to (see `createIntakeQueue`). */
export interface IntakeQueue {
  /**
   * Queues a batch; resolves with its refused events once it is journaled and applied, or
   * 'busy'. A checkpoint goes into the batch's own journal record.
   */
  submit(events: readonly Event[], json?: readonly (string | undefined)[], checkpoint?: SourceCheckpoint): Promise<Rejection[]> | 'busy';
  /** Journals and applies what waits, now. */
  drain(): void;
  /** Refuses further batches ('busy') and drains what waits. */
  close(): void;
  /** Events waiting. */
  readonly depth: number;
}

interface QueuedBatch {
  readonly events: readonly Event[];
  readonly json: readonly (string | undefined)[] | undefined;
  readonly checkpoint: SourceCheckpoint | undefined;
  readonly resolve: (rejections: Rejection[]) => void;
}

/**
 * The one way events get into the core: batches from every source wait here, bounded
 * (backpressure: 'busy' when full), and are drained on the next turn of the event loop,
 * all at once: journaled in one write, then applied in arrival order, and each batch's
 * promise resolves with what the core refused (late, too far ahead). An event is
 * thus durable before its source hears it was taken.
 */
export function createIntakeQueue(options: IntakeQueueOptions): IntakeQueue {
  const queue: QueuedBatch[] = [];
  let queued = 0;
  let draining = false;
  let closed = false;

  function drain(): void {
    draining = false;
    if (queue.length === 0) return;
    const batches = queue.splice(0);
    const started = process.hrtime.bigint();
    const now = options.now();
    const inputs: Input[] = batches.map((b) => (b.checkpoint === undefined ? { t: 'events', at: now, events: b.events } : { t: 'events', at: now, events: b.events, checkpoint: b.checkpoint }));
    const json = batches.map((b) => (b.json === undefined ? undefined : eventsInputJson(now, b.events, b.json, b.checkpoint)));
    const results = options.apply(inputs, json);
    options.onApplied?.(inputs, results);
    options.onDrained?.(Number(process.hrtime.bigint() - started) / 1e9);
    batches.forEach((b, i) => {
      queued -= b.events.length;
      b.resolve([...results[i]!]);
    });
    options.onDepth?.(queued);
  }

  return {
    submit(events, json, checkpoint) {
      if (closed || queued + events.length > options.maxQueuedEvents) return 'busy';
      queued += events.length;
      options.onDepth?.(queued);
      return new Promise((resolve) => {
        queue.push({ events, json, checkpoint, resolve });
        if (!draining) {
          draining = true;
          setImmediate(drain);
        }
      });
    },
    drain,
    close() {
      closed = true;
      drain();
    },
    get depth() {
      return queued;
    },
  };
}
