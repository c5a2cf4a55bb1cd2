// Restarts the MiniTwit stand-in: stops the process named in the pid file (if any), starts
// a new one detached, records its pid, and counts restarts in <pid-file>.count.
//   node restart.mjs --port 5000 --pid-file /tmp/minitwit.pid [--crash-after-ms N]
// This is what a playbook's `step exec` runs; adapt it to `systemctl restart ...` or
// `docker restart ...` for a real deployment.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5000' }, 'pid-file': { type: 'string', default: 'minitwit.pid' }, 'crash-after-ms': { type: 'string' } } });
const pidFile = values['pid-file'];

try {
  const old = Number(readFileSync(pidFile, 'utf8'));
  if (old > 0) process.kill(old, 'SIGKILL');
} catch {
  // No pid file, or the old process is already gone: nothing to stop.
}

const args = [fileURLToPath(new URL('./app.mjs', import.meta.url)), '--port', values.port];
if (values['crash-after-ms'] !== undefined) args.push('--crash-after-ms', values['crash-after-ms']);
const log = openSync(`${pidFile}.log`, 'a');
const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
child.unref();
writeFileSync(pidFile, String(child.pid));
let count = 0;
try {
  count = Number(readFileSync(`${pidFile}.count`, 'utf8')) || 0;
} catch {
  // First restart.
}
writeFileSync(`${pidFile}.count`, String(count + 1));
process.stdout.write(`started minitwit (pid ${child.pid}) on port ${values.port}\n`);
