import { access, constants } from 'node:fs/promises';

/**
 * The exit statuses every `vigil` command shares: 0 when all went well; 1 when the command
 * ran and found problems (rules that do not compile, failing tests, files to reformat, bad
 * event lines, an unreachable server); 2 for a usage error, where the command could not
 * start: unknown or missing flags, a flag value it cannot read, a DIR or FILE named on the
 * command line that does not exist or cannot be read.
 */
export const ExitStatus = { ok: 0, problems: 1, usage: 2 } as const;

/**
 * Why the path a command was given cannot be read (`ENOENT`, `EACCES`, ...), or undefined
 * when it can. Used to tell a usage error (exit 2) from problems in the files (exit 1).
 */
export async function unreadablePath(target: string): Promise<string | undefined> {
  try {
    await access(target, constants.R_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}
