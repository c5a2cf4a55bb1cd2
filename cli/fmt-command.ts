import { readFile, stat, writeFile } from 'node:fs/promises';
import { formatDiagnostic } from '../engine/model/errors.js';
import { formatSource } from '../rules/fmt.js';
import { findRuleFiles } from '../rules/load.js';
import { ExitStatus } from './exit-status.js';

/**
 * `vigil fmt DIR [--check]`: rewrites every `.vigil` file in canonical form, comments kept.
 * With `--check` nothing is written and the exit is 1 when a file would change. A file
 * that does not parse is reported and left alone (exit 1). A usage error (no DIR, or one
 * that cannot be read) exits 2.
 */
export async function fmtCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const check = args.includes('--check');
  const rest = args.filter((a) => a !== '--check');
  if (rest.length !== 1 || rest[0]!.startsWith('-')) {
    err.write('usage: vigil fmt DIR [--check]\n');
    return ExitStatus.usage;
  }
  const target = rest[0]!;
  let files: string[];
  try {
    files = (await stat(target)).isDirectory() ? await findRuleFiles(target) : [target];
  } catch (e) {
    err.write(`vigil fmt: cannot read ${target}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\nusage: vigil fmt DIR [--check]\n`);
    return ExitStatus.usage;
  }
  let changed = 0;
  let broken = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const { output, diagnostics } = formatSource(file, text);
    if (output === undefined) {
      broken++;
      err.write(diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
      continue;
    }
    if (output === text) continue;
    changed++;
    if (check) out.write(`${file}\n`);
    else await writeFile(file, output);
  }
  if (check) {
    if (changed > 0) err.write(`${changed} file${changed === 1 ? '' : 's'} would be reformatted\n`);
    return changed > 0 || broken > 0 ? 1 : 0;
  }
  if (changed > 0) err.write(`reformatted ${changed} file${changed === 1 ? '' : 's'}\n`);
  return broken > 0 ? 1 : 0;
}
