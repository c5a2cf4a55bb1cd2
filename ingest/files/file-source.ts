import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { glob } from 'tinyglobby';
import { compileLinearRegex, linearRegexProblem, type LinearRegex } from '../../engine/linear-regex.js';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Event } from '../../engine/model/event.js';
import type { Source, SourceContext, SourceHealth } from '../../engine/model/source.js';
import { createEventValidator } from '../event-validator.js';
import { FileTailer, type TailedFilePosition } from './file-tailer.js';
import type { FileRecord } from './multiline.js';
import { recordEvent, type FileFormat } from './record-event.js';

/** One `files` entry: which files (a glob), their stream and format, and how lines group. */
export interface FileInputSpec {
  /** An absolute path or glob (`/var/log/app/*.log`). */
  readonly path: string;
  readonly stream: string;
  readonly format: FileFormat;
  /** A line matching `start` begins a record; the lines after it that do not match belong to it. */
  readonly multiline?: { readonly start: string; readonly timeoutMs: number };
}

/** What `createFileSource` takes. */
export interface FileSourceOptions {
  readonly inputs: readonly FileInputSpec[];
  /** How often the globs are listed and the files checked for rotation (default 250 ms). */
  readonly pollIntervalMs?: number;
  /**
   * How long a file that was renamed away or deleted is still read after its last bytes
   * (a writer may keep writing to it until it reopens; default 5 s).
   */
  readonly rotateWaitMs?: number;
  /** Most bytes read from one file per turn (default 64 KiB: smaller batches measured faster than 1 MiB ones, which stress the collector). */
  readonly readBytes?: number;
  /** The checkpoint's source name (default `files`). */
  readonly name?: string;
}

/** What the source journals with each batch: every open file's position. */
interface FileCheckpoint {
  readonly files: readonly (TailedFilePosition & { readonly input: string })[];
}

/** A tailer and the input it reads for. */
interface Tailed {
  readonly tailer: FileTailer;
  readonly input: CompiledInput;
}

interface CompiledInput {
  readonly spec: FileInputSpec;
  readonly start: LinearRegex | undefined;
}

/** How often a missing file's self-alert is said again while it lasts (it expires otherwise). */
const SELF_ALERT_REPEAT_MS = 5 * 60_000;
/** At most one bad-line message per this long (each bad line is counted). */
const BAD_LINE_LOG_MS = 10_000;
/** The self-alert of files that were being read and are gone. */
export const FILE_MISSING_ALERT = 'vigil_file_missing';

function checkpointOf(value: unknown): FileCheckpoint | undefined {
  if (value === null || typeof value !== 'object' || !Array.isArray((value as FileCheckpoint).files)) return undefined;
  const files = (value as FileCheckpoint).files.filter(
    (f) =>
      f !== null &&
      typeof f === 'object' &&
      typeof f.path === 'string' &&
      typeof f.input === 'string' &&
      Number.isSafeInteger(f.dev) &&
      Number.isSafeInteger(f.ino) &&
      Number.isSafeInteger(f.pos) &&
      f.pos >= 0 &&
      typeof f.skipping === 'boolean',
  );
  return { files };
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Tails files: every `files` entry's glob is listed every `pollIntervalMs`, new files are
 * read from their start, and each file is followed by identity (device and inode) through
 * rotation: a path that now holds another file (rename-and-create) has its old file read
 * to the end first, a file shorter than what was read (copytruncate) is read again from 0.
 * Each batch of events is submitted with every file's position as its checkpoint, in the
 * same journal record, so after a crash reading resumes right after the last journaled
 * line, also in a file renamed while vigil was down (found by its inode in the same
 * folder). A file that was being read and is gone (deleted, not replaced) makes the source
 * unhealthy and raises `vigil_file_missing` until a file is back at that path.
 */
export function createFileSource(options: FileSourceOptions): Source {
  const name = options.name ?? 'files';
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const rotateWaitMs = options.rotateWaitMs ?? 5_000;
  const readBytes = options.readBytes ?? 64 * 1024;
  const inputs: CompiledInput[] = options.inputs.map((spec, i) => {
    if (!path.isAbsolute(spec.path)) throw new VigilError(ErrorCode.Config, `files[${i}].path: "${spec.path}" is not an absolute path`);
    const pattern = spec.multiline?.start;
    if (pattern === undefined) return { spec, start: undefined };
    const problem = linearRegexProblem({ pattern });
    if (problem !== undefined) throw new VigilError(ErrorCode.Config, `files[${i}].multiline.start: ${problem}`);
    return { spec, start: compileLinearRegex({ pattern }) };
  });

  const active = new Map<string, Tailed>();
  const draining: Tailed[] = [];
  /** Paths whose file was read and is gone, with when that was noticed. */
  const missing = new Map<string, number>();
  const validate = createEventValidator();
  const buf = Buffer.allocUnsafe(readBytes);
  let ctx: SourceContext | undefined;
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let lastScanMs = -Infinity;
  let lastAlertMs = -Infinity;
  let lastBadLogMs = -Infinity;
  let badLines = 0;
  /** The batch submitted last, until it is journaled and applied. */
  let inFlight: Promise<void> = Promise.resolve();

  /** Opens a file to read from `at` (its start by default); `as` is the path its events name (default the one opened). */
  async function openTailer(
    input: CompiledInput,
    filePath: string,
    at: { pos: number; skipping: boolean } | undefined,
    expect?: { dev: number; ino: number },
    as = filePath,
  ): Promise<Tailed | undefined> {
    let handle;
    try {
      handle = await open(filePath, 'r');
    } catch (e) {
      if (isMissing(e)) return undefined;
      ctx!.log(`files: cannot open ${filePath}: ${(e as Error).message}`);
      return undefined;
    }
    let st;
    try {
      st = await handle.stat();
    } catch (e) {
      await handle.close().catch(() => undefined);
      ctx!.log(`files: cannot read ${filePath}: ${(e as Error).message}`);
      return undefined;
    }
    if (expect !== undefined && (st.dev !== expect.dev || st.ino !== expect.ino)) {
      await handle.close();
      return undefined;
    }
    let pos = at?.pos ?? 0;
    let skipping = at?.skipping ?? false;
    if (pos > st.size) {
      ctx!.log(`files: ${filePath} is shorter than where reading stopped (truncated while vigil was down); reading it from the start`);
      pos = 0;
      skipping = false;
    }
    const tailer = new FileTailer({ path: as, handle, dev: st.dev, ino: st.ino, pos, skipping, multilineStart: input.start, nowMs: Date.now() });
    return { tailer, input };
  }

  /** A file of `dir` with this identity (a file rotated by rename while vigil was down). */
  async function findByInode(dir: string, dev: number, ino: number): Promise<string | undefined> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return undefined;
    }
    for (const entry of names) {
      const full = path.join(dir, entry);
      const st = await stat(full).catch(() => undefined);
      if (st !== undefined && st.isFile() && st.dev === dev && st.ino === ino) return full;
    }
    return undefined;
  }

  /** Reopens the files of the recovered checkpoint where reading stopped. */
  async function resume(saved: FileCheckpoint): Promise<void> {
    for (const entry of saved.files) {
      const input = inputs.find((i) => i.spec.path === entry.input);
      if (input === undefined) continue;
      const st = await stat(entry.path).catch(() => undefined);
      if (st !== undefined && st.dev === entry.dev && st.ino === entry.ino && !active.has(entry.path)) {
        const t = await openTailer(input, entry.path, entry, entry);
        if (t !== undefined) {
          active.set(entry.path, t);
          continue;
        }
      }
      // The path holds another file now, or none: the one read before was renamed (or deleted).
      const moved = await findByInode(path.dirname(entry.path), entry.dev, entry.ino);
      // Its events keep the path the lines were written under.
      const t = moved === undefined ? undefined : await openTailer(input, moved, entry, entry, entry.path);
      if (t === undefined) {
        ctx!.log(`files: ${entry.path} (inode ${entry.ino}) is gone; what it held after byte ${entry.pos} was not read`);
        if (st === undefined) missing.set(entry.path, Date.now());
        continue;
      }
      t.tailer.draining = true;
      draining.push(t);
    }
  }

  /** Lists the globs: new files are opened, rotated and truncated ones noticed. */
  async function scan(out: { t: Tailed; records: FileRecord[] }[], now: number): Promise<boolean> {
    let truncated = false;
    const seen = new Set<string>();
    for (const input of inputs) {
      let paths: string[];
      try {
        paths = await glob(input.spec.path, { absolute: true, onlyFiles: true, expandDirectories: false });
      } catch (e) {
        ctx!.log(`files: cannot list ${input.spec.path}: ${(e as Error).message}`);
        continue;
      }
      paths.sort();
      for (const p of paths) {
        if (seen.has(p)) continue;
        const st = await stat(p).catch(() => undefined);
        if (st === undefined || !st.isFile()) continue;
        seen.add(p);
        let t = active.get(p);
        if (t !== undefined && (t.tailer.dev !== st.dev || t.tailer.ino !== st.ino)) {
          // Rename-and-create: the old file is read to its end, the new one from its start.
          t.tailer.draining = true;
          draining.push(t);
          active.delete(p);
          t = undefined;
        }
        if (t !== undefined && st.size < t.tailer.readPos) {
          ctx!.log(`files: ${p} was truncated; reading it from the start`);
          const records: FileRecord[] = [];
          t.tailer.truncated(records);
          out.push({ t, records });
          truncated = true;
        }
        if (t === undefined && [...active.values()].some((a) => a.tailer.dev === st.dev && a.tailer.ino === st.ino)) continue;
        const renamed = t === undefined ? draining.findIndex((d) => d.tailer.dev === st.dev && d.tailer.ino === st.ino) : -1;
        if (renamed >= 0) {
          // A rotated file under a name the glob also matches (`app.log.1` for `app.log*`):
          // read on from where it stands under its new name, never again from its start.
          const old = draining.splice(renamed, 1)[0]!;
          const at = old.tailer.position();
          const tailer = new FileTailer({ path: p, handle: old.tailer.handle, dev: st.dev, ino: st.ino, pos: at.pos, skipping: at.skipping, multilineStart: old.input.start, nowMs: now });
          active.set(p, { tailer, input: old.input });
          continue;
        }
        if (t === undefined) {
          const opened = await openTailer(input, p, undefined);
          if (opened === undefined) continue;
          active.set(p, opened);
          if (missing.delete(p)) {
            ctx!.log(`files: ${p} is back`);
            reportMissing(now);
          }
        }
      }
    }
    for (const [p, t] of active) {
      if (seen.has(p)) continue;
      // Renamed away or deleted: read to the end, and missing once done if nothing comes back.
      t.tailer.draining = true;
      draining.push(t);
      active.delete(p);
    }
    return truncated;
  }

  function reportMissing(now: number): void {
    const firing = missing.size > 0;
    const summary = firing ? `files being read are gone: ${[...missing.keys()].join(', ')}` : 'every file being read is back';
    ctx!.selfAlert(FILE_MISSING_ALERT, firing, summary);
    lastAlertMs = now;
  }

  /** Submits until taken, holding back while the intake is busy. */
  async function submit(events: Event[], json: (string | undefined)[], checkpoint: FileCheckpoint): Promise<void> {
    const signal = stopping!.signal;
    for (;;) {
      const taken = ctx!.submit(events, json, { source: name, value: checkpoint });
      if (taken !== 'busy') {
        const refused = await taken;
        if (refused.length > 0) countRefused(events, refused.map((r) => r.index));
        return;
      }
      // A stop leaves the batch unjournaled: its lines are read again at the next start.
      if (signal.aborted) return;
      await wait(20, undefined, { signal }).catch(() => undefined);
    }
  }

  function countRefused(events: readonly Event[], indexes: readonly number[]): void {
    const rejected = new Map<string, number>();
    for (const i of indexes) rejected.set(events[i]!.stream, (rejected.get(events[i]!.stream) ?? 0) + 1);
    ctx!.counted(new Map(), rejected);
  }

  function checkpoint(): FileCheckpoint {
    const files = [];
    for (const t of draining) files.push({ ...t.tailer.position(), input: t.input.spec.path });
    for (const t of active.values()) files.push({ ...t.tailer.position(), input: t.input.spec.path });
    return { files };
  }

  /**
   * Reads the next chunk of one file; a read that fails is said and counts as nothing read
   * (the tailer moves only on a read that succeeded, so nothing is skipped), and the other
   * files' lines of the turn still go in.
   */
  async function readSome(t: Tailed, records: FileRecord[], now: number): Promise<number> {
    try {
      return await t.tailer.read(buf, records, now);
    } catch (e) {
      if (now - lastBadLogMs >= BAD_LINE_LOG_MS) {
        lastBadLogMs = now;
        ctx!.log(`files: cannot read ${t.tailer.path}: ${(e as Error).message}`);
      }
      return 0;
    }
  }

  /** One turn: scan if due, read a chunk of each file, submit the events with the new positions. */
  async function turn(): Promise<boolean> {
    const now = Date.now();
    const got: { t: Tailed; records: FileRecord[] }[] = [];
    let moved = false;
    // A truncation moves a position back without a line to show for it: journaled all the same.
    let repositioned = false;
    if (now - lastScanMs >= pollIntervalMs) {
      lastScanMs = now;
      repositioned = await scan(got, now);
    }
    const finished: Tailed[] = [];
    const busyPaths = new Set<string>();
    for (const t of draining) {
      const records: FileRecord[] = [];
      const n = await readSome(t, records, now);
      if (n > 0) {
        moved = true;
        busyPaths.add(t.tailer.path);
      } else if (now - t.tailer.lastDataMs >= rotateWaitMs) {
        t.tailer.finish(records);
        finished.push(t);
      }
      got.push({ t, records });
    }
    for (const t of active.values()) {
      const records: FileRecord[] = [];
      // The old file of a rotated path goes first, so lines keep their order.
      if (!busyPaths.has(t.tailer.path)) {
        const n = await readSome(t, records, now);
        if (n > 0) moved = true;
        else if (t.input.spec.multiline !== undefined && now - t.tailer.lastDataMs >= t.input.spec.multiline.timeoutMs) t.tailer.flushRecord(records);
      }
      got.push({ t, records });
    }
    for (const t of finished) draining.splice(draining.indexOf(t), 1);

    const events: Event[] = [];
    const json: (string | undefined)[] = [];
    const received = new Map<string, number>();
    const rejected = new Map<string, number>();
    const eventNow = ctx!.now();
    for (const { t, records } of got) {
      const { stream, format } = t.input.spec;
      for (const r of records) {
        const decoded = recordEvent(r.text, r.truncated, { format, stream, file: t.tailer.path, now: eventNow, validate });
        if (decoded.ok) {
          events.push(decoded.event);
          json.push(decoded.json);
          received.set(stream, (received.get(stream) ?? 0) + 1);
        } else {
          rejected.set(stream, (rejected.get(stream) ?? 0) + 1);
          badLines++;
          if (now - lastBadLogMs >= BAD_LINE_LOG_MS) {
            lastBadLogMs = now;
            ctx!.log(`files: ${t.tailer.path}: line ending at byte ${r.end} dropped: ${decoded.error} (${badLines} bad lines so far)`);
          }
        }
      }
    }
    const changed = repositioned || got.some((g) => g.records.length > 0) || finished.length > 0;
    if (events.length > 0 || rejected.size > 0) ctx!.counted(received, rejected);
    // The batch before goes first (order, and backpressure); the next turn reads while this one is applied.
    if (changed) {
      await inFlight;
      inFlight = submit(events, json, checkpoint());
    }
    for (const t of finished) {
      await t.tailer.handle.close().catch(() => undefined);
      if (!active.has(t.tailer.path) && !draining.some((d) => d.tailer.path === t.tailer.path)) {
        missing.set(t.tailer.path, now);
        ctx!.log(`files: ${t.tailer.path} is gone (deleted or renamed, nothing new in its place)`);
        reportMissing(now);
      }
    }
    if (missing.size > 0 && now - lastAlertMs >= SELF_ALERT_REPEAT_MS) reportMissing(now);
    return moved;
  }

  async function run(): Promise<void> {
    const signal = stopping!.signal;
    while (!signal.aborted) {
      let moved = false;
      try {
        moved = await turn();
      } catch (e) {
        ctx!.log(`files: ${(e as Error).message}`);
      }
      if (!moved) await wait(Math.max(10, Math.min(pollIntervalMs, 100)), undefined, { signal }).catch(() => undefined);
    }
  }

  return {
    name,
    async start(context) {
      ctx = context;
      stopping = new AbortController();
      const saved = checkpointOf(context.checkpoint?.(name));
      if (saved !== undefined) await resume(saved);
      if (missing.size > 0) reportMissing(Date.now());
      loop = run();
    },
    async stop() {
      stopping?.abort();
      await loop;
      await inFlight;
      for (const t of [...active.values(), ...draining]) await t.tailer.handle.close().catch(() => undefined);
      active.clear();
      draining.length = 0;
    },
    health(): SourceHealth {
      if (missing.size > 0) return { up: false, detail: `gone: ${[...missing.keys()].join(', ')}` };
      return { up: true, detail: `${active.size} files` };
    },
  };
}
