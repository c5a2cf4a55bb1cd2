import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareDiagnostics, ErrorCode, type Diagnostic } from '../engine/model/errors.js';
import { checkRuleSet, type ParsedFile } from './check.js';
import { compileRuleSet, type RuleSet } from './compile.js';
import { parseRuleFile } from './parse.js';

/** Default most rules one rule set may hold (`engine.maxRules`). */
export const DEFAULT_MAX_RULES = 10_000;

/** Limits a rule set must stay within. */
export interface RuleLimits {
  /** Most `rule` declarations across all files (default DEFAULT_MAX_RULES). */
  readonly maxRules?: number;
}

/** A rule set, or every diagnostic explaining why there is none. */
export type LoadResult =
  | {
      readonly ok: true;
      readonly ruleSet: RuleSet;
      readonly files: readonly string[];
      /** Each file's text as it was compiled, so the set can be rebuilt without the files. */
      readonly sources: ReadonlyMap<string, string>;
    }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      readonly files: readonly string[];
      /** The texts of the files that could be read. */
      readonly sources: ReadonlyMap<string, string>;
    };

/** Every `.vigil` file below `dir`, recursively, in a stable (sorted) order. */
export async function findRuleFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) await walk(p);
      } else if (entry.isFile() && entry.name.endsWith('.vigil')) {
        out.push(p);
      }
    }
  };
  await walk(dir);
  return out;
}

/**
 * Reads, parses, checks and compiles the given files as one namespace. A set with any
 * diagnostic never compiles: the caller keeps its last good set.
 */
export async function loadRuleFiles(files: readonly string[], limits: RuleLimits = {}): Promise<LoadResult> {
  const unreadable: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const file of files) {
    try {
      sources.set(file, await readFile(file, 'utf8'));
    } catch (e) {
      unreadable.push({ code: ErrorCode.Io, file, line: 1, col: 1, message: `cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
    }
  }
  const result = loadRuleTexts(sources, limits);
  if (unreadable.length === 0) return { ...result, files };
  const diagnostics = [...unreadable, ...(result.ok ? [] : result.diagnostics)].sort(compareDiagnostics);
  return { ok: false, diagnostics, files, sources };
}

/**
 * Parses, checks and compiles rule file texts (file name → text) as one namespace, the way
 * `loadRuleFiles` does with files on disk: how a kept copy of a set is compiled again.
 */
export function loadRuleTexts(sources: ReadonlyMap<string, string>, limits: RuleLimits = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedFile[] = [];
  for (const [file, text] of sources) {
    const { ast, diagnostics: syntax } = parseRuleFile(file, text);
    diagnostics.push(...syntax);
    parsed.push({ file, ast });
  }
  diagnostics.push(...checkRuleSet(parsed));
  const tooMany = ruleCountProblem(parsed, limits.maxRules ?? DEFAULT_MAX_RULES);
  if (tooMany !== undefined) diagnostics.push(tooMany);
  const files = [...sources.keys()];
  if (diagnostics.length > 0) return { ok: false, diagnostics: diagnostics.sort(compareDiagnostics), files, sources };
  return { ok: true, ruleSet: compileRuleSet(parsed), files, sources };
}

/**
 * The rule set holds more rules than `maxRules`: reported at the first rule past the limit,
 * before anything is compiled, so an oversized set is refused instead of exhausting memory.
 */
function ruleCountProblem(parsed: readonly ParsedFile[], maxRules: number): Diagnostic | undefined {
  let count = 0;
  let first: Diagnostic | undefined;
  for (const { file, ast } of parsed) {
    for (const decl of ast.decls) {
      if (decl.kind !== 'rule') continue;
      count++;
      if (count === maxRules + 1) first = { code: ErrorCode.TooManyRules, file, line: decl.name.loc.line, col: decl.name.loc.col, message: '' };
    }
  }
  if (first === undefined) return undefined;
  return { ...first, message: `the rule set has ${count} rules, more than engine.maxRules (${maxRules}); this is the first one past the limit` };
}

/** Loads every `.vigil` file below `dir` (or the one file `dir` names). */
export async function loadRuleDir(dir: string, limits: RuleLimits = {}): Promise<LoadResult> {
  let files: string[];
  try {
    files = (await stat(dir)).isDirectory() ? await findRuleFiles(dir) : [dir];
  } catch (e) {
    const diagnostic = { code: ErrorCode.Io, file: dir, line: 1, col: 1, message: `cannot read rules: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    return { ok: false, diagnostics: [diagnostic], files: [], sources: new Map() };
  }
  return loadRuleFiles(files, limits);
}
