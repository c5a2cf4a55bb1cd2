import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, formatDiagnostic, VigilError, type Diagnostic } from '../engine/model/errors.js';
import type { RuleSet } from '../rules/compile.js';
import { loadRuleDir, loadRuleTexts, type RuleLimits } from '../rules/load.js';
import { requireSecrets } from './sinks.js';

/**
 * The last rule set that compiled, kept in the data directory so that a typo in a rule file
 * never keeps vigil from starting: a start whose files do not compile runs the kept set
 * instead, and says so with the self-alert `vigil_rules_broken`.
 */

/** The file in the data directory that holds the last good set. */
export const LAST_GOOD_FILE = 'last-good-rules.json';

/** The self-alert's summary when it resolves. */
const RESOLVED_SUMMARY = 'the rule files compile again';

/** How many diagnostics the self-alert's summary names. */
const SUMMARY_DIAGNOSTICS = 3;

/** What `data/last-good-rules.json` holds: the texts of the rule files that compiled. */
interface LastGoodFile {
  readonly version: 1;
  /** The rules folder (configuration `rules`) the files were read from. */
  readonly rules: string;
  readonly savedAt: string;
  readonly files: Record<string, string>;
}

/** The rule set a start runs: the one on disk, or the last good one when that is broken. */
export interface StartRules {
  readonly ruleSet: RuleSet;
  readonly files: readonly string[];
  /** Why the files on disk were not used; empty when they were. */
  readonly broken: readonly Diagnostic[];
  /** When the set that runs instead was saved (ISO-8601), when `broken` is not empty. */
  readonly savedAt?: string;
}

/** What `loadStartRules` reads and where it reports. */
export interface LoadStartRulesOptions {
  /** The rules folder or file (configuration `rules`). */
  readonly rules: string;
  /** The data directory (configuration `data`). */
  readonly data: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Limits the set must stay within (`engine.maxRules`). */
  readonly limits?: RuleLimits;
  /** One line per message (the service's standard error). */
  readonly log: (line: string) => void;
}

/**
 * Loads the rules for a start. When the files compile, they are the set (and are kept as
 * the last good one). When they do not, the diagnostics are logged and the last good set
 * of the same rules folder is compiled again from its kept texts. Throws a `VigilError`
 * (`E_CHECK`) naming the diagnostics when there is no usable kept set (a first start).
 */
export async function loadStartRules(options: LoadStartRulesOptions): Promise<StartRules> {
  const { rules, data, env, log, limits = {} } = options;
  const loaded = requireSecrets(await loadRuleDir(rules, limits), env);
  if (loaded.ok) {
    await saveLastGoodRules({ data, rules, sources: loaded.sources, log });
    return { ruleSet: loaded.ruleSet, files: loaded.files, broken: [] };
  }
  const problems = loaded.diagnostics.map(formatDiagnostic).join('\n');
  const kept = await readLastGood(data, rules, log);
  if (kept === undefined) throw new VigilError(ErrorCode.Check, `${problems}\nthe rules in ${rules} do not compile`);
  const again = requireSecrets(loadRuleTexts(new Map(Object.entries(kept.files)), limits), env);
  if (!again.ok) {
    const keptProblems = again.diagnostics.map(formatDiagnostic).join('\n');
    throw new VigilError(
      ErrorCode.Check,
      `${problems}\nthe rules in ${rules} do not compile, nor does the last good set saved at ${kept.savedAt}:\n${keptProblems}`,
    );
  }
  log(`the rules in ${rules} do not compile:\n${problems}`);
  log(`running the last good rule set instead (${again.files.length} files, saved at ${kept.savedAt}); fix the files and reload`);
  return { ruleSet: again.ruleSet, files: again.files, broken: loaded.diagnostics, savedAt: kept.savedAt };
}

/** What `saveLastGoodRules` writes. */
export interface SaveLastGoodOptions {
  readonly data: string;
  readonly rules: string;
  readonly sources: ReadonlyMap<string, string>;
  readonly log: (line: string) => void;
}

/**
 * Keeps a set that compiled as the last good one: written to a temporary file, synced, then
 * renamed over `data/last-good-rules.json`, so a crash leaves the old copy or the new one,
 * never half of either. A failure is logged, not thrown: the set still runs.
 */
export function saveLastGoodRules(options: SaveLastGoodOptions): Promise<void> {
  // One save at a time, in order: two reloads close together never interleave their files.
  const next = saving.then(() => writeLastGood(options));
  saving = next;
  return next;
}

/** The save in progress (saves are chained, never concurrent). */
let saving: Promise<void> = Promise.resolve();
/** Tells the temporary files of one process apart. */
let saves = 0;

async function writeLastGood(options: SaveLastGoodOptions): Promise<void> {
  const { data, rules, sources, log } = options;
  const target = path.join(data, LAST_GOOD_FILE);
  const temp = `${target}.${process.pid}.${++saves}.tmp`;
  const content: LastGoodFile = { version: 1, rules, savedAt: new Date().toISOString(), files: Object.fromEntries(sources) };
  try {
    await mkdir(data, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(content));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => {});
    log(`cannot keep the rule set as the last good one in ${target}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** The kept set of `rules`, or undefined when there is none (or it is unreadable, or of another folder). */
async function readLastGood(data: string, rules: string, log: (line: string) => void): Promise<LastGoodFile | undefined> {
  const file = path.join(data, LAST_GOOD_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    log(`${file} is not valid JSON; it is ignored`);
    return undefined;
  }
  if (!isLastGood(parsed)) {
    log(`${file} does not hold a rule set; it is ignored`);
    return undefined;
  }
  if (parsed.rules !== rules) {
    log(`${file} holds the rules of ${parsed.rules}, not of ${rules}; it is ignored`);
    return undefined;
  }
  return parsed;
}

function isLastGood(v: unknown): v is LastGoodFile {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.version !== 1 || typeof o.rules !== 'string' || typeof o.savedAt !== 'string') return false;
  if (typeof o.files !== 'object' || o.files === null || Array.isArray(o.files)) return false;
  return Object.values(o.files).every((t) => typeof t === 'string');
}

/** The self-alert's summary: what runs instead and the first diagnostics (`file:line:col: message`). */
export function brokenRulesSummary(diagnostics: readonly Diagnostic[]): string {
  const shown = diagnostics.slice(0, SUMMARY_DIAGNOSTICS).map(formatDiagnostic).join('; ');
  const more = diagnostics.length > SUMMARY_DIAGNOSTICS ? ` (and ${diagnostics.length - SUMMARY_DIAGNOSTICS} more)` : '';
  return `the rule files do not compile, the last good set runs: ${shown}${more}`;
}

/** What `BrokenRulesAlert` raises through: the service's self-alert path. */
export interface BrokenRulesAlertOptions {
  /** Fires (`firing`) or resolves the alert `vigil_rules_broken` with the summary. */
  readonly selfAlert: (firing: boolean, summary: string) => void;
  /** How often a firing alert is posted again so it does not expire; default 5 min. */
  readonly refreshMs?: number;
}

/**
 * The self-alert `vigil_rules_broken`: fires while vigil runs a kept set because the files
 * on disk do not compile, and resolves when a reload succeeds. Self-alerts expire unless
 * repeated, so a firing one is posted again every `refreshMs`.
 */
export class BrokenRulesAlert {
  private summary: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BrokenRulesAlertOptions) {}

  /**
   * At start: fires the alert naming `diagnostics`, or, when there are none, resolves one a
   * previous run left firing (a no-op for the core when none fires).
   */
  settle(diagnostics: readonly Diagnostic[]): void {
    if (diagnostics.length > 0) this.raise(diagnostics);
    else this.options.selfAlert(false, RESOLVED_SUMMARY);
  }

  /** Fires the alert naming `diagnostics` (and keeps it firing); does nothing when there are none. */
  raise(diagnostics: readonly Diagnostic[]): void {
    if (diagnostics.length === 0) return;
    const summary = brokenRulesSummary(diagnostics);
    this.summary = summary;
    this.options.selfAlert(true, summary);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.options.selfAlert(true, summary), this.options.refreshMs ?? 5 * 60_000);
    this.timer.unref();
  }

  /** Resolves the alert if this process raised it (after a reload that compiled). */
  clear(): void {
    if (this.summary === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.summary = undefined;
    this.options.selfAlert(false, RESOLVED_SUMMARY);
  }

  /** Stops refreshing (shutdown); the alert's state stays as it is. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
