/**
 * Syslog benchmark: 1M RFC 5424 messages over one TCP connection from a second process,
 * taken by a bare TCP line reader (Node's `readline` over the socket, counting lines) and by vigil's
 * syslog source as the service wires it (framing, parsing, events, intake queue, journal,
 * 100 compiled rules), each to the last message decided, and by the source alone (framing,
 * parsing, events, counted instead of queued) to show what the journal and rules cost. The two alternate for
 * VIGIL_BENCH_ROUNDS rounds (default 3); prints every round, the medians and their ratio,
 * then one JSON line. Run: `npm run bench:syslog`.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Core, type Input } from '../engine/core.js';
import type { SourceContext } from '../engine/model/source.js';
import { createSyslogSource } from '../ingest/syslog/syslog-source.js';
import { createIntakeQueue } from '../runtime/intake-queue.js';
import { Journal } from '../sinks/store/journal.js';
import { compileBenchRules } from './compile-rules.js';
import { median } from './median.js';
import { freePort } from '../test/support/ports.js';

const MESSAGES = Number(process.env.VIGIL_BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.VIGIL_BENCH_ROUNDS ?? 3);
const SENDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'syslog-sender.js');

function rules(): string {
  const out: string[] = [];
  for (let i = 0; i < 60; i++) out.push(`rule errors_${i} { when logs where app == "svc${i}" and level == "error" }`);
  for (let i = 0; i < 25; i++) out.push(`rule api_${i} { when count of logs where app == "svc${i}" and labels.meta.path == "/api/msgs" over 1m by host > 100000 }`);
  for (let i = 0; i < 15; i++) out.push(`rule warnings_${i} { when count of logs where app == "svc${i}" and level == "warning" over 1m by host > 500 }`);
  return out.join('\n');
}

/** Starts the sender process against `port`; resolves when it exited cleanly. */
function send(port: number): Promise<void> {
  const child = fork(SENDER, [String(port), String(MESSAGES)], { stdio: 'inherit' });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited with ${code}`)))));
}

/** A bare TCP line reader: Node's own `readline` over the socket, counting the lines it yields. */
async function bare(): Promise<number> {
  const port = await freePort();
  let lines = 0;
  let started = 0;
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const server = createServer((socket: Socket) => {
    socket.once('data', () => (started = performance.now()));
    createInterface({ input: socket, crlfDelay: Infinity }).on('line', () => {
      if (++lines === MESSAGES) resolveDone(performance.now());
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const sent = send(port);
  const end = await done;
  await sent;
  await new Promise<void>((r) => server.close(() => r()));
  return MESSAGES / ((end - started) / 1000);
}

/** vigil's syslog source into the intake queue, journal and 100 rules, as the service wires it (minus HTTP). */
async function vigil(): Promise<number> {
  const set = compileBenchRules(rules());
  const core = new Core({ start: Date.now(), rules: { rules: set.rules, policies: set.policies }, externalChannels: [], incidentUrl: (id) => id, maxGroupsPerRule: 100_000, latenessMs: 30_000 });
  core.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-syslog-bench-'));
  const { journal } = await Journal.open<unknown, Input>({ dir });
  let decided = 0;
  let refused = 0;
  let started = 0;
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const intake = createIntakeQueue({
    maxQueuedEvents: 200_000,
    now: () => Math.max(Date.now(), core.now),
    apply: (inputs, json) => {
      if (started === 0) started = performance.now();
      journal.appendMany(inputs, json);
      return inputs.map((input) => {
        const { rejections } = core.apply(input);
        refused += rejections.length;
        if (input.t === 'events') decided += input.events.length;
        return rejections;
      });
    },
    onDrained: () => {
      if (decided >= MESSAGES) resolveDone(performance.now());
    },
  });
  const port = await freePort();
  const source = createSyslogSource({ listen: [`tcp://127.0.0.1:${port}`] });
  const ctx: SourceContext = {
    submit: (events, json) => intake.submit(events, json),
    submitAlerts: () => undefined,
    selfAlert: () => undefined,
    now: () => Math.max(Date.now(), core.now),
    log: (line) => process.stderr.write(`${line}\n`),
    counted: () => undefined,
    http: undefined,
    signal: new AbortController().signal,
  };
  await source.start(ctx);
  const sent = send(port);
  const end = await done;
  await sent;
  await source.stop();
  intake.close();
  await journal.close();
  await rm(dir, { recursive: true, force: true });
  if (refused > 0) throw new Error(`${refused} messages refused by the core`);
  return MESSAGES / ((end - started) / 1000);
}

/** The syslog source alone: framing, parsing and events, handed to a submit that only counts them. */
async function sourceOnly(): Promise<number> {
  let seen = 0;
  let started = 0;
  let resolveDone: (t: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));
  const port = await freePort();
  const source = createSyslogSource({ listen: [`tcp://127.0.0.1:${port}`] });
  await source.start({
    submit: (events) => {
      if (started === 0) started = performance.now();
      seen += events.length;
      if (seen >= MESSAGES) resolveDone(performance.now());
      return Promise.resolve([]);
    },
    submitAlerts: () => undefined,
    selfAlert: () => undefined,
    now: () => Date.now(),
    log: (line) => process.stderr.write(`${line}\n`),
    counted: () => undefined,
    http: undefined,
    signal: new AbortController().signal,
  });
  const sent = send(port);
  const end = await done;
  await sent;
  await source.stop();
  return MESSAGES / ((end - started) / 1000);
}

async function main(): Promise<void> {
  const bareRates: number[] = [];
  const vigilRates: number[] = [];
  const sourceRates: number[] = [];
  // The machine is shared: alternate the two readers and compare their medians.
  for (let round = 1; round <= ROUNDS; round++) {
    bareRates.push(await bare());
    vigilRates.push(await vigil());
    sourceRates.push(await sourceOnly());
    process.stdout.write(
      `round ${round}: bare TCP line reader ${Math.round(bareRates.at(-1)!).toLocaleString('en-US')} lines/s,` +
        ` vigil syslog source + journal + 100 rules ${Math.round(vigilRates.at(-1)!).toLocaleString('en-US')} msg/s,` +
        ` the source alone (framing, parsing, events) ${Math.round(sourceRates.at(-1)!).toLocaleString('en-US')} msg/s\n`,
    );
  }
  const bareRate = median(bareRates);
  const vigilRate = median(vigilRates);
  const sourceRate = median(sourceRates);
  const ratio = vigilRate / bareRate;
  process.stdout.write(`median of ${ROUNDS} rounds of ${MESSAGES.toLocaleString('en-US')} messages: bare ${Math.round(bareRate).toLocaleString('en-US')} lines/s, vigil ${Math.round(vigilRate).toLocaleString('en-US')} msg/s, ratio ${ratio.toFixed(2)}; the source alone ${Math.round(sourceRate).toLocaleString('en-US')} msg/s, ratio ${(sourceRate / bareRate).toFixed(2)}\n`);
  process.stdout.write(JSON.stringify({ syslog_msgs_per_sec: Math.round(vigilRate), bare_lines_per_sec: Math.round(bareRate), ratio: Number(ratio.toFixed(2)), source_only_msgs_per_sec: Math.round(sourceRate), source_only_ratio: Number((sourceRate / bareRate).toFixed(2)) }) + '\n');
}

await main();
