import { stripLocs } from '../../rules/ast.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { formatSource } from '../../rules/fmt.js';
import { parseRuleFile } from '../../rules/parse.js';

/** What one rule file did in the parser, checker, compiler and formatter. */
export interface RuleOutcome {
  /** Parsed without diagnostics. */
  readonly parsed: boolean;
  /** Also checked clean and compiled. */
  readonly compiled: boolean;
  /** A crash: an exception escaped (what `vigil check` would die of). */
  readonly threw?: string;
  /** A defect: `fmt` output did not parse back to the same file, or is not its own format. */
  readonly unstable?: string;
}

/**
 * Runs one rule text through parse → check → compile, and for every file that parses,
 * `fmt` stability: the formatted text parses to the same AST and formats to itself.
 * Nothing may throw: bad input is diagnostics.
 */
export function tryRuleFile(text: string): RuleOutcome {
  let stage = 'parse';
  try {
    const { ast, diagnostics } = parseRuleFile('fuzz.vigil', text);
    if (diagnostics.length > 0) return { parsed: false, compiled: false };
    stage = 'fmt';
    const formatted = formatSource('fuzz.vigil', text);
    if (formatted.output === undefined) return { parsed: true, compiled: false, unstable: 'fmt refused a file that parses' };
    const again = parseRuleFile('fuzz.vigil', formatted.output);
    if (again.diagnostics.length > 0) return { parsed: true, compiled: false, unstable: `fmt output does not parse: ${again.diagnostics[0]!.message}` };
    if (JSON.stringify(stripLocs(again.ast.decls)) !== JSON.stringify(stripLocs(ast.decls))) return { parsed: true, compiled: false, unstable: 'fmt changed the AST' };
    if (formatSource('fuzz.vigil', formatted.output).output !== formatted.output) return { parsed: true, compiled: false, unstable: 'fmt is not idempotent' };
    stage = 'check';
    const files = [{ file: 'fuzz.vigil', ast }];
    if (checkRuleSet(files).length > 0) return { parsed: true, compiled: false };
    stage = 'compile';
    compileRuleSet(files);
    return { parsed: true, compiled: true };
  } catch (e) {
    return { parsed: stage !== 'parse', compiled: false, threw: `${stage}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 500) };
  }
}
