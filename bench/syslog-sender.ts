/**
 * The load of `bench:syslog`, run as its own process so it does not share the receiver's
 * event loop: connects to 127.0.0.1:PORT and writes COUNT LF-framed RFC 5424 messages
 * (about 150 bytes: 500 hosts, 80 apps, one in five an error) as fast as the connection
 * takes them, then closes. Usage: `node syslog-sender.js PORT COUNT`.
 */
import { connect } from 'node:net';

const [port, count] = [Number(process.argv[2]), Number(process.argv[3])];
const POOL = 10_000;
const levels = [14, 14, 14, 12, 11]; // user.info ×3, user.warning, user.err
const stamp = new Date().toISOString();
const lines: string[] = [];
for (let j = 0; j < POOL; j++) {
  lines.push(`<${levels[j % levels.length]}>1 ${stamp} host${j % 500} svc${j % 80} ${1000 + (j % 97)} req [meta path="/api/msgs" code="200"] GET /api/msgs 200 in ${(j * 7919) % 1000} ms\n`);
}
const pool = Buffer.from(lines.join(''));

const socket = connect({ host: '127.0.0.1', port });
socket.on('error', (e) => {
  process.stderr.write(`sender: ${e.message}\n`);
  process.exit(1);
});
socket.once('connect', async () => {
  for (let sent = 0; sent < count; sent += POOL) {
    const chunk = count - sent >= POOL ? pool : Buffer.from(lines.slice(0, count - sent).join(''));
    if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
  }
  socket.end();
});
