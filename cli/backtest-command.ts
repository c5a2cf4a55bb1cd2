import type { WriteStream } from 'node:tty';
import { parseArgs } from 'node:util';
import { formatChange } from '../engine/model/alert-change.js';
import { parseDuration } from '../engine/model/duration.js';
import { formatDiagnostic, VigilError } from '../engine/model/errors.js';
import { Replay } from '../engine/replay.js';
import { createEventValidator, parseIsoTime } from '../ingest/event-validator.js';
import { loadRuleDir } from '../rules/load.js';
import { parseQuestDbConfig, type QuestDbConfig } from '../sinks/questdb/questdb-config.js';
import { QuestDbQueryError } from '../sinks/questdb/questdb-exec.js';
import { createQuestDbHistory } from '../sinks/questdb/questdb-history.js';
import { loadConfig } from './config.js';
import { unreadablePath } from './exit-status.js';
import { LineWriter } from './io.js';

const USAGE =
  'usage: vigil backtest --rules DIR --since DURATION|ISO [--until DURATION|ISO] [--end +DURATION | --end ISO]\n' +
  '                      [--questdb CONFIG | --config vigil.yaml]\n';

/** A time given as an ISO-8601 instant, or as a duration meaning that long before `now`. */
function parseWhen(text: string, now: number): number | undefined {
  const ago = parseDuration(text);
  return ago === undefined ? parseIsoTime(text) : now - ago;
}

/** `--end` as `vigil replay` reads it: `+DURATION` after the last event, or an ISO time. */
function parseEnd(text: string): { readonly relative: number } | { readonly absolute: number } | undefined {
  if (text.startsWith('+')) {
    const ms = parseDuration(text.slice(1));
    return ms === undefined ? undefined : { relative: ms };
  }
  const at = parseIsoTime(text);
  return at === undefined ? undefined : { absolute: at };
}

function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** A one-line progress bar redrawn in place on a terminal: done/total, rate, ETA. */
class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly stream: WriteStream,
    private readonly total: number,
  ) {}

  update(done: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const eta = rate > 0 ? Math.max(0, this.total - done) / rate : Infinity;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 60));
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    this.stream.write(
      `\r\x1b[K[${bar}] ${grouped(done)}/${grouped(this.total)} events ${Math.floor(fraction * 100)}%  ${grouped(rate)} ev/s  ETA ${clock(eta)}`,
    );
  }

  clear(): void {
    this.stream.write('\r\x1b[K');
  }
}

/**
 * `vigil backtest`: reads the events stored in QuestDB (`questdb.events` streams) for a
 * time range, in the order vigil saw them, and runs them through the rules exactly as
 * `vigil replay` runs a file, printing the same NDJSON alert changes. On a terminal a
 * progress bar goes to standard error. Exit 0; 1 when QuestDB cannot be read, the rules do
 * not compile, or a stored event is not valid (it is reported and skipped); 2 on a usage
 * error (bad or missing flags or flag values, no QuestDB named, a --rules DIR that cannot be read).
 */
export async function backtestCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let values: { rules?: string; since?: string; until?: string; end?: string; questdb?: string; config?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        rules: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        end: { type: 'string' },
        questdb: { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    err.write(`vigil backtest: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.rules === undefined || values.since === undefined) {
    err.write(USAGE);
    return 2;
  }
  const now = Date.now();
  const since = parseWhen(values.since, now);
  if (since === undefined) {
    err.write(`vigil backtest: --since ${JSON.stringify(values.since)} is neither a duration (e.g. 7d) nor an ISO-8601 time\n`);
    return 2;
  }
  const until = values.until === undefined ? now : parseWhen(values.until, now);
  if (until === undefined) {
    err.write(`vigil backtest: --until ${JSON.stringify(values.until)} is neither a duration (e.g. 1h) nor an ISO-8601 time\n`);
    return 2;
  }
  if (until < since) {
    err.write(`vigil backtest: --until (${new Date(until).toISOString()}) is before --since (${new Date(since).toISOString()})\n`);
    return 2;
  }
  const end = values.end === undefined ? undefined : parseEnd(values.end);
  if (values.end !== undefined && end === undefined) {
    err.write(`vigil backtest: --end ${JSON.stringify(values.end)} is neither +DURATION (e.g. +10m) nor an ISO-8601 time\n`);
    return 2;
  }

  let configString = values.questdb;
  if (configString === undefined && values.config !== undefined) {
    try {
      configString = (await loadConfig(values.config)).questdb.config;
    } catch (e) {
      err.write(`vigil backtest: ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (configString === undefined || configString === '') {
    err.write(`vigil backtest: no QuestDB to read: pass --questdb CONFIG (e.g. http::addr=127.0.0.1:9000) or --config with questdb.config set\n`);
    return 2;
  }
  let questdb: QuestDbConfig;
  try {
    questdb = parseQuestDbConfig(configString);
  } catch (e) {
    err.write(`vigil backtest: ${(e as VigilError).message}\n`);
    return 2;
  }

  const unreadable = await unreadablePath(values.rules);
  if (unreadable !== undefined) {
    err.write(`vigil backtest: --rules: cannot read ${values.rules}: ${unreadable}\n${USAGE}`);
    return 2;
  }
  const loaded = await loadRuleDir(values.rules);
  if (!loaded.ok) {
    err.write(loaded.diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
    return 1;
  }

  const history = createQuestDbHistory(questdb);
  let total: number;
  try {
    total = await history.countEvents({ since, until });
  } catch (e) {
    err.write(`vigil backtest: cannot read events from QuestDB at ${questdb.httpUrl}: ${e instanceof QuestDbQueryError ? e.reason : String(e)}\n`);
    return 1;
  }

  const writer = new LineWriter(out);
  let index = 0;
  let bad = 0;
  let lastTime: number | undefined;
  const at = (time: number): string => `questdb:${index} (event at ${new Date(time).toISOString()})`;
  const replay = new Replay({
    rules: loaded.ruleSet.rules,
    onChange: (c) => writer.line(formatChange(c)),
    onLate: (_i, event, clockAt) => err.write(`${at(event.time)}: late event (clock is at ${new Date(clockAt).toISOString()}), skipped\n`),
    onGroupCap: (rule, max) => err.write(`${at(replay.now)}: rule ${rule} reached its cap of ${max} groups; new groups are dropped\n`),
  });
  const validate = createEventValidator();
  const tty = (err as Partial<WriteStream>).isTTY === true ? (err as WriteStream) : undefined;
  const progress = tty === undefined ? undefined : new ProgressBar(tty, total);

  try {
    const events = history.events({
      since,
      until,
      onBadRow: (row) => {
        bad++;
        err.write(`questdb: stored event at ${new Date(row.time).toISOString()} (seq ${row.seq}): ${row.error}, skipped\n`);
      },
    });
    for await (const raw of events) {
      index++;
      const checked = validate(raw, 0);
      if (!checked.ok) {
        bad++;
        err.write(`${at(typeof raw.time === 'number' ? raw.time : since)}: ${checked.error}, skipped\n`);
        continue;
      }
      if (replay.push(checked.event)) lastTime = checked.event.time;
      if (progress !== undefined && (index & 1023) === 0) progress.update(index);
    }
  } catch (e) {
    progress?.clear();
    await writer.close();
    err.write(`vigil backtest: reading events from QuestDB at ${questdb.httpUrl} failed after ${index} events: ${e instanceof QuestDbQueryError ? e.reason : String(e)}\n`);
    return 1;
  }
  progress?.update(index, true);
  progress?.clear();
  let endAt: number | undefined;
  if (end !== undefined) endAt = 'relative' in end ? (lastTime ?? replay.now) + end.relative : end.absolute;
  replay.finish(endAt);
  await writer.close();
  return bad > 0 ? 1 : 0;
}
