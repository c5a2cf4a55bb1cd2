/**
 * The sink's handle on its sender thread (`questdb-sender-worker.ts`): starts it, sends it
 * batches and waits for their outcome. Rows cross as structured clones (a fraction of a µs
 * each); encoding them to ILP, the costly part, happens over there.
 */

import { Worker } from 'node:worker_threads';
import { waitAtMost } from '../../runtime/sleep.js';
import type { QuestDbRow } from './questdb-rows.js';
import type { SendOutcome } from './questdb-sender.js';
import type { SenderRequest } from './questdb-sender-worker.js';

type Reply =
  | { readonly t: 'log'; readonly message: string }
  | { readonly t: 'opened'; readonly id: number; readonly error?: string }
  | { readonly t: 'sent'; readonly id: number; readonly outcome: SendOutcome }
  | { readonly t: 'closed'; readonly id: number };

/** How long `close` waits for the thread to flush and close its sender before ending it. */
const CLOSE_TIMEOUT_MS = 5_000;

/** A sender thread for one configuration string. */
export class SenderThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply | undefined) => void>();

  constructor(
    private readonly senderConfig: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Starts the thread if needed and opens its sender; rejects with the reason it could not. */
  async open(): Promise<void> {
    const reply = await this.request({ t: 'open', id: 0 });
    if (reply === undefined) throw new Error('sender thread exited');
    if (reply.t === 'opened' && reply.error !== undefined) throw new Error(reply.error);
  }

  /** Sends rows as one batch; a thread that died is an outage like any other. */
  async send(rows: readonly QuestDbRow[]): Promise<SendOutcome> {
    const reply = await this.request({ t: 'send', id: 0, rows });
    if (reply === undefined || reply.t !== 'sent') return { ok: false, reason: 'sender thread exited' };
    return reply.outcome;
  }

  /** Flushes and closes the sender, then ends the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await waitAtMost(this.request({ t: 'close', id: 0 }), CLOSE_TIMEOUT_MS);
    this.worker = undefined;
    await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(new URL('./questdb-sender-worker.js', import.meta.url), { workerData: { senderConfig: this.senderConfig } });
    // An idle thread never keeps the process alive.
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (reply.t === 'log') {
        this.log(reply.message);
        return;
      }
      const done = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      done?.(reply);
    });
    worker.on('error', (e) => this.log(`questdb: sender thread failed: ${e.message}`));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      for (const done of this.pending.values()) done(undefined);
      this.pending.clear();
    });
    this.worker = worker;
    return worker;
  }

  private request(request: SenderRequest): Promise<Reply | undefined> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      // Referenced while a request is out, so a caller awaiting it keeps the process alive.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, resolve);
      worker.postMessage({ ...request, id });
    });
  }
}
