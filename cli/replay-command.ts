import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { formatChange } from '../engine/model/alert-change.js';
import { parseDuration } from '../engine/model/duration.js';
import { formatDiagnostic } from '../engine/model/errors.js';
import { Replay } from '../engine/replay.js';
import { createEventValidator, parseIsoTime } from '../ingest/event-validator.js';
import { DEFAULT_MAX_LABEL_VALUE_LENGTH } from '../engine/engine.js';
import { loadRuleDir } from '../rules/load.js';
import { ExitStatus, unreadablePath } from './exit-status.js';
import { LineWriter } from './io.js';

const USAGE = 'usage: vigil replay --rules DIR --events FILE [--end +DURATION | --end ISO]\n';

/** `--end`: `+DURATION` after the last event, or an absolute ISO time. */
type End = { readonly relative: number } | { readonly absolute: number };

function parseEnd(text: string): End | undefined {
  if (text.startsWith('+')) {
    const ms = parseDuration(text.slice(1));
    return ms === undefined ? undefined : { relative: ms };
  }
  const at = parseIsoTime(text);
  return at === undefined ? undefined : { absolute: at };
}

/**
 * `vigil replay`: feeds an NDJSON event file through the rules in event time and prints the
 * alert state changes as NDJSON. Bad lines and late events are reported on standard error
 * with their line number and skipped; the rest still runs. Exit 1 when any line was bad or
 * the rules do not compile; 2 for a usage error (a missing or unreadable flag value, DIR or FILE).
 */
export async function replayCommand(
  args: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let values: { rules?: string; events?: string; end?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { rules: { type: 'string' }, events: { type: 'string' }, end: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err.write(`vigil replay: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.rules === undefined || values.events === undefined) {
    err.write(USAGE);
    return 2;
  }
  const end = values.end === undefined ? undefined : parseEnd(values.end);
  if (values.end !== undefined && end === undefined) {
    err.write(`vigil replay: --end ${JSON.stringify(values.end)} is neither +DURATION (e.g. +10m) nor an ISO-8601 time\n${USAGE}`);
    return ExitStatus.usage;
  }
  for (const [flag, target] of [['--rules', values.rules], ['--events', values.events]] as const) {
    if (target === '-' && flag === '--events') continue;
    const unreadable = await unreadablePath(target);
    if (unreadable !== undefined) {
      err.write(`vigil replay: ${flag}: cannot read ${target}: ${unreadable}\n${USAGE}`);
      return ExitStatus.usage;
    }
  }
  const loaded = await loadRuleDir(values.rules);
  if (!loaded.ok) {
    err.write(loaded.diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
    return 1;
  }

  const source = values.events === '-' ? 'stdin' : values.events;
  const input: NodeJS.ReadableStream = values.events === '-' ? stdin : createReadStream(values.events);
  const openError = new Promise<Error>((resolve) => input.once('error', (e: Error) => resolve(e)));
  const writer = new LineWriter(out);
  let lineNo = 0;
  const replay = new Replay({
    rules: loaded.ruleSet.rules,
    onChange: (c) => writer.line(formatChange(c)),
    onLate: (_i, event, clock) =>
      err.write(`${source}:${lineNo}: late event at ${new Date(event.time).toISOString()} (clock is at ${new Date(clock).toISOString()}), skipped\n`),
    onGroupCap: (rule, max) => err.write(`${source}:${lineNo}: rule ${rule} reached its cap of ${max} groups; new groups are dropped\n`),
    onLabelTooLong: (rule, label, length) =>
      err.write(`${source}:${lineNo}: rule ${rule}: a ${label} value of ${length} characters is longer than ${DEFAULT_MAX_LABEL_VALUE_LENGTH}; not evaluated for this rule\n`),
  });
  const validate = createEventValidator();
  let bad = 0;
  let lastTime: number | undefined;

  const readLines = async (): Promise<void> => {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      if (line.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        bad++;
        err.write(`${source}:${lineNo}: not JSON: ${(e as Error).message}\n`);
        continue;
      }
      // An event without a time in a replay file has no ingest time to fall back on.
      if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !('time' in raw)) {
        bad++;
        err.write(`${source}:${lineNo}: event has no "time"\n`);
        continue;
      }
      const checked = validate(raw, 0);
      if (!checked.ok) {
        bad++;
        err.write(`${source}:${lineNo}: ${checked.error}\n`);
        continue;
      }
      if (replay.push(checked.event)) lastTime = checked.event.time;
    }
  };
  const failure = await Promise.race([readLines().then(() => undefined), openError]);
  if (failure !== undefined) {
    err.write(`vigil replay: cannot read ${source}: ${(failure as NodeJS.ErrnoException).code ?? failure.message}\n`);
    return 1;
  }
  let endAt: number | undefined;
  if (end !== undefined) endAt = 'relative' in end ? (lastTime ?? replay.now) + end.relative : end.absolute;
  replay.finish(endAt);
  await writer.close();
  return bad > 0 ? 1 : 0;
}
