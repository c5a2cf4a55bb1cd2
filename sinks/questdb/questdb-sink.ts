/**
 * The QuestDB sink: stores timeline entries, incident changes and raw events in QuestDB
 * (ILP over HTTP) for history, dashboards and `vigil backtest`.
 *
 * Writes never wait: `writeEvent`/`writeTimeline`/`writeIncident` append a row to a bounded
 * buffer (`questdb-buffer.ts`) and return. A background pump sends the rows in order, in
 * batches every `flushIntervalMs` or every `batchRows` rows, one HTTP request per batch;
 * encoding them to ILP happens in a sender thread (`questdb-sender-thread.ts`), so the
 * engine's thread pays only for building the row (about a µs per event).
 *
 * Guarantee: every row accepted is stored exactly once, and reads ordered by `(ts, seq)` see
 * rows with equal times in the order they were written, unless the buffer passes
 * `maxBufferBytes`: then the oldest rows are dropped and counted (`stats().droppedRows`, and
 * a log line). While QuestDB is unreachable (refused, 5xx, timeout) rows stay in memory,
 * then in spool files under `<dataDir>/questdb-spool/`; `onHealth(false, reason)` is called
 * once, QuestDB is probed with backoff, and once it answers the backlog is sent oldest first,
 * one batch at a time, before `onHealth(true)`. `close()` writes what is still unsent to
 * the spool, which the next start sends first. A crash (no `close()`) loses the rows still
 * in memory: while QuestDB keeps up about `flushIntervalMs` worth, at most `memoryBytes`.
 * Batches sent twice (a timeout after QuestDB committed, a spool file sent again after a
 * crash) are stored once: every table deduplicates on `(ts, seq)`. A row QuestDB refuses for
 * good (HTTP 400, e.g. a time before 1970) is isolated by halving its batch, logged and
 * counted (`rejectedRows`), so it cannot block the rest.
 */

import path from 'node:path';
import type { Event } from '../../engine/model/event.js';
import type { Incident, TimelineEntry } from '../../engine/model/incident.js';
import { sleep, waitAtMost } from '../../runtime/sleep.js';
import { RowBuffer, type Batch } from './questdb-buffer.js';
import { parseQuestDbConfig, type QuestDbConfig } from './questdb-config.js';
import { questDbExec, QuestDbQueryError } from './questdb-exec.js';
import { eventRow, incidentRow, QUESTDB_DDL, timelineRow, type QuestDbRow } from './questdb-rows.js';
import type { SendOutcome } from './questdb-sender.js';
import { SenderThread } from './questdb-sender-thread.js';

/** What `createQuestDbSink` needs. */
export interface QuestDbSinkOptions {
  /** Client configuration string, `http::addr=HOST:PORT[;username=..;password=..|token=..]`. */
  readonly config: string;
  /** vigil's data folder; the spool lives in `<dataDir>/questdb-spool/`. */
  readonly dataDir: string;
  /** Most bytes kept (memory and spool together) while QuestDB is behind or down. */
  readonly maxBufferBytes: number;
  /** Send what is buffered at least this often. Default 250. */
  readonly flushIntervalMs?: number;
  /**
   * Send as soon as this many rows wait, and at most this many per request. Default 5,000:
   * at 100,000 events/s, 20,000-row batches cost the engine's thread about 3 points more
   * (larger messages to the sender thread, rows kept longer) for no gain in rows per second.
   */
  readonly batchRows?: number;
  /** Rows past this many bytes in memory move to spool files. Default min(64 MiB, maxBufferBytes / 4). */
  readonly memoryBytes?: number;
  /** First wait before probing an unreachable QuestDB again; doubles up to `probeMaxMs`. Default 250. */
  readonly probeMinMs?: number;
  /** Longest wait between probes. Default 30,000. */
  readonly probeMaxMs?: number;
  /** How long `close()` keeps sending before it spools the rest. Default 10,000. */
  readonly closeTimeoutMs?: number;
  /** Told when QuestDB becomes unreachable (once per outage) and when its backlog is delivered. */
  readonly onHealth?: (up: boolean, reason?: string) => void;
  /** Service messages (one line each, no newline). */
  readonly log: (message: string) => void;
}

/** The sink's figures, for metrics and tests. */
export interface QuestDbSinkStats {
  /** False from the failure that called `onHealth(false)` until the one that called `onHealth(true)`. */
  readonly up: boolean;
  /** Rows waiting (memory, spool, in flight) and their bytes. */
  readonly queuedRows: number;
  readonly queuedBytes: number;
  readonly memoryBytes: number;
  readonly spoolBytes: number;
  readonly spoolFiles: number;
  /** Rows QuestDB acknowledged since start. */
  readonly sentRows: number;
  /** Rows dropped because the buffer was full (oldest first), since start. */
  readonly droppedRows: number;
  /** Rows QuestDB refused for good (HTTP 400), since start. */
  readonly rejectedRows: number;
  /** Batches sent since start (a refused one is split into more requests to find the bad rows). */
  readonly requests: number;
  /** Why QuestDB was last unreachable, or null. */
  readonly lastError: string | null;
}

/** The QuestDB sink (see the file comment). */
export interface QuestDbSink {
  /** Stores a raw event in `vigil_events` (time = event time, body = the event as JSON). */
  writeEvent(event: Event): void;
  /** Stores a timeline entry in `vigil_timeline`. */
  writeTimeline(entry: TimelineEntry): void;
  /** Stores an incident as it is now in `vigil_incidents`; `time` is when it changed (default: its latest own time). */
  writeIncident(incident: Incident, time?: number): void;
  /**
   * Resolves once every row written before the call is in QuestDB (or was dropped/refused);
   * rejects if QuestDB is or becomes unreachable first (the rows stay buffered).
   */
  flush(): Promise<void>;
  /** Sends what it can within `closeTimeoutMs`, spools the rest for the next start, and stops. */
  close(): Promise<void>;
  /** Current figures: buffered, sent, dropped and refused rows, health. */
  stats(): QuestDbSinkStats;
}

/** Batches out at once while QuestDB keeps up: one in QuestDB while the next is encoded. */
const MAX_IN_FLIGHT = 2;

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

class QuestDbSinkImpl implements QuestDbSink {
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly probeMinMs: number;
  private readonly probeMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly thread: SenderThread;
  private connected = false;
  /** True from `onHealth(false)` until `onHealth(true)`. */
  private down = false;
  private probeDelayMs: number;
  private lastSeq: number;
  private wanted = false;
  private wake: (() => void) | undefined;
  /** Aborted by `close()`, so a wait between probes ends at once. */
  private readonly interrupt = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private stopping = false;
  private closed: Promise<void> | undefined;
  private readonly pump: Promise<void>;
  private waiters: FlushWaiter[] = [];
  private sentRows = 0;
  private rejectedRows = 0;
  private requests = 0;
  private lateWrites = 0;
  private lastError: string | null = null;
  private lastRejectLog = 0;

  constructor(
    private readonly options: QuestDbSinkOptions,
    private readonly config: QuestDbConfig,
    private readonly buffer: RowBuffer,
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.batchRows = options.batchRows ?? 5_000;
    this.probeMinMs = options.probeMinMs ?? 250;
    this.probeMaxMs = options.probeMaxMs ?? 30_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.probeDelayMs = this.probeMinMs;
    this.lastSeq = buffer.maxSeqOnDisk;
    this.thread = new SenderThread(config.senderConfig, options.log);
    // A backlog from the previous run is sent at once.
    this.wanted = buffer.hasBacklog;
    this.pump = this.run();
  }

  writeEvent(event: Event): void {
    if (this.closing) return this.refuseLate();
    this.accept(eventRow(event, this.nextSeq()));
  }

  writeTimeline(entry: TimelineEntry): void {
    if (this.closing) return this.refuseLate();
    this.accept(timelineRow(entry, this.nextSeq()));
  }

  writeIncident(incident: Incident, time?: number): void {
    if (this.closing) return this.refuseLate();
    this.accept(incidentRow(incident, this.nextSeq(), time));
  }

  flush(): Promise<void> {
    const target = this.lastSeq;
    if (this.buffer.lowestPendingSeq() > target) return Promise.resolve();
    if (this.down) return Promise.reject(this.downError());
    this.trigger();
    return new Promise((resolve, reject) => this.waiters.push({ target, resolve, reject }));
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  stats(): QuestDbSinkStats {
    const b = this.buffer.stats();
    return {
      up: !this.down,
      queuedRows: b.queuedRows,
      queuedBytes: b.queuedBytes,
      memoryBytes: b.memoryBytes,
      spoolBytes: b.spoolBytes,
      spoolFiles: b.spoolFiles,
      sentRows: this.sentRows,
      droppedRows: b.droppedRows + this.lateWrites,
      rejectedRows: this.rejectedRows,
      requests: this.requests,
      lastError: this.lastError,
    };
  }

  /** A seq above every earlier one, also across restarts: wall-clock µs, or one more than the last. */
  private nextSeq(): number {
    const now = Date.now() * 1000;
    this.lastSeq = now > this.lastSeq ? now : this.lastSeq + 1;
    return this.lastSeq;
  }

  private accept(row: QuestDbRow): void {
    this.buffer.push(row);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.trigger();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
    if (!this.wanted && this.buffer.memoryRows >= this.batchRows) this.trigger();
  }

  private refuseLate(): void {
    if (this.lateWrites++ === 0) this.options.log('questdb: write after close ignored');
  }

  private trigger(): void {
    this.wanted = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }


  private idle(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private downError(): Error {
    const reason = this.lastError ?? 'unknown';
    return new QuestDbQueryError(`QuestDB is unreachable (${reason}); ${this.buffer.stats().queuedRows} rows are buffered`, { unreachable: true, reason });
  }

  /** Creates the tables (idempotent; also the recovery probe) and opens the sender. */
  private async connect(): Promise<void> {
    for (const ddl of QUESTDB_DDL) await questDbExec(this.config, ddl, { timeoutMs: 5_000 });
    await this.thread.open();
  }

  /**
   * The sender retries refused connections until its deadline and then only says `timeout`;
   * one quick query tells a server that is gone from one that is slow.
   */
  private async explain(reason: string): Promise<string> {
    if (reason !== 'timeout') return reason;
    try {
      await questDbExec(this.config, 'select 1', { timeoutMs: 1_000 });
      return reason;
    } catch (e) {
      return e instanceof QuestDbQueryError && e.unreachable ? e.reason : reason;
    }
  }

  private markDown(reason: string): void {
    this.connected = false;
    this.lastError = reason;
    const waiters = this.waiters;
    this.waiters = [];
    if (!this.down) {
      this.down = true;
      this.probeDelayMs = this.probeMinMs;
      this.options.log(`questdb: unreachable (${reason}); buffering up to ${this.options.maxBufferBytes} bytes and probing`);
      this.options.onHealth?.(false, reason);
    } else {
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.probeMaxMs);
    }
    const error = this.downError();
    for (const w of waiters) w.reject(error);
  }

  private markUp(): void {
    this.down = false;
    this.probeDelayMs = this.probeMinMs;
    this.options.log(`questdb: reachable again; backlog delivered (${this.sentRows} rows sent since start, ${this.buffer.droppedRows} dropped)`);
    this.options.onHealth?.(true);
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const low = this.buffer.lowestPendingSeq();
    const still: FlushWaiter[] = [];
    for (const w of this.waiters) (low > w.target ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /** The pump: connects, sends batches when triggered, probes while QuestDB is down. */
  private async run(): Promise<void> {
    while (!this.stopping) {
      if (!this.connected) {
        if (this.down) {
          // Only `close()` cuts the wait short (writes do not hurry a probe).
          await sleep(this.probeDelayMs, { signal: this.interrupt.signal, ref: false });
          if (this.stopping) break;
        }
        try {
          await this.connect();
          this.connected = true;
        } catch (e) {
          this.markDown(e instanceof QuestDbQueryError ? e.reason : (e as Error).message);
          continue;
        }
      }
      if (!this.wanted && !this.down) {
        if (this.buffer.lowestPendingSeq() === Infinity) this.settleWaiters();
        await this.idle();
        continue;
      }
      this.wanted = false;
      // After an outage everything goes, one batch at a time; otherwise what was there when
      // triggered, with a second batch encoded and sent while the first is in QuestDB.
      const until = this.down ? Infinity : this.lastSeq;
      const inFlight = new Map<Batch, Promise<{ batch: Batch; outcome: SendOutcome }>>();
      let failure: string | undefined;
      for (;;) {
        while (!this.stopping && failure === undefined && inFlight.size < (this.down ? 1 : MAX_IN_FLIGHT)) {
          const batch = await this.buffer.take(this.batchRows, until);
          if (batch === undefined) break;
          inFlight.set(batch, this.sendBatch(batch).then((outcome) => ({ batch, outcome })));
        }
        if (inFlight.size === 0) break;
        const { batch, outcome } = await Promise.race(inFlight.values());
        inFlight.delete(batch);
        if (outcome.ok) {
          this.buffer.ack(batch);
          this.sentRows += batch.rows.length - outcome.rejected;
          this.settleWaiters();
          // Recovered once the outage's backlog is in, even while new rows keep coming.
          if (this.down && failure === undefined && !this.buffer.hasBacklog) this.markUp();
        } else {
          this.buffer.release(batch);
          failure ??= outcome.reason;
        }
      }
      if (failure !== undefined) this.markDown(await this.explain(failure));
      else if (this.down && !this.buffer.hasBacklog) this.markUp();
      this.settleWaiters();
    }
  }

  /**
   * Sends a batch. A connection QuestDB closed while idle (it restarted, say) fails once, so
   * a failure while QuestDB was up is tried again at once before it counts as an outage.
   */
  private async sendBatch(batch: Batch): Promise<SendOutcome> {
    const outcome = await this.sendRows(batch.rows);
    return outcome.ok || this.down ? outcome : this.sendRows(batch.rows);
  }

  /** Sends rows as one request (in the sender thread); refused rows are counted and logged. */
  private async sendRows(rows: readonly QuestDbRow[]): Promise<SendOutcome> {
    this.requests++;
    const outcome = await this.thread.send(rows);
    if (outcome.ok && outcome.rejected > 0) {
      this.rejectedRows += outcome.rejected;
      const now = Date.now();
      if (now - this.lastRejectLog >= 10_000) {
        this.lastRejectLog = now;
        this.options.log(`questdb: ${outcome.rejected} rows refused, skipped (${outcome.rejectReason ?? 'refused'}); ${this.rejectedRows} refused in all`);
      }
    }
    return outcome;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.down) {
      await waitAtMost(this.flush().catch(() => {}), this.closeTimeoutMs);
    }
    this.stopping = true;
    this.trigger();
    this.interrupt.abort();
    await this.pump;
    await this.buffer.persist();
    const rest = this.buffer.stats();
    if (rest.queuedRows > 0) this.options.log(`questdb: ${rest.queuedRows} unsent rows kept in the spool for the next start`);
    const error = this.downError();
    for (const w of this.waiters) w.reject(error);
    this.waiters = [];
    await this.thread.close();
  }
}

/**
 * Creates the QuestDB sink (see the file comment): checks the configuration, reopens the
 * spool a previous run left, and starts sending. QuestDB need not be up: the sink buffers
 * and reports it through `onHealth`.
 */
export async function createQuestDbSink(options: QuestDbSinkOptions): Promise<QuestDbSink> {
  const config = parseQuestDbConfig(options.config);
  const maxBytes = options.maxBufferBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024) throw new RangeError('maxBufferBytes must be an integer of at least 1024');
  const memoryBytes = Math.max(1, Math.min(options.memoryBytes ?? 64 * 1024 * 1024, Math.floor(maxBytes / 4)));
  // A batch (one request) and a spool file hold at most this much.
  const chunkBytes = Math.max(256, Math.min(4 * 1024 * 1024, Math.floor(maxBytes / 8), memoryBytes));
  const buffer = await RowBuffer.open({
    dir: path.join(options.dataDir, 'questdb-spool'),
    maxBytes,
    memoryBytes,
    chunkBytes,
    log: options.log,
  });
  return new QuestDbSinkImpl(options, config, buffer);
}
