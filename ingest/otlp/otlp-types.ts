import protobuf from 'protobufjs';
import { OTLP_PROTO_FILES } from './otlp-proto-files.js';

const root = new protobuf.Root();
for (const file of OTLP_PROTO_FILES) protobuf.parse(file.text, root, { keepCase: false });
root.resolveAll();

const type = (name: string): protobuf.Type => root.lookupType(name);

/**
 * The OTLP messages the receiver reads and answers with, from the vendored protocol files:
 * field names in lowerCamelCase, as the OTLP/JSON mapping names them, so a decoded
 * protobuf message and a parsed JSON body have one shape.
 */
export const OtlpTypes = {
  logsRequest: type('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  logsResponse: type('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
  metricsRequest: type('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  metricsResponse: type('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
} as const;

/**
 * Decodes an OTLP protobuf body into the plain shape of its JSON form: 64-bit integers as
 * decimal strings, enums as numbers, bytes as `Uint8Array` (ids become hex later). Throws
 * on bytes that are not the message.
 */
export function decodeOtlp(messageType: protobuf.Type, body: Uint8Array): unknown {
  const message = messageType.decode(body);
  return messageType.toObject(message, { longs: String, enums: Number, defaults: false, arrays: false });
}

/** Encodes a response message (`{partialSuccess: {...}}`) as protobuf. */
export function encodeOtlp(messageType: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  return messageType.encode(messageType.fromObject(value)).finish();
}
