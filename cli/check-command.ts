import { formatDiagnostic } from '../engine/model/errors.js';
import { loadRuleDir } from '../rules/load.js';
import { ExitStatus, unreadablePath } from './exit-status.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `vigil check DIR`: parses and checks every `.vigil` file. Prints one
 * `file:line:col: message` per problem, then a summary (`ok: N files, N rules` or
 * `N problems in N files`), all on standard output. Exit 0 when clean, 1 with problems,
 * 2 for a usage error (no DIR, or a DIR that cannot be read).
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
  if (!result.ok) {
    out.write(result.diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
    out.write(`${plural(result.diagnostics.length, 'problem')} in ${plural(result.files.length, 'file')}\n`);
    return ExitStatus.problems;
  }
  out.write(`ok: ${plural(result.files.length, 'file')}, ${plural(result.ruleSet.rules.length, 'rule')}\n`);
  return ExitStatus.ok;
}
