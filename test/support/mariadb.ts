/**
 * Real MariaDB servers for the failover tests: a primary and a replica (binlog replication,
 * GTID) started from fresh data directories on free loopback ports, the TCP front of
 * `examples/failover/tcp-switch.mjs`, and a runner for the other example scripts.
 *
 * Every server answers root without a password over TCP from 127.0.0.1, and carries the
 * probe schema (`vigil_probe.writes`) and the `vigil_probe` user that may only insert and
 * select there, which is what `write-check.mjs` connects as.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import { trackChild } from './children.js';
import { freePort } from './ports.js';

/** The folder of the failover example scripts. */
export const FAILOVER_DIR = path.join(ROOT, 'examples', 'failover');

/** The application user the write check connects as: no password, INSERT and SELECT on vigil_probe only. */
export const PROBE_USER = 'vigil_probe';

/** Creates the probe schema and user (idempotent); on a primary it replicates. */
export const PROBE_SETUP_SQL = [
  'CREATE DATABASE IF NOT EXISTS vigil_probe',
  'CREATE TABLE IF NOT EXISTS vigil_probe.writes (at DATETIME(6) NOT NULL)',
  `CREATE USER IF NOT EXISTS '${PROBE_USER}'@'127.0.0.1'`,
  `GRANT INSERT, SELECT ON vigil_probe.* TO '${PROBE_USER}'@'127.0.0.1'`,
].join('; ');

const HOST = '127.0.0.1';
/** The replication account the replica uses to read the primary's binlog. */
const REPL_USER = 'repl';
const REPL_PASSWORD = 'repl-test';
/** What SIGTERM gets before SIGKILL. */
const STOP_GRACE_MS = 30_000;
const READY_TIMEOUT_MS = 120_000;

/** One mariadbd started by a test. */
export interface MariaDbServer {
  /** `primary`, `replica`, or what the test named it; used in messages. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly address: string;
  /** The mariadbd process id; a new one after `start()`. */
  readonly pid: number;
  readonly running: boolean;
  readonly dataDir: string;
  /** The fence marker this server's start refuses to start a writer with (see `start`). */
  readonly fenceFile: string;
  /**
   * Runs SQL as root and returns the rows of its (single) result set, keyed by column name;
   * rejects with the client's message, or after `timeoutMs` (default 10 s).
   */
  query(sql: string, timeoutMs?: number): Promise<Record<string, string>[]>;
  /**
   * Starts the server again on the same port and data after `kill` or `stop`. While the
   * fence file exists it refuses to start a writer: pass `readOnly` (mariadbd --read-only).
   */
  start(options?: { readOnly?: boolean }): Promise<void>;
  /** SIGTERM, SIGKILL after 30 s; resolves once the process is gone. Keeps the data. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing (a hung server). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** The server's error log so far. */
  log(): Promise<string>;
  /** Stops the server and removes its folder. */
  dispose(): Promise<void>;
}

/** A primary replicating to a read-only replica. */
export interface MariaDbPair {
  readonly primary: MariaDbServer;
  readonly replica: MariaDbServer;
  /** Resolves once the replica has applied everything the primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes their folders. */
  stop(): Promise<void>;
}

/** Options of a single server. */
export interface MariaDbOptions {
  /** Used in messages and as the folder name; default `mariadb`. */
  readonly name?: string;
  /** Unique per server in a replication topology; default 1. */
  readonly serverId?: number;
  /** Start with --read-only. */
  readonly readOnly?: boolean;
  /** Folder to create the server's folder in; default a fresh temporary folder, removed by `dispose`. */
  readonly parentDir?: string;
}

/** Processes still running, killed if the test process exits without stopping them. */



export { freePort } from './ports.js';

/** Output of a finished child process. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

/** Runs a program (argv, no shell) to completion; SIGKILL after `timeoutMs`. */
export function run(program: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** The example scripts in `examples/failover/` that run to completion. */
export type FailoverScript = 'promote' | 'fence' | 'switch' | 'write-check';

/** Runs `examples/failover/NAME.mjs` with `args` under this Node, as a playbook `exec` step would. */
export function runFailoverScript(name: FailoverScript, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return run(process.execPath, [path.join(FAILOVER_DIR, `${name}.mjs`), ...args], timeoutMs);
}

/** Parses `mariadb --batch` output (header line, then tab-separated rows). */
function parseBatch(output: string): Record<string, string>[] {
  const lines = output.split('\n').filter((l) => l !== '');
  if (lines.length === 0) return [];
  const names = lines[0]!.split('\t');
  return lines.slice(1).map((line) => Object.fromEntries(line.split('\t').map((v, i) => [names[i]!, v])));
}

/** Runs SQL as root on 127.0.0.1:`port`, ignoring every option file. */
async function rootQuery(port: number, sql: string, timeoutMs = 10_000): Promise<Record<string, string>[]> {
  const r = await run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', HOST, '-P', String(port), '-u', 'root', '--connect-timeout=2', '--batch', '-e', sql], timeoutMs);
  if (r.code !== 0) throw new Error(`mariadb on port ${port}: ${r.signal ? `no answer within ${timeoutMs} ms` : r.stderr.trim()}`);
  return parseBatch(r.stdout);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Creates the system tables in a fresh data folder. */
async function installDb(dataDir: string, tmpDir: string): Promise<void> {
  const r = await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--tmpdir=${tmpDir}`,
    `--user=${userInfo().username}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    // Passed on to the bootstrap server: a small redo log and buffer pool keep it quick.
    '--innodb-log-file-size=16M',
    '--innodb-buffer-pool-size=16M',
  ]);
  if (r.code !== 0) throw new Error(`mariadb-install-db failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/**
 * Starts one mariadbd on a free port from a fresh data folder, with the binlog on (so it can
 * be a primary, or become one after promotion) and the probe schema and user created.
 */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const name = options.name ?? 'mariadb';
  const ownsParent = options.parentDir === undefined;
  const parent = options.parentDir ?? (await mkdtemp(path.join(tmpdir(), 'vigil-mariadb-')));
  const dir = path.join(parent, name);
  const dataDir = path.join(dir, 'data');
  const fenceFile = path.join(dir, 'fenced');
  const errorLog = path.join(dir, 'error.log');
  // Each server gets its own temporary folder: bootstrap servers running side by side in a
  // shared one have lost each other's temporary tables.
  const tmpDir = path.join(dir, 'tmp');
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let port = 0;

  /** Spawns mariadbd and waits until root can run a query; rejects if it exits first. */
  const launch = async (readOnly: boolean): Promise<void> => {
    const args = [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--tmpdir=${tmpDir}`,
      `--socket=${path.join(dir, 'mariadb.sock')}`,
      `--pid-file=${path.join(dir, 'mariadb.pid')}`,
      `--log-error=${errorLog}`,
      `--port=${port}`,
      `--bind-address=${HOST}`,
      '--skip-name-resolve',
      `--server-id=${options.serverId ?? 1}`,
      '--log-bin=binlog',
      '--relay-log=relay-bin',
      // mariadbd refuses to run as root unless told to; as anyone else the option is moot.
      `--user=${userInfo().username}`,
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=16M',
      '--innodb-buffer-pool-dump-at-shutdown=0',
      '--innodb-buffer-pool-load-at-startup=0',
      ...(readOnly ? ['--read-only'] : []),
    ];
    const proc = spawn('mariadbd', args, { stdio: 'ignore' });
    trackChild(proc);
    child = proc;
    exited = once(proc, 'exit');
    let gone = false;
    void exited.then(() => (gone = true));
    await until(`${name} to accept connections on ${port}`, READY_TIMEOUT_MS, async () => {
      if (gone) throw new Error(`mariadbd exited early:\n${await readFile(errorLog, 'utf8').catch(() => '')}`);
      await rootQuery(port, 'SELECT 1');
      return true;
    }).catch(async (error: Error) => {
      proc.kill('SIGKILL');
      await exited;
      throw error;
    });
  };

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGCONT');
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  await mkdir(tmpDir, { recursive: true });
  await installDb(dataDir, tmpDir);
  // The port is free when picked but may be taken before mariadbd binds it: pick again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch(options.readOnly ?? false);
      break;
    } catch (error) {
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      if (attempt >= 3 || !/Address already in use|Bind on TCP\/IP port/.test(log)) {
        if (ownsParent) await rm(parent, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const server: MariaDbServer = {
    name,
    host: HOST,
    port,
    address: `${HOST}:${port}`,
    get pid() {
      return child?.pid ?? -1;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    dataDir,
    fenceFile,
    query: (sql, timeoutMs) => rootQuery(port, sql, timeoutMs),
    async start(startOptions = {}) {
      if (server.running) throw new Error(`${name} is already running`);
      const readOnly = startOptions.readOnly ?? false;
      if (!readOnly && (await exists(fenceFile))) {
        throw new Error(`${name} is fenced (${fenceFile} exists): start it with readOnly, or remove the fence once it has been rebuilt`);
      }
      await launch(readOnly);
    },
    stop: () => signalAndWait('SIGTERM', STOP_GRACE_MS),
    kill: () => signalAndWait('SIGKILL', 0),
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    log: () => readFile(errorLog, 'utf8').catch(() => ''),
    async dispose() {
      await server.stop();
      await rm(ownsParent ? parent : dir, { recursive: true, force: true });
    },
  };
  try {
    await server.query(PROBE_SETUP_SQL);
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

/** Waits until `replica` has applied the primary's binlog up to its position now. */
async function caughtUp(primary: MariaDbServer, replica: MariaDbServer, timeoutMs = 10_000): Promise<void> {
  const [row] = await primary.query('SELECT @@global.gtid_binlog_pos AS pos');
  const pos = row?.pos ?? '';
  const [wait] = await replica.query(`SELECT MASTER_GTID_WAIT('${pos}', ${timeoutMs / 1000}) AS r`, timeoutMs + 5_000);
  if (wait?.r !== '0') throw new Error(`${replica.name} did not reach ${primary.name}'s position ${pos} within ${timeoutMs} ms`);
}

/**
 * Starts a primary and a replica (both in one temporary folder) and sets up GTID replication
 * from the primary to the replica, which runs read-only. Resolves once the replica is
 * replicating and has the probe table. Takes a few seconds.
 */
export async function startMariaDbPair(): Promise<MariaDbPair> {
  const parentDir = await mkdtemp(path.join(tmpdir(), 'vigil-mariadb-'));
  const started = await Promise.allSettled([
    startMariaDb({ name: 'primary', serverId: 1, parentDir }),
    startMariaDb({ name: 'replica', serverId: 2, parentDir, readOnly: true }),
  ]);
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await rm(parentDir, { recursive: true, force: true });
  };
  try {
    const [primary, replica] = started.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    }) as [MariaDbServer, MariaDbServer];
    await primary.query(
      `CREATE USER '${REPL_USER}'@'127.0.0.1' IDENTIFIED BY '${REPL_PASSWORD}'; GRANT REPLICATION SLAVE ON *.* TO '${REPL_USER}'@'127.0.0.1'`,
    );
    // Both servers ran the same setup on their own; the replica's copy of it is not in the
    // primary's history, so it starts from an empty position and replays the primary's binlog.
    await replica.query(
      [
        "SET GLOBAL gtid_slave_pos = ''",
        `CHANGE MASTER TO MASTER_HOST = '${HOST}', MASTER_PORT = ${primary.port}, MASTER_USER = '${REPL_USER}', ` +
          `MASTER_PASSWORD = '${REPL_PASSWORD}', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1`,
        'START SLAVE',
      ].join('; '),
    );
    await until('replication to run', READY_TIMEOUT_MS, async () => {
      const [status] = await replica.query('SHOW SLAVE STATUS');
      if (status?.Last_IO_Error || status?.Last_SQL_Error) throw new Error(`replication error: ${status.Last_IO_Error || status.Last_SQL_Error}`);
      return status?.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes' ? true : undefined;
    });
    const pair: MariaDbPair = { primary, replica, stop, caughtUp: (timeoutMs) => caughtUp(primary, replica, timeoutMs) };
    await pair.caughtUp();
    return pair;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A running `examples/failover/tcp-switch.mjs`. */
export interface TcpSwitch {
  /** The front clients connect to. */
  readonly host: string;
  readonly port: number;
  /** `host:port` of the front. */
  readonly address: string;
  /** `host:port` of the runtime API (what `switch.mjs --api` takes). */
  readonly api: string;
  readonly pid: number;
  /** GET /backend. */
  backend(): Promise<string>;
  /** PUT /backend; rejects unless the switch answers 200. */
  switchTo(backend: string): Promise<void>;
  /** What the switch logged so far. */
  stderr(): string;
  /** SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** Starts the example TCP front on free ports, sending to `backend` (`host:port`), and waits until it is ready. */
export async function startTcpSwitch(backend: string): Promise<TcpSwitch> {
  const child = spawn(process.execPath, [path.join(FAILOVER_DIR, 'tcp-switch.mjs'), '--listen', `${HOST}:0`, '--api', `${HOST}:0`, '--backend', backend], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const exited = once(child, 'exit');
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.setEncoding('utf8');
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcp-switch did not start:\n${stderr}`)), 10_000);
    child.stdout!.on('data', (d: string) => {
      stdout += d;
      const m = /^ready listen=(\S+):(\d+) api=(\S+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcp-switch exited with ${code}:\n${stderr}`));
    });
  }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  const [, host, port, api] = ready as unknown as [string, string, string, string];
  const url = `http://${api}/backend`;
  return {
    host,
    port: Number(port),
    address: `${host}:${port}`,
    api,
    pid: child.pid!,
    async backend() {
      const res = await fetch(url);
      return (await res.text()).trim();
    },
    async switchTo(next) {
      const res = await fetch(url, { method: 'PUT', body: next });
      const text = (await res.text()).trim();
      if (res.status !== 200) throw new Error(`tcp-switch refused ${next}: ${res.status} ${text}`);
    },
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The addresses `examples/failover/failover.vigil` is written for. */
export const EXAMPLE_ADDRESSES = {
  primary: '127.0.0.1:3307',
  replica: '127.0.0.1:3308',
  front: '127.0.0.1:3310',
  api: '127.0.0.1:8404',
  fenceFile: '/var/lib/vigil/primary.fenced',
} as const;

/** Where a copy of the example rules should point instead. */
export interface FailoverTargets {
  readonly primary: string;
  readonly replica: string;
  readonly front: string;
  readonly api: string;
  readonly fenceFile: string;
}

/**
 * The shipped `failover.vigil` rewritten for a test's own servers: its addresses and ports,
 * the fence file, the scripts by absolute path and this Node instead of `node`, so the
 * rules run from any working directory.
 */
export async function failoverRules(targets: FailoverTargets): Promise<string> {
  const text = await readFile(path.join(FAILOVER_DIR, 'failover.vigil'), 'utf8');
  const port = (address: string): string => address.slice(address.lastIndexOf(':') + 1);
  const replacements = new Map<string, string>([
    [`"${EXAMPLE_ADDRESSES.fenceFile}"`, JSON.stringify(targets.fenceFile)],
    ['"node"', JSON.stringify(process.execPath)],
    ['"examples/failover/', JSON.stringify(FAILOVER_DIR + path.sep).slice(0, -1)],
  ]);
  for (const key of ['primary', 'replica', 'front', 'api'] as const) {
    replacements.set(`"${EXAMPLE_ADDRESSES[key]}"`, JSON.stringify(targets[key]));
    replacements.set(`"${port(EXAMPLE_ADDRESSES[key])}"`, JSON.stringify(port(targets[key])));
  }
  // One pass, so a replacement is never itself rewritten by a later one.
  const pattern = new RegExp([...replacements.keys()].map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, (m) => replacements.get(m)!);
}
