import { compareDiagnostics, formatDiagnostic } from '../engine/model/errors.js';
import { fieldWarnings } from '../rules/field-warnings.js';
import { loadRuleDir } from '../rules/load.js';
import { parseRuleFile } from '../rules/parse.js';
import { ExitStatus, unreadablePath } from './exit-status.js';
import { sentFields } from './sent-fields.js';
import { defaultPartitionBy, splitRules } from '../runtime/cluster/partition-key.js';

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
export async function checkCommand(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  // `--cluster [--partition-by f1,f2]`: also report rules whose inputs can land on different partitions.
  const args = [...argv];
  const cluster = args.includes('--cluster');
  let partitionBy: string[] | undefined;
  const pb = args.indexOf('--partition-by');
  if (pb >= 0) {
    partitionBy = (args[pb + 1] ?? '').split(',').filter((f) => f !== '');
    args.splice(pb, 2);
  }
  if (cluster) args.splice(args.indexOf('--cluster'), 1);
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
  if (cluster) {
    const fields = partitionBy ?? defaultPartitionBy(result.ruleSet.rules);
    const split = splitRules(result.ruleSet.rules, fields);
    for (const s of split) out.write(`${dir}: cluster: ${s.reason}\n`);
    if (split.length > 0) {
      out.write(`${plural(split.length, 'problem')} in cluster mode (events partitioned by ${fields.join(', ') || 'nothing'})\n`);
      return ExitStatus.problems;
    }
  }
  out.write(`ok: ${plural(result.files.length, 'file')}, ${plural(result.ruleSet.rules.length, 'rule')}${warned}\n`);
  return ExitStatus.ok;
}
