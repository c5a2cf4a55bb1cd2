/**
 * A real QuestDB 9.3.4 for the tests: the jar from Maven Central (cached), started on spare
 * loopback ports in a fresh temporary folder, telemetry off. `stop()` then `start()` brings
 * the same server back (same folder, same ports) for outage tests.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import { trackChild } from './children.js';
import { freePort } from './ports.js';
import { fetchJars, JAVA_TOOLS_INSTALL } from './maven.js';

const HOST = '127.0.0.1';
const JAR = 'questdb-9.3.4.jar';
const STOP_GRACE_MS = 30_000;
// Generous: on a loaded machine the JVM alone can take a minute to start.
const READY_TIMEOUT_MS = 180_000;

/** One QuestDB server started by a test. */
export interface QuestDbServer {
  /** `http://127.0.0.1:PORT`: `/exec` for SQL, `/write` for ILP. */
  readonly httpUrl: string;
  /** The client configuration string: `http::addr=127.0.0.1:PORT`. */
  readonly config: string;
  /** The server's folder (`conf/`, `db/`, its log in `stdout.log`). */
  readonly root: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Runs SQL through `/exec` and returns its JSON answer; rejects on an error answer. */
  sql(query: string): Promise<{ columns: { name: string; type: string }[]; dataset: unknown[][]; count: number }>;
  /** SIGTERM, SIGKILL after 30 s; resolves once the process is gone. Keeps the data. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same folder and ports; resolves once it answers SQL. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/** Processes still running, killed if the test process exits without stopping them. */


/** Distinct ports that were free a moment ago. */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** The cached QuestDB jar, fetched with Maven the first time. */
export async function questDbJar(): Promise<string> {
  const dir = await fetchJars({
    pom: path.join(ROOT, 'test', 'support', 'questdb', 'pom.xml'),
    cacheDir: path.join(ROOT, 'node_modules', '.cache', 'vigil-test', 'questdb-libs'),
  });
  return path.join(dir, JAR);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a QuestDB and resolves once `GET /exec?query=select 1` answers 200. On failure the
 * process is stopped and the error carries the end of its log.
 */
export async function startQuestDb(): Promise<QuestDbServer> {
  const jar = await questDbJar();
  const root = await mkdtemp(path.join(tmpdir(), 'vigil-questdb-'));
  await mkdir(path.join(root, 'conf'), { recursive: true });
  await mkdir(path.join(root, 'tmp'), { recursive: true });
  const [http, min, pg, ilp] = await freePorts(4);
  await writeFile(
    path.join(root, 'conf', 'server.conf'),
    [
      `http.bind.to=${HOST}:${http}`,
      `http.min.bind.to=${HOST}:${min}`,
      `pg.net.bind.to=${HOST}:${pg}`,
      `line.tcp.net.bind.to=${HOST}:${ilp}`,
      'telemetry.enabled=false',
      '',
    ].join('\n'),
  );
  const httpUrl = `http://${HOST}:${http}`;
  const logFile = path.join(root, 'stdout.log');
  let child: ChildProcess | undefined;

  const spawnServer = async (): Promise<void> => {
    const out = openSync(logFile, 'a');
    try {
      child = spawn(
        'java',
        [
          '-Xms64m',
          '-Xmx384m',
          '-XX:+UseParallelGC',
          `-Djava.io.tmpdir=${path.join(root, 'tmp')}`,
          '--add-exports',
          'java.base/jdk.internal.math=io.questdb',
          '-p',
          jar,
          '-m',
          'io.questdb/io.questdb.ServerMain',
          '-d',
          root,
        ],
        { cwd: root, stdio: ['ignore', out, out] },
      );
    } finally {
      closeSync(out);
    }
    const proc = child;
    trackChild(proc);
    let spawnError: Error | undefined;
    proc.once('error', (e: NodeJS.ErrnoException) => (spawnError = e.code === 'ENOENT' ? new Error(`the QuestDB tests need java on PATH; install with: ${JAVA_TOOLS_INSTALL}`) : e));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError !== undefined) throw spawnError;
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`QuestDB exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${await tail()}`);
      }
      try {
        const response = await fetch(`${httpUrl}/exec?query=${encodeURIComponent('select 1')}`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`QuestDB did not answer within ${READY_TIMEOUT_MS} ms:\n${await tail()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const tail = async (): Promise<string> => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-30).join('\n');
  };

  const signalAndWait = async (grace: boolean): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = exited(proc);
    proc.kill(grace ? 'SIGTERM' : 'SIGKILL');
    if (grace) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      await gone;
      clearTimeout(timer);
    } else {
      await gone;
    }
  };

  const server: QuestDbServer = {
    httpUrl,
    config: `http::addr=${HOST}:${http}`,
    root,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async sql(query) {
      const response = await fetch(`${httpUrl}/exec?query=${encodeURIComponent(query)}`);
      const body = (await response.json()) as { error?: string; columns?: { name: string; type: string }[]; dataset?: unknown[][]; count?: number };
      if (!response.ok || body.error !== undefined) throw new Error(`QuestDB: ${body.error ?? response.status} (${query})`);
      return { columns: body.columns ?? [], dataset: body.dataset ?? [], count: body.count ?? 0 };
    },
    stop: () => signalAndWait(true),
    kill: () => signalAndWait(false),
    async start() {
      if (server.running) return;
      try {
        await spawnServer();
      } catch (e) {
        await signalAndWait(false);
        throw e;
      }
    },
    async dispose() {
      await signalAndWait(true);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await spawnServer();
  } catch (e) {
    await signalAndWait(false);
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  return server;
}
