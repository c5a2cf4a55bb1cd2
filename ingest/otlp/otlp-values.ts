import { FORBIDDEN_KEYS } from '../event-schema.js';

/**
 * Readers for OTLP values in the shape shared by decoded protobuf and OTLP/JSON bodies.
 * The input is untrusted: every reader checks the type it is given and answers
 * `undefined` (or an empty list) for anything else, so a malformed body becomes a refused
 * record, never an exception.
 */

/** A plain object, or undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) ? (v as Record<string, unknown>) : undefined;
}

/** An array, or an empty one. */
export function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string, or undefined. */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A number from a JSON number or a decimal string (OTLP/JSON sends 64-bit integers as strings). */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    // The protobuf JSON mapping spells the special doubles as these strings.
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** Epoch ms from a `fixed64` nanosecond time (string or number); undefined when unset (0) or not a time. */
export function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) return undefined;
    // Cut the nanoseconds off as text: the whole value does not fit a double exactly.
    const ms = v.length > 6 ? Number(v.slice(0, -6)) : 0;
    return ms > 0 ? ms : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
    const ms = Math.floor(v / 1e6);
    return ms > 0 ? ms : undefined;
  }
  return undefined;
}

const FORBIDDEN = new Set(FORBIDDEN_KEYS);

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex: protobuf gives bytes, OTLP/JSON hex text. Undefined
 * when unset or all zero (an invalid id, as the spec says); `null` when it is not an id
 * of `bytes` bytes.
 */
export function hexId(v: unknown, bytes: number): string | undefined | null {
  let hex: string;
  if (v === undefined || v === '') return undefined;
  if (v instanceof Uint8Array) {
    if (v.length === 0) return undefined;
    hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  } else if (typeof v === 'string' && HEX.test(v)) hex = v.toLowerCase();
  else return null;
  if (hex.length !== bytes * 2) return null;
  return /^0+$/.test(hex) ? undefined : hex;
}

/**
 * An `AnyValue` as text: strings as they are, numbers and booleans printed, bytes in
 * base64, arrays and key-value lists as JSON. Undefined for an empty value.
 */
export function anyValueText(v: unknown): string | undefined {
  const any = asObject(v);
  if (any === undefined) return undefined;
  if (typeof any.stringValue === 'string') return any.stringValue;
  if (typeof any.boolValue === 'boolean') return String(any.boolValue);
  if (any.intValue !== undefined) {
    const n = any.intValue;
    return typeof n === 'string' || typeof n === 'number' ? String(n) : undefined;
  }
  if (any.doubleValue !== undefined) {
    const n = asNumber(any.doubleValue);
    return n === undefined ? undefined : String(n);
  }
  if (any.bytesValue !== undefined) {
    const b = any.bytesValue;
    return b instanceof Uint8Array ? Buffer.from(b).toString('base64') : asString(b);
  }
  if (any.arrayValue !== undefined || any.kvlistValue !== undefined) return JSON.stringify(anyValueJson(any));
  return undefined;
}

/** An `AnyValue` as the plain JSON value it stands for (for nested arrays and maps). */
function anyValueJson(any: Record<string, unknown>, depth = 0): unknown {
  if (depth > 32) return null;
  if (any.arrayValue !== undefined) return asArray(asObject(any.arrayValue)?.values).map((x) => anyValueJson(asObject(x) ?? {}, depth + 1));
  if (any.kvlistValue !== undefined) {
    const out: Record<string, unknown> = {};
    for (const kv of asArray(asObject(any.kvlistValue)?.values)) {
      const k = asString(asObject(kv)?.key);
      if (k !== undefined) Object.defineProperty(out, k, { value: anyValueJson(asObject(asObject(kv)?.value) ?? {}, depth + 1), enumerable: true });
    }
    return out;
  }
  if (typeof any.stringValue === 'string' || typeof any.boolValue === 'boolean') return any.stringValue ?? any.boolValue;
  const n = asNumber(any.intValue ?? any.doubleValue);
  if (n !== undefined) return Number.isFinite(n) ? n : String(n);
  return anyValueText(any) ?? null;
}

/**
 * An attribute key as a Prometheus label name: every character outside `[a-zA-Z0-9_]`
 * becomes `_` and a leading digit gets a `_` in front, as Prometheus' OTLP translation
 * does (`service.name` becomes `service_name`). Empty for an empty key.
 */
export function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** A metric name in Prometheus' alphabet (`http.server.duration` becomes `http_server_duration`). */
export function metricName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/**
 * A list of `KeyValue` attributes into `labels` (later keys win), names made label names,
 * values as text; empty keys and empty values are left out.
 */
export function addAttributes(labels: Record<string, string>, attributes: unknown): void {
  for (const kv of asArray(attributes)) {
    const o = asObject(kv);
    const key = asString(o?.key);
    if (key === undefined || key === '') continue;
    const text = anyValueText(o?.value);
    const name = labelName(key);
    // Kept out rather than refused: as keys they would reach an object's prototype.
    if (text === undefined || text === '' || FORBIDDEN.has(name)) continue;
    labels[name] = text;
  }
}

/** One attribute's value as text, or undefined. */
export function attribute(attributes: unknown, key: string): string | undefined {
  for (const kv of asArray(attributes)) {
    const o = asObject(kv);
    if (o?.key === key) return anyValueText(o.value);
  }
  return undefined;
}
