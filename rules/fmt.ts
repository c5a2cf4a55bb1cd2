/**
 * `vigil fmt` for one file: the canonical text of a rule file, or the diagnostics that
 * explain why it cannot be formatted. A file that does not parse is never rewritten, since
 * the printer only sees what parsed and would silently drop the rest.
 */
import type { Diagnostic } from '../engine/model/errors.js';
import { parseRuleFile } from './parse.js';
import { printRuleFile } from './print.js';

/**
 * Formats `.vigil` source: `output` is the canonical text (comments kept) when the file
 * parses without diagnostics; otherwise `output` is absent and `diagnostics` say why.
 */
export function formatSource(file: string, text: string): { output?: string; diagnostics: Diagnostic[] } {
  const { ast, diagnostics } = parseRuleFile(file, text);
  if (diagnostics.length > 0) return { diagnostics };
  return { output: printRuleFile(ast), diagnostics: [] };
}
