#!/usr/bin/env node
/**
 * Fences the old primary so it cannot come back as a second writer:
 *
 *   1. writes the fence file first, whatever happens next: the primary's start script
 *      refuses to start it without --read-only while this file exists;
 *   2. if the server answers: SET GLOBAL read_only=1 and kills the client connections
 *      (a connection with the READ ONLY ADMIN privilege, root's for one, could still
 *      write, and a connection in the middle of a write would otherwise finish it);
 *   3. records the outcome in the fence file.
 *
 * Usage:
 *   node fence.mjs --host 127.0.0.1 --port 3307 --fence-file /var/lib/vigil/primary.fenced [--user root]
 *
 * Exits 0 when the server is now read-only or is down (refused or did not answer within
 * --timeout-ms; a server that is down takes no writes, and the fence file keeps it from
 * returning as a writer). Exits 1 when it answered but could not be made read-only.
 * The fence file is JSON: { fencedAt, server, state: "read-only" | "down" | "failed", detail }.
 * Remove it by hand once the old primary has been rebuilt as a replica.
 */

import { spawn } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    user: { type: 'string', default: 'root' },
    'fence-file': { type: 'string' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});
const host = values.host;
const port = Number(values.port);
const fenceFile = values['fence-file'];
const timeoutMs = Number(values['timeout-ms']);
if (!host || !Number.isInteger(port) || !fenceFile || !(timeoutMs > 0)) {
  console.error('usage: fence.mjs --host HOST --port PORT --fence-file PATH [--user USER] [--timeout-ms MS]');
  process.exit(2);
}
const at = `${host}:${port}`;

/** Client errors that mean the server is not there: cannot connect, or lost during the handshake. */
const UNREACHABLE = new Set([2002, 2003, 2006, 2013]);
/** "Unknown thread id": the connection ended before KILL reached it. */
const UNKNOWN_THREAD = 1094;
/** "Lock wait timeout exceeded": read_only waits for running writes to commit. */
const LOCK_WAIT_TIMEOUT = 1205;

/** A failed `mariadb` run: its error number when it printed one, and whether it timed out. */
class SqlError extends Error {
  constructor(message, errno, timedOut) {
    super(message);
    this.errno = errno;
    this.timedOut = timedOut;
  }
}

/** Runs SQL through the `mariadb` client (batch, no column names); resolves with its output. */
function sql(statements, { force = false } = {}) {
  const args = [
    '--protocol=tcp', '-h', host, '-P', String(port), '-u', values.user,
    `--connect-timeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`, '--batch', '--skip-column-names',
    ...(force ? ['--force'] : []), '-e', statements,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mariadb', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SqlError(`cannot run mariadb: ${error.message}`, undefined, false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      if (signal) return reject(new SqlError(`no answer within ${timeoutMs} ms`, undefined, true));
      const errnos = [...stderr.matchAll(/^ERROR (\d+)/gm)].map((m) => Number(m[1]));
      const error = new SqlError(stderr.trim() || `mariadb exited with ${code}`, errnos[0], false);
      error.errnos = errnos;
      reject(error);
    });
  });
}

/** Replaces the fence file in one step, so a reader never sees half of it. */
async function record(state, detail) {
  await mkdir(path.dirname(path.resolve(fenceFile)), { recursive: true });
  const tmp = `${fenceFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ fencedAt: new Date().toISOString(), server: at, state, detail }, null, 2)}\n`);
  await rename(tmp, fenceFile);
}

const isDown = (error) => error.timedOut || UNREACHABLE.has(error.errno);

/** Sets read_only without waiting long behind running writes. */
const makeReadOnly = () => sql('SET SESSION lock_wait_timeout = 2; SET GLOBAL read_only = 1; SELECT @@global.read_only');

/** Kills every client connection but this one; returns how many. */
async function killClients() {
  // Internal threads run as "system user"; binlog dump threads only send what was already
  // written, and a replica that is about to be promoted still needs the last of it.
  const list = await sql(
    "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND user NOT IN ('system user', 'event_scheduler') AND command NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')",
  );
  const ids = list.split('\n').filter((l) => /^\d+$/.test(l));
  if (ids.length === 0) return 0;
  try {
    await sql(ids.map((id) => `KILL CONNECTION ${id};`).join(' '), { force: true });
  } catch (error) {
    if (!(error.errnos ?? []).every((n) => n === UNKNOWN_THREAD)) throw error;
  }
  return ids.length;
}

try {
  await record('fencing', 'fence started');
} catch (error) {
  console.error(`${at}: cannot write fence file: ${error.message}`);
  process.exit(1);
}

try {
  let readOnly = await makeReadOnly().catch((error) => {
    if (error.errno === LOCK_WAIT_TIMEOUT) return null;
    throw error;
  });
  const killed = await killClients();
  // A write that held read_only back has just lost its connection; try once more.
  readOnly ??= await makeReadOnly();
  if (readOnly.trim() !== '1') throw new Error('read_only did not take effect');
  await record('read-only', `read_only=1, killed ${killed} client connection(s)`);
  console.log(`${at}: fenced: read_only=1, killed ${killed} client connection(s)`);
} catch (error) {
  if (error instanceof SqlError && isDown(error)) {
    const reason = error.message.split('\n')[0];
    await record('down', reason);
    console.log(`${at}: fenced: server is down (${reason})`);
  } else {
    await record('failed', error.message);
    console.error(`${at}: fence failed: ${error.message}`);
    process.exit(1);
  }
}
