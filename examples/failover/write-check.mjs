#!/usr/bin/env node
/**
 * Health check for an `exec` check: can a client write to the database right now?
 * Inserts one row into vigil_probe.writes (the database, the table and the probe user
 * are created at setup, not here) and exits 0 iff the insert committed within the timeout.
 *
 * Usage:
 *   node write-check.mjs --host 127.0.0.1 --port 3310 [--timeout-ms 1500] [--user vigil_probe]
 *
 * It connects as an ordinary application user on purpose: root holds the READ ONLY ADMIN
 * privilege and would write to a read-only server, so a check as root could not tell a
 * fenced or not yet promoted server from a primary. A read-only server answers at once
 * (error 1290); a dead one fails at the connection; a hung one is cut off at --timeout-ms.
 * A password, if the probe user has one, comes from MYSQL_PWD or the client's option files.
 */

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    user: { type: 'string', default: 'vigil_probe' },
    'timeout-ms': { type: 'string', default: '1500' },
  },
});
const port = Number(values.port);
const timeoutMs = Number(values['timeout-ms']);
if (!values.host || !Number.isInteger(port) || !(timeoutMs > 0)) {
  console.error('usage: write-check.mjs --host HOST --port PORT [--timeout-ms MS] [--user USER]');
  process.exit(2);
}

const at = `${values.host}:${port}`;
const started = Date.now();
const child = spawn(
  'mariadb',
  [
    '--protocol=tcp', '-h', values.host, '-P', String(port), '-u', values.user,
    `--connect-timeout=${Math.max(1, Math.ceil(timeoutMs / 1000))}`, '--batch',
    '-e', 'INSERT INTO vigil_probe.writes VALUES (NOW(6))',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let stderr = '';
child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
// The client's own timeouts cover connecting only; a server that accepted the connection
// and then hangs would hold it for minutes.
const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
child.on('error', (error) => {
  clearTimeout(timer);
  console.error(`${at}: cannot run mariadb: ${error.message}`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  clearTimeout(timer);
  const ms = Date.now() - started;
  if (code === 0) {
    console.log(`${at}: write ok in ${ms} ms`);
    return;
  }
  const why = signal ? `no answer within ${timeoutMs} ms` : (stderr.trim().split('\n').pop() || `mariadb exited with ${code}`);
  console.error(`${at}: write failed after ${ms} ms: ${why}`);
  process.exitCode = 1;
});
