import type { Event } from '../../engine/model/event.js';
import type { SourceContext } from '../../engine/model/source.js';
import { syslogEvent } from './syslog-message.js';
import { parseSyslog } from './syslog-parser.js';
import type { SyslogMetrics } from './syslog-metrics.js';

/** What one listener's intake needs. */
export interface ListenerIntakeOptions {
  /** The listener's `syslog.listen` entry: its name in logs and metrics. */
  readonly listener: string;
  readonly stream: string;
  readonly ctx: SourceContext;
  readonly metrics: SyslogMetrics;
}

/** At most one line about malformed frames per listener this often; the metric counts each. */
const MALFORMED_LOG_EVERY_MS = 10_000;

/**
 * The part every listener of the syslog source shares: a frame becomes an event or is
 * counted as malformed (and dropped alone), a batch of events goes to the intake queue and
 * its outcome to the per-stream counters. The log says why frames were malformed, at most
 * once every 10 s per listener, so a bad sender cannot flood it.
 */
export class ListenerIntake {
  private frames = 0;
  private bad = 0;
  private badSinceLog = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;
  private readonly streamName: string;

  constructor(private readonly options: ListenerIntakeOptions) {
    this.streamName = options.stream;
  }

  /** Parses one frame; its event is added to `into`, or it is counted as malformed. */
  frame(text: string, into: Event[], now: number): void {
    this.frames++;
    const parsed = parseSyslog(text, now);
    if (parsed.ok) into.push(syslogEvent(parsed.message, this.streamName, now));
    else this.malformed(`${parsed.error} (at character ${parsed.at})`);
  }

  /** Counts one malformed frame (a parse or framing problem) and says why, now and then. */
  malformed(reason: string): void {
    this.frames++;
    this.bad++;
    this.badSinceLog++;
    const wall = Date.now();
    if (wall - this.lastLogAt < MALFORMED_LOG_EVERY_MS) return;
    this.lastLogAt = wall;
    const n = this.badSinceLog;
    this.badSinceLog = 0;
    this.options.ctx.log(`syslog ${this.options.listener}: ${n === 1 ? 'a malformed frame was' : `${n} malformed frames were`} dropped; the last: ${reason}`);
  }

  /** Moves the frame counts gathered since the last call to the metrics. */
  countFrames(): void {
    if (this.frames > 0) this.options.metrics.received(this.options.listener, this.frames);
    if (this.bad > 0) this.options.metrics.malformed(this.options.listener, this.bad);
    this.frames = 0;
    this.bad = 0;
  }

  /**
   * Offers `events` to the intake queue: undefined when it is full and took nothing (the
   * caller holds them back and offers them again), else a promise that resolves once they
   * are journaled and applied. Refused events (too late) are counted.
   */
  submit(events: readonly Event[]): Promise<void> | undefined {
    const { ctx } = this.options;
    const queued = ctx.submit(events);
    if (queued === 'busy') return undefined;
    const stream = this.streamName;
    return queued.then(
      (rejections) => ctx.counted(new Map([[stream, events.length]]), new Map(rejections.length === 0 ? [] : [[stream, rejections.length]])),
      (e: unknown) => ctx.log(`syslog ${this.options.listener}: events not taken: ${(e as Error).message}`),
    );
  }
}
