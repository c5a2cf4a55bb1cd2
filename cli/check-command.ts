import { compareDiagnostics, formatDiagnostic } from '../engine/model/errors.js';
import { fieldWarnings } from '../rules/field-warnings.js';
import { loadRuleDir } from '../rules/load.js';
import { parseRuleFile } from '../rules/parse.js';
import { ExitStatus, unreadablePath } from './exit-status.js';
import { sentFields } from './sent-fields.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `vigil check DIR`: parses and checks every `.vigil` file. Prints one
 * `file:line:col: message` per problem and one `file:line:col: warning: message` per
 * warning (a field no source is known to send on its stream; fields of the events in the
 * rule tests and recordings below DIR count as sent), then a summary
 * (`ok: N files, N rules` or `N problems in N files`), all on standard output. Exit 0 when
 * there is no problem (warnings or not), 1 with problems, 2 for a usage error (no DIR, or a
 * DIR that cannot be read).
 */
export async function checkCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    err.write('usage: vigil check DIR\n');
    return ExitStatus.usage;
  }
  const dir = args[0]!;
  const unreadable = await unreadablePath(dir);
  if (unreadable !== undefined) {
    err.write(`vigil check: cannot read ${dir}: ${unreadable}\nusage: vigil check DIR\n`);
    return ExitStatus.usage;
  }
  const result = await loadRuleDir(dir);
  const parsed = [...result.sources].map(([file, text]) => ({ file, ast: parseRuleFile(file, text).ast }));
  const warnings = fieldWarnings(parsed, await sentFields(dir));
  const problems = result.ok ? [] : result.diagnostics;
  out.write([...problems, ...warnings].sort(compareDiagnostics).map((d) => formatDiagnostic(d) + '\n').join(''));
  const warned = warnings.length > 0 ? `, ${plural(warnings.length, 'warning')}` : '';
  if (!result.ok) {
    out.write(`${plural(problems.length, 'problem')}${warned} in ${plural(result.files.length, 'file')}\n`);
    return ExitStatus.problems;
  }
  out.write(`ok: ${plural(result.files.length, 'file')}, ${plural(result.ruleSet.rules.length, 'rule')}${warned}\n`);
  return ExitStatus.ok;
}
