import type { Message, Producer } from 'kafkajs';
import type { Event } from '../../engine/model/event.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Rejection } from '../../engine/model/source.js';
import type { IntakeQueue } from '../intake-queue.js';

/** What `createClusterIntake` needs: an idempotent producer, the events topic, the key and a bound. */
export interface ClusterIntakeOptions {
  /** Connected, idempotent (`acks: -1`): an accepted event is on every in-sync replica. */
  readonly producer: Producer;
  readonly topic: string;
  readonly keyOf: (event: Event) => string;
  /** Most events waiting for the broker at once; more is refused with 'busy'. */
  readonly maxQueuedEvents: number;
  /** Told when a produce failed (the events of that turn are refused as 'busy'). */
  readonly log: (line: string) => void;
}

interface Waiting {
  readonly messages: Message[];
  readonly resolve: (value: Rejection[]) => void;
  readonly reject: (error: Error) => void;
}

const NO_REJECTIONS: Rejection[] = [];

/**
 * The intake of a cluster member: instead of journaling and applying, every source's
 * events go to the events topic, keyed so that the events a rule needs together meet on
 * one partition, and the partition's owner applies them. Batches that arrive in one turn
 * of the event loop are produced in one request; a batch's promise resolves once the
 * broker has it (then the event is accepted: it survives any one vigil). Lateness is
 * judged by the owner, so no rejections come back from here. When the broker cannot be
 * reached, the promise rejects with a busy error (the sender offers the events again).
 */
export function createClusterIntake(options: ClusterIntakeOptions): IntakeQueue & { idle(): Promise<void> } {
  let waiting: Waiting[] = [];
  let queued = 0;
  let scheduled = false;
  let closed = false;
  const inFlight = new Set<Promise<void>>();

  function flush(): void {
    scheduled = false;
    if (waiting.length === 0) return;
    const turn = waiting;
    waiting = [];
    const messages = turn.flatMap((w) => w.messages);
    const sent = options.producer
      .send({ topic: options.topic, acks: -1, messages })
      .then(
        () => turn.forEach((w) => w.resolve(NO_REJECTIONS)),
        (error: unknown) => {
          options.log(`cluster: could not produce ${messages.length} events to ${options.topic}: ${error instanceof Error ? error.message : String(error)}`);
          const busy = new VigilError(ErrorCode.Busy, 'the cluster\'s events topic cannot be reached; retry shortly');
          turn.forEach((w) => w.reject(busy));
        },
      )
      .finally(() => {
        queued -= messages.length;
        inFlight.delete(sent);
      });
    inFlight.add(sent);
  }

  return {
    submit(events) {
      if (closed || queued + events.length > options.maxQueuedEvents) return 'busy';
      queued += events.length;
      // The validated event, not the text it came as: the validator filled in its time.
      const messages = events.map((event): Message => ({ key: options.keyOf(event), value: JSON.stringify(event) }));
      return new Promise<Rejection[]>((resolve, reject) => {
        waiting.push({ messages, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    drain: flush,
    close() {
      closed = true;
      flush();
    },
    /** Waits until every produce request has its answer (before the producer disconnects). */
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    get depth() {
      return queued;
    },
  };
}
