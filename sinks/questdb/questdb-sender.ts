/**
 * The ILP side of the QuestDB sink: opens a `Sender` of `@questdb/nodejs-client` and sends
 * batches of rows with it, one HTTP request per batch. It runs in the sender thread
 * (`questdb-sender-worker.ts`), so encoding rows never takes time from the engine.
 */

import { Sender } from '@questdb/nodejs-client';
import { describeNetworkError } from './questdb-exec.js';
import { encodeRow, type QuestDbRow, type RowSender } from './questdb-rows.js';

/** What sending one batch came to. `rejected` rows were refused for good and skipped. */
export type SendOutcome =
  | { readonly ok: true; readonly rejected: number; readonly rejectReason?: string }
  | { readonly ok: false; readonly reason: string };

/** Errors that mean QuestDB will never take the batch as it is (bad data, too large). */
const REFUSED_STATUS = new Set([400, 413, 422]);

/** Why a sender call failed, in a few words (never the configuration string). */
export function describeSendError(e: unknown): { readonly refused: boolean; readonly reason: string } {
  const message = (e as Error)?.message ?? String(e);
  const status = /statusCode=(\d{3})/.exec(message);
  if (status !== null) {
    const code = Number(status[1]);
    const detail = /error=(.*)$/s.exec(message)?.[1]?.slice(0, 300) ?? '';
    return { refused: REFUSED_STATUS.has(code), reason: `HTTP ${code}${detail === '' ? '' : `: ${detail.trim()}`}` };
  }
  if (/timeout/i.test(message)) return { refused: false, reason: 'timeout' };
  return { refused: false, reason: describeNetworkError(e) };
}

/** The client's internal row buffer, as far as `speedUpEscaping` touches it. */
interface ClientBuffer {
  buffer: Uint8Array;
  position: number;
  writeEscaped(data: string, quoted?: boolean): void;
  toBufferView(pos?: number): Uint8Array | null;
}

const ESCAPE_QUOTED = new Uint8Array(256);
const ESCAPE_UNQUOTED = new Uint8Array(256);
for (const c of '\\"\n\r') ESCAPE_QUOTED[c.charCodeAt(0)] = 1;
for (const c of '\\ ,=\n\r') ESCAPE_UNQUOTED[c.charCodeAt(0)] = 1;
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * ILP escaping over bytes: the UTF-8 of `data` with a backslash before each byte ILP
 * escapes. Escaped characters are all ASCII and UTF-8 never uses ASCII bytes inside a
 * multi-byte character, so this is exactly the client's character-by-character escaping.
 */
function fastWriteEscaped(this: ClientBuffer, data: string, quoted = false): void {
  if (data.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(data.length * 3);
  const n = scratch.write(data, 0);
  const escape = quoted ? ESCAPE_QUOTED : ESCAPE_UNQUOTED;
  const target = this.buffer;
  let pos = this.position;
  for (let i = 0; i < n; i++) {
    const c = scratch[i]!;
    if (escape[c] === 1) target[pos++] = 92;
    target[pos++] = c;
  }
  this.position = pos;
}

/** Rows with every character ILP escapes, non-ASCII text and every table: the self-check's input. */
const CHECK_ROWS: readonly QuestDbRow[] = [
  ['e', 1_700_000_000_000_123, 1, 'a b,c=d\\e"f\ng\rh', '{"x":"q\\"uo\\\\te","y":"\u00e9\u{1F600}\ud800"}'],
  ['t', 1_700_000_000_000_000, 2, 7, 'inc 1', 'rule,x', 'firing', '{"host=":"a b"}', '{"note":"line\nbreak"}'],
  ['t', 1_700_000_000_000_000, 3, 8, null, 'r', 'pending', '{}', '{}'],
  ['i', 1_700_000_000_000_000, 4, 'inc=1', 'r', 'firing', 'critical', '{"a":"b"}', '97.5', 'sum "mary"\\', 1_700_000_000_000_000, 1, 'o p', 2, null],
];

/**
 * Replaces the client's per-character escaping (one `Buffer.write` per character, about
 * 10 µs for a 100-byte event) with `fastWriteEscaped`, which writes the same bytes. It
 * checks that first: it encodes `CHECK_ROWS` both ways and keeps the client's own code if
 * anything differs or the client's internals are not what it expects. Returns whether the
 * faster path is on.
 */
export function speedUpEscaping(sender: Sender): boolean {
  const internal = (sender as unknown as { buffer?: Partial<ClientBuffer> }).buffer;
  if (
    internal === undefined ||
    typeof internal.writeEscaped !== 'function' ||
    typeof internal.toBufferView !== 'function' ||
    !(internal.buffer instanceof Uint8Array) ||
    typeof internal.position !== 'number'
  ) {
    return false;
  }
  const buffer = internal as ClientBuffer;
  const encodeAll = (): Buffer => {
    sender.reset();
    for (const row of CHECK_ROWS) encodeRow(sender as unknown as RowSender, row);
    const bytes = Buffer.from(buffer.toBufferView() ?? new Uint8Array(0));
    sender.reset();
    return bytes;
  };
  const original = buffer.writeEscaped;
  let ok = false;
  try {
    const expected = encodeAll();
    buffer.writeEscaped = fastWriteEscaped;
    ok = expected.length > 0 && expected.equals(encodeAll());
  } catch {
    ok = false;
  }
  if (!ok) buffer.writeEscaped = original;
  return ok;
}

/** Opens a sender for a configuration string (`QuestDbConfig.senderConfig`). */
export async function openSender(senderConfig: string, log: (message: string) => void): Promise<Sender> {
  const sender = await Sender.fromConfig(senderConfig, {
    log: (level, message) => {
      if (level === 'error' || level === 'warn') log(`questdb: client: ${String(message)}`);
    },
  });
  speedUpEscaping(sender);
  return sender;
}

/**
 * Sends rows as one request. A request QuestDB refuses for good (HTTP 400, 413, 422) is
 * halved until the refused rows are found; they are skipped and counted, the rest is sent.
 */
export async function sendRows(sender: Sender, rows: readonly QuestDbRow[]): Promise<SendOutcome> {
  let encoded = false;
  try {
    sender.reset();
    for (const row of rows) encodeRow(sender as unknown as RowSender, row);
    encoded = true;
    await sender.flush();
    return { ok: true, rejected: 0 };
  } catch (e) {
    sender.reset();
    const { refused, reason } = encoded ? describeSendError(e) : { refused: true, reason: `cannot encode: ${(e as Error).message}` };
    if (!refused) return { ok: false, reason };
    if (rows.length === 1) return { ok: true, rejected: 1, rejectReason: reason };
    const half = rows.length >> 1;
    const first = await sendRows(sender, rows.slice(0, half));
    if (!first.ok) return first;
    const second = await sendRows(sender, rows.slice(half));
    if (!second.ok) return second;
    const rejectReason = first.rejectReason ?? second.rejectReason;
    return { ok: true, rejected: first.rejected + second.rejected, ...(rejectReason === undefined ? {} : { rejectReason }) };
  }
}
