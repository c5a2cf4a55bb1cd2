import { formatDiagnostic } from '../engine/model/errors.js';
import { checkRuleSet } from '../rules/check.js';
import { compileRuleSet, type RuleSet } from '../rules/compile.js';
import { parseRuleFile } from '../rules/parse.js';

/** Compiles a benchmark's rule text, throwing with the first diagnostics when it does not. */
export function compileBenchRules(text: string): RuleSet {
  const { ast, diagnostics } = parseRuleFile('bench.vigil', text);
  const files = [{ file: 'bench.vigil', ast }];
  const all = [...diagnostics, ...checkRuleSet(files)];
  if (all.length > 0) throw new Error(all.slice(0, 5).map(formatDiagnostic).join('\n'));
  return compileRuleSet(files);
}
