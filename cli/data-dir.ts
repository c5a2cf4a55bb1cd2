import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Input } from '../engine/core.js';
import type { Snapshot } from '../runtime/live-core.js';
import { Journal, type OpenedJournal } from '../sinks/store/journal.js';

/** The journal of the data folder, what it recovered, and how to undo a start that failed. */
export interface OpenedDataDir {
  readonly journal: Journal<Snapshot, Input>;
  readonly opened: OpenedJournal<Snapshot, Input>;
  /** Closes the journal and removes what this start created (the folder or its journal), nothing older. */
  discard(): Promise<void>;
}

async function exists(dir: string): Promise<boolean> {
  return access(dir).then(
    () => true,
    () => false,
  );
}

/** True when `dir` exists: asked before anything of a start writes there (`openDataDir`'s `fresh`). */
export async function dataDirExists(dir: string): Promise<boolean> {
  return exists(dir);
}

/**
 * Opens (creating it if needed) the data folder's journal. A start that fails later (port
 * taken, a sink that cannot start) calls `discard`, so a failed first start leaves no fresh
 * `data/journal` behind to be mistaken for state. `fresh`: the folder did not exist when
 * the start began (the whole folder goes then).
 */
export async function openDataDir(options: { readonly dir: string; readonly fsyncIntervalMs: number; readonly fresh: boolean }): Promise<OpenedDataDir> {
  const journalDir = path.join(options.dir, 'journal');
  const created = options.fresh ? options.dir : !(await exists(journalDir)) ? journalDir : undefined;
  await mkdir(options.dir, { recursive: true });
  const { journal, opened } = await Journal.open<Snapshot, Input>({ dir: journalDir, fsyncIntervalMs: options.fsyncIntervalMs });
  return {
    journal,
    opened,
    async discard() {
      await journal.close().catch(() => undefined);
      if (created !== undefined) await rm(created, { recursive: true, force: true });
    },
  };
}
