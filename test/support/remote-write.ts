/**
 * A remote-write sender for tests and benchmarks: encodes `prometheus.WriteRequest`
 * bodies with protobufjs from Prometheus' own field numbers (types.proto, remote.proto)
 * and compresses them with snappy, as Prometheus' `remote_write` does.
 */

import protobuf from 'protobufjs';
import snappy from 'snappyjs';

const root = protobuf.parse(`
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`).root;
const writeRequest = root.lookupType('prometheus.WriteRequest');

/** One series to send: its labels (with `__name__`) and samples. */
export interface SeriesToWrite {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly { readonly value: number; readonly timestampMs: number }[];
}

/** The protobuf bytes of a WriteRequest (uncompressed). */
export function encodeWriteRequest(series: readonly SeriesToWrite[]): Uint8Array {
  const message = writeRequest.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map((x) => ({ value: x.value, timestamp: x.timestampMs })),
    })),
  });
  return writeRequest.encode(message).finish();
}

/** Posts one remote-write batch the way Prometheus does; answers the status and body text. */
export async function postRemoteWrite(url: string, series: readonly SeriesToWrite[], headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const body = snappy.compress(encodeWriteRequest(series));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}
