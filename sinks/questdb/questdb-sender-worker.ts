/**
 * The QuestDB sender thread: owns the ILP `Sender` and turns batches of rows into HTTP
 * requests off the engine's thread. Messages (see `questdb-sender-thread.ts`):
 * `open` → `opened`, `send` → `sent`, `close` → `closed`; `log` lines go the other way.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Sender } from '@questdb/nodejs-client';
import type { QuestDbRow } from './questdb-rows.js';
import { describeSendError, openSender, sendRows } from './questdb-sender.js';

/** A request from the sink. */
export type SenderRequest =
  | { readonly t: 'open'; readonly id: number }
  | { readonly t: 'send'; readonly id: number; readonly rows: readonly QuestDbRow[] }
  | { readonly t: 'close'; readonly id: number };

const port = parentPort!;
const { senderConfig } = workerData as { senderConfig: string };
let sender: Sender | undefined;
const log = (message: string): void => port.postMessage({ t: 'log', message });

async function handle(request: SenderRequest): Promise<void> {
  switch (request.t) {
    case 'open':
      try {
        sender ??= await openSender(senderConfig, log);
        port.postMessage({ t: 'opened', id: request.id });
      } catch (e) {
        port.postMessage({ t: 'opened', id: request.id, error: describeSendError(e).reason });
      }
      return;
    case 'send':
      if (sender === undefined) {
        port.postMessage({ t: 'sent', id: request.id, outcome: { ok: false, reason: 'sender not open' } });
        return;
      }
      port.postMessage({ t: 'sent', id: request.id, outcome: await sendRows(sender, request.rows) });
      return;
    case 'close':
      if (sender !== undefined) {
        // Every batch was flushed when it was sent; this only empties what a failed one left.
        await sender.flush().catch(() => false);
        await sender.close();
        sender = undefined;
      }
      port.postMessage({ t: 'closed', id: request.id });
      return;
  }
}

// Handled as they come: a batch is encoded and handed to HTTP synchronously, so the next one
// can be encoded while the previous request is still out (`sendRows` never awaits between
// encoding and `flush`, which copies the encoded bytes before it sends them).
port.on('message', (request: SenderRequest) => {
  handle(request).catch((e: unknown) => log(`questdb: sender thread: ${(e as Error)?.message ?? String(e)}`));
});
