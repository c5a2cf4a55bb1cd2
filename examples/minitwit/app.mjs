// A stand-in for the MiniTwit web app: it serves its public timeline, and it crashes on one
// bad request (GET /crash), the way a real app dies on an unhandled exception.
//   node app.mjs --port 5000 [--crash-after-ms N]
// With --crash-after-ms it also dies N ms after every start (a restart loop).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5000' }, host: { type: 'string', default: '127.0.0.1' }, 'crash-after-ms': { type: 'string' } } });

const server = createServer((req, res) => {
  if (req.url === '/crash') {
    // The one bad request: an exception nobody catches takes the whole process down.
    throw new Error('unhandled: bad request');
  }
  if (req.url === '/public') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('MiniTwit public timeline\n');
    return;
  }
  res.writeHead(404);
  res.end();
});
server.listen(Number(values.port), values.host, () => process.stdout.write(`minitwit listening on ${values.host}:${values.port}\n`));
if (values['crash-after-ms'] !== undefined) setTimeout(() => process.exit(1), Number(values['crash-after-ms']));
