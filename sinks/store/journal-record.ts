/**
 * The journal's framing: one line per write, holding the records of one `append` or
 * `appendMany` call,
 *
 *     <seq> <count> <length> <crc32-hex> <json>\n
 *
 * where `<json>` is the array of the `count` bodies, which get seqs `seq` .. `seq + count - 1`,
 * `length` is its UTF-8 byte length, and the CRC32 covers the text `<seq> <count> <length> `
 * followed by the JSON bytes, so a flipped digit in the header is caught like one in a body.
 * The CRC is zlib's CRC-32 (IEEE 802.3, as in gzip), continued from the header's over the
 * JSON; `zlib.crc32` needs Node 20.15.
 *
 * A frame per write rather than per record: serialising a 500-event batch with one
 * JSON.stringify and one CRC is several times cheaper than 500 of each, and it makes a
 * batch all-or-nothing (a crash mid-write cannot leave half of an unacknowledged batch to
 * be replayed). JSON text never holds a raw newline (JSON.stringify escapes it), so a
 * newline always ends a frame: a reader that meets damage resynchronises at the next one.
 * `cut -d' ' -f5- | jq` reads a segment.
 */
import { crc32 } from 'node:zlib';

/** One journal entry: its sequence number and the caller's body. */
export interface JournalRecord<T> {
  seq: number;
  body: T;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
/** Room for the longest header: three 16-digit numbers, 8 hex digits and four spaces. */
const HEADER_ROOM = 64;
/** The encoder keeps a buffer up to this size for reuse; bigger frames get their own. */
const MAX_RETAINED_BYTES = 8 * 1024 * 1024;

/**
 * Turns a batch of bodies into one frame, serialised straight into a reusable buffer after
 * room left for the header. Not reentrant: the returned view is valid until the next call.
 */
export class FrameEncoder {
  private out = Buffer.allocUnsafe(1 << 16);

  /**
   * Frames `bodies` as records `firstSeq`, `firstSeq + 1`, ... `json[i]`, when given, is the
   * JSON text of `bodies[i]` already (one line, parsing to an equal value), used instead of
   * serialising it again. Throws a TypeError for a body JSON cannot represent (undefined, a
   * function, a symbol), which an array would otherwise silently turn into null.
   */
  encode(firstSeq: number, bodies: readonly unknown[], json?: readonly (string | undefined)[]): Buffer {
    for (let i = 0; i < bodies.length; i++) {
      const kind = typeof bodies[i];
      if (kind === 'undefined' || kind === 'function' || kind === 'symbol') {
        throw new TypeError(`journal record ${firstSeq + i}: body is not JSON-serialisable`);
      }
    }
    const text = json === undefined ? JSON.stringify(bodies) : `[${bodies.map((body, i) => json[i] ?? JSON.stringify(body)).join(',')}]`;
    // One UTF-16 unit never takes more than three UTF-8 bytes.
    const need = HEADER_ROOM + text.length * 3 + 1;
    let out = this.out;
    if (need > out.length) {
      out = Buffer.allocUnsafe(need);
      if (need <= MAX_RETAINED_BYTES) this.out = out;
    }
    const length = out.write(text, HEADER_ROOM, 'utf8');
    const head = `${firstSeq} ${bodies.length} ${length} `;
    const crc = crc32(out.subarray(HEADER_ROOM, HEADER_ROOM + length), crc32(Buffer.from(head, 'latin1')));
    const header = `${head}${crc.toString(16).padStart(8, '0')} `;
    const start = HEADER_ROOM - header.length;
    out.write(header, start, 'latin1');
    out[HEADER_ROOM + length] = NEWLINE;
    return out.subarray(start, HEADER_ROOM + length + 1);
  }
}

/** Why a stretch of a segment could not be read as frames. */
export type DamageReason = 'truncated' | 'bad header' | 'crc mismatch' | 'bad json';

/** A stretch of bytes that holds no valid frame, with the reason its first frame failed. */
export interface Damage {
  readonly offset: number;
  readonly length: number;
  readonly reason: DamageReason;
}

/** What a segment holds: its valid records in file order and the damaged stretches between. */
export interface SegmentScan<T> {
  readonly records: JournalRecord<T>[];
  readonly damage: Damage[];
  /** Byte offset just after the last valid frame (0 when there is none). */
  readonly validEnd: number;
}

/** Reads a decimal number ending at a space; returns [value, index after the space] or undefined. */
function readNumber(buf: Buffer, from: number): [number, number] | undefined {
  let value = 0;
  let i = from;
  const end = Math.min(buf.length, from + 17);
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === SPACE) break;
    if (b < 0x30 || b > 0x39) return undefined;
    value = value * 10 + (b - 0x30);
  }
  if (i === from || i >= end) return undefined;
  return [value, i + 1];
}

function readHex8(buf: Buffer, from: number): number | undefined {
  if (from + 9 > buf.length || buf[from + 8] !== SPACE) return undefined;
  let value = 0;
  for (let i = from; i < from + 8; i++) {
    const b = buf[i]!;
    const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1;
    if (d < 0) return undefined;
    value = value * 16 + d;
  }
  return value;
}

/** A header that does not parse is a cut-short write when no newline follows it. */
function badHeader(buf: Buffer, at: number): DamageReason {
  return buf.indexOf(NEWLINE, at) < 0 ? 'truncated' : 'bad header';
}

/** Parses the frame starting at `at` into `records`: the offset after it, or why not. */
function readFrame<T>(buf: Buffer, at: number, records: JournalRecord<T>[]): number | DamageReason {
  const seq = readNumber(buf, at);
  const count = seq && readNumber(buf, seq[1]);
  const length = count && readNumber(buf, count[1]);
  const crc = length && readHex8(buf, length[1]);
  if (!seq || !count || !length || crc === undefined || seq[0] < 1 || count[0] < 1 || !Number.isSafeInteger(seq[0] + count[0])) {
    return badHeader(buf, at);
  }
  const start = length[1] + 9;
  const end = start + length[0];
  if (end >= buf.length) return badHeader(buf, at);
  if (buf[end] !== NEWLINE) return 'bad header';
  if (crc32(buf.subarray(start, end), crc32(buf.subarray(at, length[1]))) !== crc) return 'crc mismatch';
  let bodies: unknown;
  try {
    bodies = JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return 'bad json';
  }
  if (!Array.isArray(bodies) || bodies.length !== count[0]) return 'bad json';
  for (let i = 0; i < bodies.length; i++) records.push({ seq: seq[0] + i, body: bodies[i] as T });
  return end + 1;
}

/**
 * Reads every valid record of a segment. A frame that fails (cut short, bad header, CRC
 * mismatch, unparsable JSON) is skipped up to the next newline and reading goes on, so
 * damage costs only the frames it touches; adjacent failures merge into one stretch.
 * Sequence numbers are not checked here: that needs the records around the segment.
 */
export function scanSegment<T>(buf: Buffer): SegmentScan<T> {
  const records: JournalRecord<T>[] = [];
  const damage: Damage[] = [];
  let validEnd = 0;
  let at = 0;
  let bad: { offset: number; reason: DamageReason } | undefined;
  while (at < buf.length) {
    const next = readFrame<T>(buf, at, records);
    if (typeof next === 'string') {
      bad ??= { offset: at, reason: next };
      const eol = buf.indexOf(NEWLINE, at);
      at = eol < 0 ? buf.length : eol + 1;
      continue;
    }
    if (bad !== undefined) {
      damage.push({ offset: bad.offset, length: at - bad.offset, reason: bad.reason });
      bad = undefined;
    }
    at = validEnd = next;
  }
  if (bad !== undefined) damage.push({ offset: bad.offset, length: buf.length - bad.offset, reason: bad.reason });
  return { records, damage, validEnd };
}
