/**
 * The server the checks benchmark probes, run in a process of its own so its work does not
 * count against the scheduler's CPU: answers every GET with 200 `ok` over keep-alive
 * connections, and tells its parent the port it listens on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let requests = 0;
let connections = 0;
const server = createServer((req, res) => {
  requests++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
});
server.keepAliveTimeout = 30_000;
server.on('connection', () => connections++);
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'stop') process.send?.({ requests, connections }, () => server.close(() => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
