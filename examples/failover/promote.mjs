#!/usr/bin/env node
/**
 * Promotes a MariaDB replica to primary:
 *
 *   1. stops the replication I/O thread, so nothing more arrives from the old primary;
 *   2. waits until the SQL thread has applied everything already received (transactions
 *      the old primary acknowledged and shipped must not be lost by the promotion);
 *   3. STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=0.
 *
 * Usage:
 *   node promote.mjs --host 127.0.0.1 --port 3308 [--user root] [--catch-up-ms 10000] [--force]
 *
 * Runs the `mariadb` command-line client (argv, no shell); a password comes from the
 * client's usual places (MYSQL_PWD, option files), never from this command line.
 * Promoting a server that is already a primary changes nothing and succeeds, so a
 * playbook may run it again. Exits 0 when the server accepts writes, 1 otherwise; the
 * reason goes to stderr. `--force` promotes even when the relay log cannot be applied
 * in time or the SQL thread has stopped on an error (losing what it did not apply).
 */

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    user: { type: 'string', default: 'root' },
    'catch-up-ms': { type: 'string', default: '10000' },
    'timeout-ms': { type: 'string', default: '5000' },
    force: { type: 'boolean', default: false },
  },
});
const host = values.host;
const port = Number(values.port);
const catchUpMs = Number(values['catch-up-ms']);
const timeoutMs = Number(values['timeout-ms']);
if (!host || !Number.isInteger(port) || !(catchUpMs >= 0) || !(timeoutMs > 0)) {
  console.error('usage: promote.mjs --host HOST --port PORT [--user USER] [--catch-up-ms MS] [--timeout-ms MS] [--force]');
  process.exit(2);
}

/** Runs SQL through the `mariadb` client in batch mode; resolves with its output, rejects with its error. */
function sql(statements, limitMs = timeoutMs) {
  const args = [
    '--protocol=tcp', '-h', host, '-P', String(port), '-u', values.user,
    `--connect-timeout=${Math.max(1, Math.ceil(limitMs / 1000))}`, '--batch', '-e', statements,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mariadb', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run mariadb: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(signal ? `no answer within ${limitMs} ms` : stderr.trim() || `mariadb exited with ${code}`));
    });
  });
}

/** The rows of batch output (header line first) as objects keyed by column name. */
function rows(output) {
  const lines = output.split('\n').filter((l) => l !== '');
  if (lines.length < 2) return [];
  const names = lines[0].split('\t');
  return lines.slice(1).map((line) => Object.fromEntries(line.split('\t').map((v, i) => [names[i], v])));
}

function quote(text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const at = `${host}:${port}`;
try {
  const [status] = rows(await sql('STOP SLAVE IO_THREAD; SHOW SLAVE STATUS'));
  if (status === undefined) {
    console.error(`${at}: no replication configured; making sure it accepts writes`);
  } else if (status.Slave_SQL_Running !== 'Yes') {
    const why = status.Last_SQL_Error || 'stopped';
    if (!values.force) throw new Error(`replication SQL thread is not running (${why}); promote with --force to accept losing what it did not apply`);
    console.error(`${at}: SQL thread not running (${why}); promoting anyway (--force)`);
  } else {
    // Everything the I/O thread received is in the relay log up to this position of the
    // old primary's binlog; MASTER_POS_WAIT returns once the SQL thread has applied it.
    const wait = `SELECT MASTER_POS_WAIT(${quote(status.Master_Log_File)}, ${Number(status.Read_Master_Log_Pos)}, ${catchUpMs / 1000}) AS applied`;
    const [result] = rows(await sql(wait, catchUpMs + timeoutMs));
    const applied = result?.applied;
    if (applied === '-1' || applied === 'NULL' || applied === undefined) {
      const why = applied === '-1' ? `relay log not applied within ${catchUpMs} ms` : 'SQL thread stopped while applying the relay log';
      if (!values.force) throw new Error(`${why}; promote with --force to accept losing what it did not apply`);
      console.error(`${at}: ${why}; promoting anyway (--force)`);
    }
  }
  const [after] = rows(await sql('STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0; SELECT @@global.read_only AS read_only'));
  if (after?.read_only !== '0') throw new Error('read_only is still set');
  console.log(`${at}: promoted, accepts writes`);
} catch (error) {
  console.error(`${at}: promotion failed: ${error.message}`);
  process.exit(1);
}
