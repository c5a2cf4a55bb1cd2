/**
 * File tail benchmark: a file of VIGIL_BENCH_LINES (default 1M) JSON lines of 200 bytes,
 * read in the same run by a bare reader (node's `readline` over a read stream, JSON.parse
 * per line, nothing else) and by vigil's file source feeding the intake queue, the journal
 * (a real one, in a temporary folder, with each batch's offsets in its record) and 100
 * compiled rules. The two alternate for VIGIL_BENCH_ROUNDS rounds (default 3); `wc -l`
 * over the same file is printed for scale. Prints every round, the medians and their
 * ratio, then one JSON line. Run: `npm run bench:tail`.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Core, type Input } from '../engine/core.js';
import type { SourceContext } from '../engine/model/source.js';
import { createFileSource } from '../ingest/files/file-source.js';
import { createIntakeQueue } from '../runtime/intake-queue.js';
import { Journal } from '../sinks/store/journal.js';
import { compileBenchRules } from './compile-rules.js';
import { median } from './median.js';

const LINES = Number(process.env.VIGIL_BENCH_LINES ?? 1_000_000);
const ROUNDS = Number(process.env.VIGIL_BENCH_ROUNDS ?? 3);
const LINE_BYTES = 200;

function rules(): string {
  const out: string[] = [];
  for (let i = 0; i < 60; i++) out.push(`rule errors_${i} { when logs where service == "svc${i}" and level == "error" }`);
  for (let i = 0; i < 25; i++) out.push(`rule slow_${i} { when avg(duration_ms) of logs where service == "svc${i}" over 1m by host > 900 }`);
  for (let i = 0; i < 15; i++) out.push(`rule burst_${i} { when count of logs where service == "svc${i}" and level == "error" over 1m by host > 500 }`);
  return out.join('\n');
}

/** The lines, each padded to exactly LINE_BYTES bytes with its newline. */
async function writeLog(file: string): Promise<void> {
  const levels = ['info', 'info', 'info', 'warning', 'error'];
  const chunk: string[] = [];
  await writeFile(file, '');
  const { appendFile } = await import('node:fs/promises');
  for (let j = 0; j < LINES; j++) {
    const head = `{"host":"host${j % 500}","service":"svc${j % 80}","level":"${levels[j % levels.length]}","duration_ms":${(j * 7919) % 1000},"message":"GET /api/msgs 200 `;
    const tail = '"}\n';
    chunk.push(head + 'x'.repeat(LINE_BYTES - head.length - tail.length) + tail);
    if (chunk.length === 10_000) {
      await appendFile(file, chunk.join(''));
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) await appendFile(file, chunk.join(''));
}

/** A bare reader: `readline` over the file, JSON.parse per line, nothing else. */
async function bare(file: string): Promise<number> {
  const started = performance.now();
  let seen = 0;
  const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) if (JSON.parse(line) !== null) seen++;
  if (seen !== LINES) throw new Error(`bare reader saw ${seen} lines`);
  return LINES / ((performance.now() - started) / 1000);
}

/** vigil's file source into the intake queue, a real journal and 100 rules, as the service wires them (minus HTTP). */
async function vigil(dir: string): Promise<number> {
  const set = compileBenchRules(rules());
  const core = new Core({ start: Date.now(), rules: { rules: set.rules, policies: set.policies }, externalChannels: [], incidentUrl: (id) => id, maxGroupsPerRule: 100_000 });
  core.start();
  const journalDir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-bench-journal-'));
  const { journal } = await Journal.open<unknown, Input>({ dir: journalDir });
  let seen = 0;
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const intake = createIntakeQueue({
    maxQueuedEvents: 200_000,
    now: () => Math.max(Date.now(), core.now),
    apply: (inputs, json) => {
      journal.appendMany(inputs, json);
      return inputs.map((input) => {
        const effects = core.apply(input);
        if (input.t === 'events') seen += input.events.length;
        return effects.rejections;
      });
    },
    onDepth: () => {
      if (seen >= LINES) resolveDone(performance.now());
    },
  });
  const abort = new AbortController();
  const ctx: SourceContext = {
    submit: (events, json, checkpoint) => intake.submit(events, json, checkpoint),
    checkpoint: () => undefined,
    submitAlerts: () => {},
    selfAlert: () => {},
    now: () => Math.max(Date.now(), core.now),
    log: (line) => process.stderr.write(`${line}\n`),
    counted: () => {},
    http: undefined,
    signal: abort.signal,
  };
  const source = createFileSource({ inputs: [{ path: path.join(dir, '*.log'), stream: 'logs', format: 'json' }], ...(process.env.VIGIL_BENCH_READ ? { readBytes: Number(process.env.VIGIL_BENCH_READ) } : {}) });
  const started = performance.now();
  await source.start(ctx);
  const end = await done;
  await source.stop();
  intake.close();
  await journal.close();
  await rm(journalDir, { recursive: true, force: true });
  return LINES / ((end - started) / 1000);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-tail-bench-'));
  const logs = path.join(dir, 'logs');
  await mkdir(logs);
  const file = path.join(logs, 'app.log');
  try {
    await writeLog(file);
    const mib = (LINES * LINE_BYTES) / (1 << 20);
    process.stdout.write(`wrote ${LINES.toLocaleString('en-US')} JSON lines of ${LINE_BYTES} bytes (${mib.toFixed(0)} MiB)\n`);
    const t0 = performance.now();
    execFileSync('wc', ['-l', file]);
    const wcRate = LINES / ((performance.now() - t0) / 1000);
    process.stdout.write(`wc -l: ${Math.round(wcRate).toLocaleString('en-US')} lines/s (counting only, for scale)\n`);
    // The machine is shared: alternate the two readers and compare their medians.
    const bareRates: number[] = [];
    const vigilRates: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      bareRates.push(await bare(file));
      vigilRates.push(await vigil(logs));
      process.stdout.write(
        `round ${round}: bare readline + JSON.parse ${Math.round(bareRates.at(-1)!).toLocaleString('en-US')} lines/s,` +
          ` vigil file source + journal + 100 rules ${Math.round(vigilRates.at(-1)!).toLocaleString('en-US')} lines/s\n`,
      );
    }
    const bareRate = median(bareRates);
    const vigilRate = median(vigilRates);
    const ratio = vigilRate / bareRate;
    process.stdout.write(
      `median of ${ROUNDS} rounds: bare ${Math.round(bareRate).toLocaleString('en-US')}, vigil ${Math.round(vigilRate).toLocaleString('en-US')} lines/s ` +
        `(${((vigilRate * LINE_BYTES) / (1 << 20)).toFixed(1)} MiB/s), ratio ${ratio.toFixed(2)}\n`,
    );
    process.stdout.write(
      JSON.stringify({
        tail_lines_per_sec: Math.round(vigilRate),
        tail_mib_per_sec: Number(((vigilRate * LINE_BYTES) / (1 << 20)).toFixed(1)),
        bare_readline_lines_per_sec: Math.round(bareRate),
        wc_lines_per_sec: Math.round(wcRate),
        ratio: Number(ratio.toFixed(2)),
      }) + '\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
