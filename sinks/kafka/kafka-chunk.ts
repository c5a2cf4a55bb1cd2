/**
 * How a chunk of one partition's messages crosses from the Kafka consumer thread to the
 * engine's thread, and how the engine's side turns it into events.
 *
 * The consumer thread does as little per message as it can (it is the slower side: kafkajs
 * decoding the fetch responses costs more than everything vigil does with a message):
 * it copies the values into one buffer, each followed by a newline byte, and records
 * their lengths and Kafka timestamps. The buffer moves to the engine's thread without a
 * copy. A newline cannot complete a multi-byte UTF-8 sequence, so the whole buffer is
 * valid UTF-8 exactly when every value is, and the common all-ASCII case is decoded with
 * one call and sliced.
 *
 * The engine's side parses each value (JSON or logfmt), sets the topic's stream and the
 * time (the Kafka timestamp when the message has none) and validates the result with the
 * intake validator, like every other edge. A JSON value's text is kept for the journal.
 */

import { isAscii, isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';
import type { Event } from '../../engine/model/event.js';
import { appendJsonFields } from '../../engine/model/event-json.js';
import type { EventCheck } from '../../ingest/event-validator.js';
import { parseLogfmt } from '../../ingest/logfmt.js';

/** How one topic's messages become events. */
export interface KafkaTopicMapping {
  readonly topic: string;
  /** The stream every event from this topic gets (it replaces the message's own). */
  readonly stream: string;
  /** `json`: one JSON object per message; `logfmt`: one logfmt record per message. */
  readonly format: 'json' | 'logfmt';
}

/** One chunk of consecutive messages of one partition, as it crosses between threads. */
export interface WireChunk {
  /** Numbers the consumer thread's chunks; the engine's side answers with it. */
  readonly id: number;
  readonly topic: string;
  readonly partition: number;
  /** Every value's bytes followed by a newline byte (a message without value: just the newline). */
  readonly bytes: Uint8Array;
  /** Each message's value length in bytes, -1 for a message without value. */
  readonly lengths: Int32Array;
  /** Each message's Kafka timestamp (epoch ms; NaN when it has none). */
  readonly timestamps: Float64Array;
}

/** A message of a chunk that is not a valid event: its index in the chunk and why. */
export interface RejectedMessage {
  readonly index: number;
  readonly reason: string;
}

const NEWLINE = 0x0a;

/** Packs consecutive messages of one partition (the consumer thread's side). */
export function packChunk(id: number, topic: string, partition: number, messages: readonly Pick<KafkaMessage, 'value' | 'timestamp'>[]): WireChunk {
  const n = messages.length;
  const lengths = new Int32Array(n);
  const timestamps = new Float64Array(n);
  let total = n;
  for (let i = 0; i < n; i++) {
    const { value, timestamp } = messages[i]!;
    lengths[i] = value === null ? -1 : value.length;
    if (value !== null) total += value.length;
    timestamps[i] = timestamp === undefined || timestamp === null ? NaN : Number(timestamp);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const value = messages[i]!.value;
    if (value !== null) {
      bytes.set(value, at);
      at += value.length;
    }
    bytes[at++] = NEWLINE;
  }
  return { id, topic, partition, bytes, lengths, timestamps };
}

/** The buffers `postMessage` can move instead of copying. */
export function chunkTransferList(chunk: WireChunk): ArrayBuffer[] {
  return [chunk.bytes.buffer as ArrayBuffer, chunk.lengths.buffer as ArrayBuffer, chunk.timestamps.buffer as ArrayBuffer];
}

/**
 * The chunk's values as text: a string, null for a message without value, or undefined
 * for a value that is not UTF-8.
 */
export function chunkValues(chunk: WireChunk): (string | null | undefined)[] {
  const buf = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
  const { lengths } = chunk;
  const values = new Array<string | null | undefined>(lengths.length);
  const ascii = isAscii(buf);
  const allUtf8 = ascii || isUtf8(buf);
  // ASCII: one decode, and byte offsets are character offsets.
  const text = ascii ? buf.toString('latin1') : '';
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i]!;
    if (length < 0) values[i] = null;
    else if (ascii) values[i] = text.slice(at, at + length);
    else if (allUtf8 || isUtf8(buf.subarray(at, at + length))) values[i] = buf.toString('utf8', at, at + length);
    else values[i] = undefined;
    at += Math.max(length, 0) + 1;
  }
  return values;
}

/** A message decoded: its event and, for JSON, the event's JSON text; or why it is no event. */
export type DecodedValue = { readonly ok: true; readonly event: Event; readonly json: string | undefined } | { readonly ok: false; readonly error: string };

/**
 * Turns one message value into a validated event of `mapping.stream`, or says why it
 * cannot be one (the reason that goes into the `vigil-error` header). `timestamp` is the
 * Kafka timestamp, which stands in for a missing `time`; `validate` is the intake validator.
 * A JSON value's text is kept, with the stream and time vigil set appended, as the event's
 * JSON (`engine/event-json.ts`).
 */
export function decodeKafkaValue(
  mapping: KafkaTopicMapping,
  value: string | null | undefined,
  timestamp: number,
  validate: (raw: unknown, now: number) => EventCheck,
): DecodedValue {
  if (value === null) return { ok: false, error: 'message has no value' };
  if (value === undefined) return { ok: false, error: 'value is not UTF-8' };
  let fields: Record<string, unknown>;
  if (mapping.format === 'logfmt') {
    const parsed = parseLogfmt(value);
    if (!parsed.ok) return { ok: false, error: `not logfmt: ${parsed.error} at position ${parsed.at}` };
    // An ordinary object like JSON's (logfmt's has no prototype); a spread keeps `__proto__` a plain field.
    fields = { ...parsed.fields };
  } else {
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch (error) {
      return { ok: false, error: `not JSON: ${(error as Error).message}` };
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: 'not a JSON object' };
    fields = raw as Record<string, unknown>;
  }
  // A numeric time stays as it is; any other is set by the validator.
  const timeKept = typeof fields.time === 'number';
  // The parsed object is ours: setting the stream in place spares a copy per message.
  fields.stream = mapping.stream;
  const now = Number.isSafeInteger(timestamp) && timestamp >= 0 ? timestamp : Date.now();
  const checked = validate(fields, now);
  if (!checked.ok) return checked;
  if (mapping.format !== 'json') return { ok: true, event: checked.event, json: undefined };
  const added = `"stream":${JSON.stringify(mapping.stream)}${timeKept ? '' : `,"time":${checked.event.time}`}`;
  return { ok: true, event: checked.event, json: appendJsonFields(value, added) };
}

/** Decodes a whole chunk (the engine's side): its valid events in order, and the rest. */
export function decodeChunk(
  chunk: WireChunk,
  mapping: KafkaTopicMapping,
  validate: (raw: unknown, now: number) => EventCheck,
): { events: Event[]; json: (string | undefined)[]; rejected: RejectedMessage[] } {
  const values = chunkValues(chunk);
  const events: Event[] = [];
  const json: (string | undefined)[] = [];
  const rejected: RejectedMessage[] = [];
  for (let i = 0; i < values.length; i++) {
    const decoded = decodeKafkaValue(mapping, values[i], chunk.timestamps[i]!, validate);
    if (decoded.ok) {
      events.push(decoded.event);
      json.push(decoded.json);
    } else rejected.push({ index: i, reason: decoded.error });
  }
  return { events, json, rejected };
}
