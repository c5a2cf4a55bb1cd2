/**
 * Alertmanager's alert identity: the fingerprint of a label set, computed exactly as
 * Prometheus' `model.LabelSet.Fingerprint` does (FNV-1a 64 over the label names in sorted
 * order, each name and value followed by the byte 0xff), printed as 16 hex digits. Tools
 * that keep fingerprints (amtool, Grafana, webhook receivers) see the same ids from vigil
 * as from an Alertmanager.
 */

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

function addBytes(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}

/** The fingerprint of a label set as 16 lower-case hex digits (Prometheus' `Fingerprint.String()`). */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  let h = OFFSET;
  // Go sorts label names by byte order; JavaScript's default sort is by UTF-16 code unit,
  // which agrees for the ASCII names label validation allows.
  for (const name of Object.keys(labels).sort()) {
    h = addBytes(h, encoder.encode(name));
    h = ((h ^ BigInt(SEPARATOR)) * PRIME) & MASK;
    h = addBytes(h, encoder.encode(labels[name]!));
    h = ((h ^ BigInt(SEPARATOR)) * PRIME) & MASK;
  }
  return h.toString(16).padStart(16, '0');
}
