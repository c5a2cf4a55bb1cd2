import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import type { Event } from '../../engine/model/event.js';
import { sampleEvent } from '../metrics/sample-event.js';

/**
 * The part of Prometheus' `prompb` definitions (types.proto, remote.proto, Apache License
 * 2.0, Copyright Prometheus Team) a remote-write 1.0 receiver reads: a `WriteRequest` of
 * time series, each labels and samples. Fields a newer sender adds (exemplars, native
 * histograms, metadata) are skipped by the decoder, as protobuf readers do; the gogoproto
 * options are left out because they only shape Go code.
 */
const PROMPB = `
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated prometheus.TimeSeries timeseries = 1;
  reserved 2;
}

message TimeSeries {
  repeated Label labels   = 1;
  repeated Sample samples = 2;
}

message Label {
  string name  = 1;
  string value = 2;
}

message Sample {
  double value    = 1;
  int64 timestamp = 2;
}
`;

const writeRequestType = protobuf.parse(PROMPB, { keepCase: true }).root.lookupType('prometheus.WriteRequest');

interface DecodedLabel {
  name: string;
  value: string;
}
interface DecodedSample {
  value: number;
  timestamp: number | { toNumber(): number };
}
interface DecodedWriteRequest {
  timeseries: { labels: DecodedLabel[]; samples: DecodedSample[] }[];
}

/** What one remote-write body held: the events made of its samples and each sample refused. */
export interface DecodedWrite {
  readonly events: Event[];
  /** Each event's JSON text (`json[i]` is `events[i]`), so the journal need not serialise them. */
  readonly json: string[];
  /** Samples in the body, NaN ones (staleness markers) included. */
  readonly samples: number;
  /** NaN samples, skipped: Prometheus' staleness markers, which no event can hold. */
  readonly skipped: number;
  readonly refused: string[];
}

/** Why a body could not be read at all. */
export class WriteRequestError extends Error {
  override readonly name = 'WriteRequestError';
}

/**
 * Decodes a remote-write 1.0 body: snappy block format (not framed), then a protobuf
 * `prometheus.WriteRequest`; each sample becomes a metrics event named by its `__name__`
 * label, with the other labels. `maxBytes` bounds the decompressed size, read from the
 * snappy header before anything is allocated. A body that does not decompress or decode
 * throws `WriteRequestError`; a bad sample is refused alone.
 */
export function decodeWriteRequest(body: Uint8Array, maxBytes: number): DecodedWrite {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, maxBytes);
  } catch (e) {
    throw new WriteRequestError(`the body is not snappy-compressed (block format): ${(e as Error).message}`);
  }
  let request: DecodedWriteRequest;
  try {
    request = writeRequestType.decode(raw) as unknown as DecodedWriteRequest;
  } catch (e) {
    throw new WriteRequestError(`the body is not a protobuf prometheus.WriteRequest: ${(e as Error).message}`);
  }
  const events: Event[] = [];
  const json: string[] = [];
  const refused: string[] = [];
  let samples = 0;
  let skipped = 0;
  for (const series of request.timeseries) {
    let name = '';
    const labels: Record<string, string> = {};
    for (const label of series.labels) {
      if (label.name === '__name__') name = label.value;
      else labels[label.name] = label.value;
    }
    // The text of what all samples of the series share, made once per series.
    let tail: string | undefined;
    const nameJson = JSON.stringify(name);
    for (const sample of series.samples) {
      samples++;
      if (Number.isNaN(sample.value)) {
        skipped++;
        continue;
      }
      const ts = sample.timestamp;
      const timeMs = typeof ts === 'number' ? ts : ts.toNumber();
      const checked = sampleEvent({ name, value: sample.value, labels, timeMs });
      if (checked.ok) {
        const event = checked.event;
        if (tail === undefined) {
          // Every field after `value` (job, instance, labels) is the series' own.
          const { stream: _s, time: _t, name: _n, value: _v, ...rest } = event as Record<string, unknown>;
          tail = `,${JSON.stringify(rest).slice(1)}`;
        }
        events.push(event);
        // Same fields in the same order as the event; a finite number prints as JSON does.
        json.push(`{"stream":"metrics","time":${timeMs},"name":${nameJson},"value":${String(sample.value)}${tail}`);
      } else refused.push(name === '' ? `a series without __name__ (${checked.error})` : checked.error);
    }
  }
  return { events, json, samples, skipped, refused };
}
