import { watch, type FSWatcher } from 'node:fs';
import type { ReloadOutcome } from '../api/context.js';
import { formatDiagnostic, type Diagnostic } from '../engine/model/errors.js';
import type { RuleSet } from '../rules/compile.js';
import { loadRuleDir, type RuleLimits } from '../rules/load.js';
import { requireSecrets } from './sinks.js';

/** What a `RuleReloader` needs: the folder, the environment, where a new set goes, and a log. */
export interface RuleReloaderOptions {
  readonly dir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Limits a set must stay within (`engine.maxRules`). */
  readonly limits?: RuleLimits;
  /**
   * Puts a rule set that compiled into service (`sources`: its files' texts, to keep as the
   * last good set); returns the rules that kept their state.
   */
  readonly apply: (ruleSet: RuleSet, sources: ReadonlyMap<string, string>) => Promise<readonly string[]>;
  /** Told the diagnostics of a set that was refused. */
  readonly onRefused?: (diagnostics: readonly Diagnostic[]) => void;
  readonly log: (line: string) => void;
  /** Quiet time after a change in the folder before it is reloaded (default 300 ms). */
  readonly debounceMs?: number;
}

/**
 * Recompiles the rules folder on demand (SIGHUP, the API) and when a `.vigil` file in it
 * changes: a set that compiles is handed to `apply`, one that does not is refused with its
 * diagnostics and the running set stays.
 */
export class RuleReloader {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RuleReloaderOptions) {}

  /** Recompiles the folder and applies the set if it compiles. */
  async reload(): Promise<ReloadOutcome> {
    const { dir, env, log } = this.options;
    const loaded = requireSecrets(await loadRuleDir(dir, this.options.limits ?? {}), env);
    if (!loaded.ok) {
      this.options.onRefused?.(loaded.diagnostics);
      log(`rules reload refused:\n${loaded.diagnostics.map(formatDiagnostic).join('\n')}`);
      return { ok: false, diagnostics: loaded.diagnostics };
    }
    const kept = await this.options.apply(loaded.ruleSet, loaded.sources);
    log(`rules reloaded: ${loaded.ruleSet.rules.length} rules, ${kept.length} kept their state`);
    return { ok: true, rules: loaded.ruleSet.rules.length, kept: [...kept] };
  }

  /** Reloads when a file in the rules folder changes (debounced); says so when it cannot watch. */
  watch(): void {
    const { dir, log } = this.options;
    try {
      this.watcher = watch(dir, { recursive: true }, (_event, file) => {
        if (file !== null && !String(file).endsWith('.vigil')) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 300);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch (e) {
      log(`cannot watch ${dir} for changes (${(e as NodeJS.ErrnoException).code ?? String(e)}); reload with SIGHUP or the API`);
    }
  }

  /** Stops watching. */
  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
