import { formatDiagnostic } from '../engine/model/errors.js';
import { loadRuleDir } from '../rules/load.js';

/** `vigil check DIR`: parse and check every `.vigil` file; 0 when clean, 1 with problems. */
export async function checkCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (args.length !== 1) {
    err.write('usage: vigil check DIR\n');
    return 2;
  }
  const result = await loadRuleDir(args[0]!);
  if (!result.ok) {
    out.write(result.diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
    err.write(`${result.diagnostics.length} problem${result.diagnostics.length === 1 ? '' : 's'} in ${result.files.length} file${result.files.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  err.write(`ok: ${result.files.length} file${result.files.length === 1 ? '' : 's'}, ${result.ruleSet.rules.length} rule${result.ruleSet.rules.length === 1 ? '' : 's'}\n`);
  return 0;
}
