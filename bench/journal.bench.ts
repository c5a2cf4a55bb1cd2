/**
 * Journal benchmark: appendMany throughput for 500-record batches of ~150-byte JSON events
 * (records/s and MB/s of journal written), the same with the fsync timer on, a 500-event
 * batch appended as one record, reopening (replaying) what was written, the blocking write
 * alone, and the cost of a snapshot of a ~20 MB state. Each figure is the median of three runs. Run with
 * `node dist/bench/journal.bench.js [parent-dir]`: the journal goes in a temporary folder
 * under `parent-dir` (default: the system temp folder), so pass a folder on the disk the
 * data dir will live on.
 */
import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Journal } from '../sinks/store/journal.js';
import { median } from './median.js';

const parent = process.argv[2] ?? tmpdir();
const BATCH = 500;
const BATCHES = 1000;
const RUNS = 3;

interface Ev {
  readonly stream: string;
  readonly time: number;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  readonly latency: number;
  readonly user: string;
}

/** A pool of distinct ~150-byte events, reused cyclically. */
function eventPool(): Ev[] {
  return Array.from({ length: 4096 }, (_, i) => ({
    stream: 'http',
    time: 1_700_000_000_000 + i * 13,
    host: `web-${String(i % 40).padStart(2, '0')}.prod.example.com`,
    path: `/api/v1/orders/${100_000 + i}/items`,
    status: i % 17 === 0 ? 503 : 200,
    latency: Math.round(((i * 7919) % 100_000) / 7) / 10,
    user: `user-${(i * 31) % 5000}`,
  }));
}

/** 64 distinct batches of BATCH events. */
function batches(): Ev[][] {
  const pool = eventPool();
  return Array.from({ length: 64 }, (_, b) => pool.slice(b * 55, b * 55 + BATCH));
}

function elapsedSeconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}

async function withDir<R>(run: (dir: string) => Promise<R>): Promise<R> {
  const dir = await mkdtemp(path.join(parent, 'vigil-journal-bench-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface AppendFigures {
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly usPerCall: number;
  readonly bytesPerRecord: number;
  readonly replayRecordsPerSecond: number;
}

/**
 * Appends BATCHES batches of BATCH events, either as BATCH records per appendMany or as one
 * record per append, then reopens the journal and replays it.
 */
async function appendRun(options: { fsyncIntervalMs?: number; oneRecordPerBatch?: boolean }): Promise<AppendFigures> {
  const work = batches();
  return withDir(async (dir) => {
    const { journal } = await Journal.open<unknown, unknown>({ dir, fsyncIntervalMs: options.fsyncIntervalMs });
    const started = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) {
      const batch = work[b & 63]!;
      if (options.oneRecordPerBatch) journal.append({ appliedAt: 1_700_000_000_000 + b, events: batch });
      else journal.appendMany(batch);
      // Give the flush timer its turns, as the gaps between HTTP requests would.
      if (options.fsyncIntervalMs !== undefined && b % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = elapsedSeconds(started);
    await journal.close();
    const bytes = dirBytes(dir);
    const records = options.oneRecordPerBatch ? BATCHES : BATCH * BATCHES;
    const replayStarted = process.hrtime.bigint();
    const reopened = await Journal.open<unknown, unknown>({ dir });
    const replaySeconds = elapsedSeconds(replayStarted);
    if (reopened.opened.records.length !== records) throw new Error('replay lost records');
    await reopened.journal.close();
    return {
      recordsPerSecond: records / seconds,
      mbPerSecond: bytes / 1e6 / seconds,
      usPerCall: (seconds * 1e6) / BATCHES,
      bytesPerRecord: bytes / records,
      replayRecordsPerSecond: records / replaySeconds,
    };
  });
}

/** The cost of the blocking write alone: one frame of a 500-event batch, appended BATCHES times. */
async function writeRun(): Promise<{ usPerWrite: number }> {
  const frame = Buffer.from(`${JSON.stringify(batches()[0])}\n`);
  return withDir(async (dir) => {
    const fd = openSync(path.join(dir, 'write-only'), 'a');
    const started = process.hrtime.bigint();
    for (let b = 0; b < BATCHES; b++) writeSync(fd, frame);
    const seconds = elapsedSeconds(started);
    closeSync(fd);
    return { usPerWrite: (seconds * 1e6) / BATCHES };
  });
}

interface SnapshotFigures {
  readonly mb: number;
  readonly syncMs: number;
  readonly totalMs: number;
  readonly loadMs: number;
}

/** A state of about 20 MB of JSON: 40,000 groups with a window of values each. */
function bigState(): unknown {
  const rules: Record<string, unknown> = {};
  for (let r = 0; r < 40; r++) {
    const groups = Array.from({ length: 1000 }, (_, g) => ({
      key: [`host-${g}`, `svc-${r}`],
      state: g % 3 === 0 ? 'firing' : 'inactive',
      since: 1_700_000_000_000 + g * 1000,
      window: Array.from({ length: 20 }, (_, i) => [1_700_000_000_000 + i * 1000, Math.round((g * i) % 997) / 10]),
    }));
    rules[`rule-${r}`] = { signature: `sig-${r}`, groups };
  }
  return { rules, incidents: [], outbox: [] };
}

/** Time to snapshot the state (the synchronous part, then the whole), and to load it back. */
async function snapshotRun(state: unknown): Promise<SnapshotFigures> {
  return withDir(async (dir) => {
    const { journal } = await Journal.open<unknown, unknown>({ dir });
    journal.append({ n: 1 });
    const started = process.hrtime.bigint();
    const done = journal.snapshot(state);
    const syncMs = elapsedSeconds(started) * 1000;
    await done;
    const totalMs = elapsedSeconds(started) * 1000;
    await journal.close();
    const mb = statSync(path.join(dir, 'snapshot-000000000001.json')).size / 1e6;
    const loadStarted = process.hrtime.bigint();
    const reopened = await Journal.open<unknown, unknown>({ dir });
    const loadMs = elapsedSeconds(loadStarted) * 1000;
    if (reopened.opened.snapshot === undefined) throw new Error('snapshot not loaded');
    await reopened.journal.close();
    return { mb, syncMs, totalMs, loadMs };
  });
}

async function medianOf<F extends object>(run: () => Promise<F>): Promise<F> {
  const results: F[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await run());
  const keys = Object.keys(results[0]!) as (keyof F)[];
  return Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r[k] as number))])) as F;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function printAppend(label: string, f: AppendFigures, unit: string): void {
  process.stdout.write(
    `${label.padEnd(44)} ${fmt(f.recordsPerSecond).padStart(11)} ${unit}/s  ${fmt(f.mbPerSecond, 1).padStart(6)} MB/s  ` +
      `${fmt(f.usPerCall, 1).padStart(7)} µs/call  ${fmt(f.bytesPerRecord).padStart(6)} B/${unit}  replay ${fmt(f.replayRecordsPerSecond)} ${unit}/s\n`,
  );
}

printAppend('appendMany, 500 records/batch', await medianOf(() => appendRun({})), 'rec');
printAppend('appendMany, 500 records/batch, fsync 100 ms', await medianOf(() => appendRun({ fsyncIntervalMs: 100 })), 'rec');
printAppend('append, one record per 500-event batch', await medianOf(() => appendRun({ oneRecordPerBatch: true })), 'rec');

const write = await medianOf(writeRun);
process.stdout.write(`of which the blocking write of one ~78 kB frame: ${fmt(write.usPerWrite, 1)} µs\n`);

const state = bigState();
const snap = await medianOf(() => snapshotRun(state));
process.stdout.write(
  `snapshot of ${fmt(snap.mb, 1)} MB: ${fmt(snap.syncMs)} ms blocking (serialise), ${fmt(snap.totalMs)} ms until durable; ` +
    `load on open ${fmt(snap.loadMs)} ms\n`,
);
