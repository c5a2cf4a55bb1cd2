/**
 * The journal directory's layout: numbered segment files (`journal-000000000001.log`, named
 * after the first sequence number they were opened for) and snapshot files
 * (`snapshot-000000000042.json`, named after the last record they include). Numbers are
 * compared as numbers, so names that outgrow twelve digits still sort right.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';

const SEGMENT = /^journal-(\d+)\.log$/;
const SNAPSHOT = /^snapshot-(\d+)\.json$/;
const SNAPSHOT_TEMP = /^snapshot-\d+\.json\.tmp$/;

/** The file name of the segment whose first record is `seq`. */
export function segmentName(seq: number): string {
  return `journal-${String(seq).padStart(12, '0')}.log`;
}

/** The file name of the snapshot whose last included record is `seq`. */
export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.json`;
}

/** What a journal directory holds, each list sorted by number, oldest first. */
export interface JournalDirListing {
  readonly segments: readonly number[];
  readonly snapshots: readonly number[];
  /** Snapshot files a crash left half-written; never valid, safe to delete. */
  readonly temps: readonly string[];
}

/** Lists the journal files in `dir`, ignoring anything else there. */
export async function listJournalDir(dir: string): Promise<JournalDirListing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw ioError(`cannot list journal directory ${dir}`, err);
  }
  const segments: number[] = [];
  const snapshots: number[] = [];
  const temps: string[] = [];
  for (const name of names) {
    const seg = SEGMENT.exec(name);
    if (seg !== null) segments.push(Number(seg[1]));
    const snap = SNAPSHOT.exec(name);
    if (snap !== null) snapshots.push(Number(snap[1]));
    if (SNAPSHOT_TEMP.test(name)) temps.push(name);
  }
  const byNumber = (a: number, b: number): number => a - b;
  return { segments: segments.sort(byNumber), snapshots: snapshots.sort(byNumber), temps };
}

/**
 * Flushes the directory itself, so that files created, renamed or removed in it survive a
 * machine crash (fsync on a file does not cover its directory entry).
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await handle.sync();
  } catch (err) {
    throw ioError(`cannot flush journal directory ${dir}`, err);
  } finally {
    await handle?.close();
  }
}

/** Wraps an operating-system failure as the journal's one error kind. */
export function ioError(message: string, cause: unknown): VigilError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new VigilError(ErrorCode.Io, typeof code === 'string' ? `${message}: ${code}` : message, { cause });
}

