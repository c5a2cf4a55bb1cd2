import type { ServerResponse } from 'node:http';
import type { TimelineEntry } from '../engine/model/incident.js';

/** Where a stream reads the timeline: entries in order after an id, and new ones as they come. */
export interface TimelineSource {
  entries(query: { after: number; limit: number }): TimelineEntry[];
  onTimeline(listener: (entry: TimelineEntry) => void): () => void;
}

/** What one stream client needs: the timeline to read, the response to write, where to start. */
export interface TimelineStreamOptions {
  readonly book: TimelineSource;
  readonly response: ServerResponse;
  /** Replay the entries after this id first (`Last-Event-ID`); undefined: only new entries. */
  readonly after: number | undefined;
  /** Interval of the keep-alive comment. */
  readonly heartbeatMs: number;
  /** The JSON form of an entry. */
  readonly view: (entry: TimelineEntry) => unknown;
  /** Called once when the stream ends, for whatever reason. */
  readonly onClose: (stream: TimelineStream) => void;
}

/** Entries read from the book per step while catching up. */
const PAGE = 256;

/**
 * One server-sent-events client of the timeline. Entries are written as they are added to
 * the book. A client that reads too slowly is never buffered for without bound: once the
 * socket's buffer is full the stream stops taking live entries, waits for it to drain and
 * catches up from the book itself, where every entry is kept in order. Replaying after a
 * `Last-Event-ID` is the same catching up.
 */
export class TimelineStream {
  private readonly options: TimelineStreamOptions;
  private readonly response: ServerResponse;
  private lastSent: number;
  private live = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(options: TimelineStreamOptions) {
    this.options = options;
    this.response = options.response;
    this.lastSent = options.after ?? 0;
    const response = this.response;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise hold events back in their buffers.
      'x-accel-buffering': 'no',
    });
    response.on('close', () => this.close());
    response.on('error', () => this.close());
    // A first comment sends the headers, so the client knows it is connected.
    response.write(': connected\n\n');
    this.unsubscribe = options.book.onTimeline((entry) => this.onEntry(entry));
    this.heartbeat = setInterval(() => {
      if (!this.closed && !response.writableNeedDrain) response.write(': heartbeat\n\n');
    }, options.heartbeatMs);
    if (options.after === undefined) this.live = true;
    else void this.catchUp();
    // The client may have gone before the handler ran: then no close event will come.
    if (response.destroyed || response.socket?.destroyed === true) this.close();
  }

  /** True once the stream has ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends the stream and lets go of the book; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    if (!this.response.writableEnded) this.response.end();
    this.options.onClose(this);
  }

  private onEntry(entry: TimelineEntry): void {
    if (!this.live || this.closed || entry.id <= this.lastSent) return;
    this.send(entry);
    if (this.response.writableNeedDrain) void this.catchUp();
  }

  private send(entry: TimelineEntry): void {
    this.lastSent = entry.id;
    this.response.write(`event: timeline\nid: ${entry.id}\ndata: ${JSON.stringify(this.options.view(entry))}\n\n`);
  }

  /** Sends what the book holds after the last entry sent, at the pace the client reads, then goes live. */
  private async catchUp(): Promise<void> {
    this.live = false;
    while (!this.closed) {
      if (this.response.writableNeedDrain) await this.drained();
      if (this.closed) return;
      const page = this.options.book.entries({ after: this.lastSent, limit: PAGE });
      if (page.length === 0) {
        // Nothing is added between this read and going live: both happen in one turn.
        this.live = true;
        return;
      }
      for (const entry of page) this.send(entry);
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }
}
