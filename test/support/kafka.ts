/**
 * A real Kafka broker for the tests: Apache Kafka 3.9.1 in KRaft mode (one process that is
 * both broker and controller), its jars fetched from Maven Central once (`maven.ts`), run
 * with the machine's Java 17 on free 127.0.0.1 ports in a fresh temporary folder. Also
 * `createTopic`, and `kcat` (the Debian package, installed with apt-get when missing) as a
 * producer and consumer from outside Node.
 *
 * Start-up speed: the broker's classes are loaded from a class-data-sharing archive that the
 * first broker writes when it exits (kept next to the cached jars), which roughly halves the
 * JVM's start; the first run pays for the Maven download instead.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT } from './cli.js';
import { fetchJars, findExecutable, requireTools } from './maven.js';
import { accepts, freePort } from './ports.js';
import { ensurePackages, packageFor } from './debian-packages.js';

/** Where the broker's jars (and its class-data archive) are cached between runs. */
export const KAFKA_LIBS_DIR = join(ROOT, 'node_modules', '.cache', 'vigil-test', 'kafka-libs');
const KAFKA_SUPPORT_DIR = join(ROOT, 'test', 'support', 'kafka');
const POM = join(KAFKA_SUPPORT_DIR, 'pom.xml');
const LOG4J = join(KAFKA_SUPPORT_DIR, 'log4j.properties');
const HOST = '127.0.0.1';
// Generous: on a loaded machine the JVM alone can take a minute to start.
const READY_TIMEOUT_MS = 180_000;
/** What SIGTERM gets before SIGKILL. */
const STOP_GRACE_MS = 30_000;
const FORMAT_TIMEOUT_MS = 60_000;
/** Kept from the broker's console output, for the message of a failed start. */
const MAX_LOG_CHARS = 32_768;

/** Where Debian's kcat package puts the program. */
export const KCAT_PATH = '/usr/bin/kcat';

/** A running single-node Kafka started by a test. */
export interface KafkaServer {
  /** `127.0.0.1:PORT`, the bootstrap address for clients. */
  readonly brokers: string;
  readonly port: number;
  /** SIGTERM (SIGKILL after 30 s), then removes the temporary folder. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. The data stays; `restart()` starts the broker again. */
  kill(): Promise<void>;
  /** Stops the broker if it runs and starts it again on the same ports and data; resolves when ready. */
  restart(): Promise<void>;
  /** SIGSTOP: the broker keeps its sockets but answers nothing (a hung broker). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
}

/** Processes and folders to clean up if the test process ends without stopping them. */
const live = new Set<ChildProcess>();
const folders = new Set<string>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanup = () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup();
      // The handler is gone now, so this ends the process the way the signal would have.
      process.kill(process.pid, signal);
    });
  }
}



function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM to the process started here (by its pid), SIGKILL if it is still there after the grace. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  if ((await Promise.race([gone, late])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
  clearTimeout(timer);
}

/** A random cluster id as `StorageTool` wants it (a base64url UUID), never starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The class-data-sharing archive for this Java and these jars: use it when it exists,
 * otherwise have this JVM write it on exit (to a private name, renamed when complete).
 */
async function classDataFlags(libs: string, classpath: string): Promise<{ flags: string[]; written?: string; archive: string }> {
  const java = await realpath((await findExecutable('java')) ?? 'java');
  const { mtimeMs } = await stat(java);
  const key = createHash('sha256').update(`${java}\n${mtimeMs}\n${classpath}`).digest('hex').slice(0, 16);
  const archive = join(libs, `broker-${key}.jsa`);
  if (existsSync(archive)) return { flags: [`-XX:SharedArchiveFile=${archive}`], archive };
  const written = `${archive}.${process.pid}-${randomBytes(4).toString('hex')}`;
  return { flags: [`-XX:ArchiveClassesAtExit=${written}`], written, archive };
}

function runJava(args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('java', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve();
      reject(new Error(`java ${args.slice(-4).join(' ')} failed: ${error.message}\n${`${stdout}${stderr}`.slice(-4000)}`));
    });
  });
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${controllerPort}`,
    'controller.listener.names=CONTROLLER',
    `listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'offsets.topic.replication.factor=1',
    // The default 50 partitions slow the first group join.
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Lets a test give a consumer a short session, so a killed member is noticed quickly.
    'group.min.session.timeout.ms=500',
    // The default 128 MiB would be allocated on the small heap.
    'log.cleaner.dedupe.buffer.size=16777216',
    '',
  ].join('\n');
}

/** The JVM options of the broker (G1) and of the short-lived storage tool (Serial starts faster). */
function jvmOptions(classpath: string, tmp: string, gc: 'G1' | 'Serial'): string[] {
  return [
    '-Xms256m',
    '-Xmx384m',
    `-XX:+Use${gc}GC`,
    // Start-up matters more than peak speed here: compile with C1 only.
    '-XX:TieredStopAtLevel=1',
    `-Djava.io.tmpdir=${tmp}`,
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${LOG4J}`,
    '-cp',
    classpath,
  ];
}

/**
 * Starts a fresh single-node Kafka (fetching its jars on first use) and resolves once its
 * port accepts connections and kafkajs `describeCluster()` answers. Start it once per test
 * file (in `before`) and share it; every test uses its own topics and groups.
 */
export async function startKafka(): Promise<KafkaServer> {
  installCleanup();
  await requireTools(['java']);
  const libs = await fetchJars({ pom: POM, cacheDir: KAFKA_LIBS_DIR });
  const classpath = (await readdir(libs))
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => join(libs, f))
    .join(':');

  const dir = await mkdtemp(join(tmpdir(), 'vigil-kafka-'));
  folders.add(dir);
  const dataDir = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  const propertiesFile = join(dir, 'server.properties');
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const brokers = `${HOST}:${port}`;

  let child: ChildProcess | undefined;
  let output = '';

  /** Starts the broker process and waits until it serves; throws with its output if it does not. */
  async function launch(): Promise<void> {
    const cds = await classDataFlags(libs, classpath);
    output = '';
    const started = spawn('java', [...jvmOptions(classpath, tmp, 'G1'), ...cds.flags, 'kafka.Kafka', propertiesFile], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    live.add(started);
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-MAX_LOG_CHARS);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    started.on('error', (error) => {
      output += `\n${error.message}`;
    });
    started.once('exit', () => {
      live.delete(started);
      // A JVM that ended normally has written its archive completely; a killed one has not.
      if (cds.written === undefined) return;
      const written = cds.written;
      if (started.signalCode === 'SIGKILL') void rm(written, { force: true });
      else void rename(written, cds.archive).catch(() => rm(written, { force: true }));
    });
    await waitReady(started);
  }

  async function waitReady(started: ChildProcess): Promise<void> {
    const readyBy = Date.now() + READY_TIMEOUT_MS;
    const check = () => {
      if (hasExited(started)) throw new Error(`Kafka exited at start (${started.exitCode ?? started.signalCode}):\n${output}`);
      if (Date.now() > readyBy) throw new Error(`Kafka was not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    };
    while (!(await accepts(port))) {
      check();
      await sleep(25);
    }
    const kafka = new Kafka({ clientId: 'vigil-test-ready', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    for (;;) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return;
      } catch {
        check();
        await sleep(50);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
  }

  async function halt(): Promise<void> {
    if (child === undefined) return;
    // A frozen process would hold SIGTERM pending until the grace runs out.
    if (!hasExited(child)) child.kill('SIGCONT');
    await stopChild(child, STOP_GRACE_MS);
  }

  function signal(name: 'SIGSTOP' | 'SIGCONT'): void {
    if (child !== undefined && !hasExited(child)) child.kill(name);
  }

  try {
    await writeFile(propertiesFile, serverProperties(dataDir, port, controllerPort));
    await mkdir(tmp, { recursive: true });
    const cds = await classDataFlags(libs, classpath);
    const formatFlags = cds.written === undefined ? cds.flags : [];
    await runJava(
      [
        ...jvmOptions(classpath, tmp, 'Serial'),
        ...formatFlags,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        propertiesFile,
      ],
      FORMAT_TIMEOUT_MS,
    );
    await launch();
  } catch (error) {
    await halt();
    await rm(dir, { recursive: true, force: true });
    folders.delete(dir);
    throw error;
  }

  return {
    brokers,
    port,
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
      folders.delete(dir);
    },
    async kill() {
      if (child === undefined || hasExited(child)) return;
      const gone = exited(child);
      child.kill('SIGKILL');
      await gone;
    },
    async restart() {
      await halt();
      await launch();
    },
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
  };
}

/**
 * Creates `topic` with `partitions` partitions (replication 1) and waits until every
 * partition has a leader; `config` sets topic configs (`max.message.bytes`, ...).
 */
export async function createTopic(
  brokers: string,
  topic: string,
  partitions: number,
  config: Readonly<Record<string, string>> = {},
): Promise<void> {
  const kafka = new Kafka({ clientId: 'vigil-test-admin', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    } catch (e) {
      // On a loaded broker the topic is created but its metadata is not served yet, and
      // kafkajs gives up waiting for the leaders: wait for them below instead.
      if ((e as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw e;
    }
    const readyBy = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const ready = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then((m) => m.topics[0]?.partitions.length === partitions && m.topics[0].partitions.every((p) => p.leader >= 0))
        .catch(() => false);
      if (ready) break;
      if (Date.now() > readyBy) throw new Error(`topic ${topic} has no leaders after ${READY_TIMEOUT_MS} ms`);
      await sleep(50);
    }
  } finally {
    await admin.disconnect();
  }
}

interface CommandResult {
  readonly ok: boolean;
  readonly stdout: string;
  /** stdout, stderr and the error, for messages. */
  readonly output: string;
}

function runCommand(file: string, args: readonly string[], timeoutMs: number, input?: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (error, stdout, stderr) => resolve({ ok: error === null, stdout, output: `${stdout}${stderr}${error ? `\n${error.message}` : ''}` }),
    );
    child.stdin?.end(input ?? '');
  });
}

/**
 * Makes sure `/usr/bin/kcat` exists, installing Debian's kcat if not (see
 * `debian-packages.ts`: `npm test` installs it before the test files start).
 */
export async function ensureKcat(): Promise<void> {
  await ensurePackages([packageFor(KCAT_PATH)]);
}

/** Runs kcat with `args` (and `input` on stdin) and returns its stdout; rejects on failure. */
export async function kcat(args: readonly string[], input?: string, timeoutMs = 30_000): Promise<string> {
  const result = await runCommand(KCAT_PATH, args, timeoutMs, input);
  if (!result.ok) throw new Error(`kcat ${args.join(' ')} failed: ${result.output.slice(-2000)}`);
  return result.stdout;
}

/** One message as kcat's JSON envelope (`-J`) shows it. */
export interface KcatMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  /** Header values by name (the last one when a name repeats). */
  readonly headers: ReadonlyMap<string, string>;
}

/** Everything on `topic` right now, read with kcat from the beginning to the end of each partition. */
export async function kcatRead(brokers: string, topic: string): Promise<KcatMessage[]> {
  // A short fetch wait, so reaching the end of a partition is noticed at once.
  const out = await kcat(['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-J', '-X', 'fetch.wait.max.ms=5']);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = JSON.parse(line) as { partition: number; offset: number; key: string | null; payload: string | null; headers?: string[] };
      const headers = new Map<string, string>();
      const list = m.headers ?? [];
      for (let i = 0; i + 1 < list.length; i += 2) headers.set(list[i]!, list[i + 1]!);
      return { partition: m.partition, offset: m.offset, key: m.key, payload: m.payload, headers };
    });
}
