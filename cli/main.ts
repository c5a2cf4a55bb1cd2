#!/usr/bin/env node
import { backtestCommand } from './backtest-command.js';
import { checkCommand } from './check-command.js';
import { fmtCommand } from './fmt-command.js';
import { replayCommand } from './replay-command.js';
import { testCommand } from './test-command.js';

const USAGE = `usage: vigil <command> [arguments]

  run [--config vigil.yaml] [--listen HOST:PORT]
                              run the engine (ingest, rules, incidents, notifications, API)
  check [--cluster [--partition-by F,..]] DIR
                              parse and check every .vigil file below DIR (--cluster: also rules whose inputs cannot meet on one partition)
  test DIR                    run every *.test.yaml below DIR
  fmt DIR [--check]           rewrite .vigil files in canonical form
  replay --rules DIR --events FILE [--end +DURATION | --end ISO]
                              feed NDJSON events through the rules, print alert changes
  backtest --rules DIR --since 7d [--until ...] [--questdb CONFIG | --config vigil.yaml]
                              replay events stored in QuestDB through the rules

exit status: 0 ok; 1 problems found (rules that do not compile, failing tests,
files to reformat, bad event lines, errors); 2 usage error (bad or missing flags,
a DIR or FILE that cannot be read)
`;

type Command = (args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

const commands: Record<string, Command> = {
  check: checkCommand,
  test: testCommand,
  fmt: fmtCommand,
  replay: replayCommand,
  backtest: backtestCommand,
};

/** The `vigil` command: dispatches to a sub-command and exits with its status. */
async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === 'run') {
    const { runCommand } = await import('./run-command.js');
    return runCommand(args, process.stdout, process.stderr);
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`vigil: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  return command(args, process.stdout, process.stderr);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`vigil: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
