/**
 * The pieces of the MariaDB failover example against real servers: the TCP front, and the
 * fence, promote, switch and write-check scripts run by hand in the order the example
 * playbook runs them.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runVigil, tempFiles } from '../support/cli.js';
import {
  EXAMPLE_ADDRESSES,
  failoverRules,
  freePort,
  run,
  runFailoverScript,
  startMariaDb,
  startMariaDbPair,
  startTcpSwitch,
  type MariaDbPair,
  type MariaDbServer,
  type TcpSwitch,
} from '../support/mariadb.js';

/** A backend that greets each connection with its name, then echoes. */
async function namedServer(name: string): Promise<{ address: string; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A client of the front that collects what it receives and notes when it is closed. */
async function connect(address: string): Promise<{ socket: net.Socket; received(): string; closed: Promise<void> }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = net.connect({ host, port });
  let data = '';
  socket.setEncoding('utf8').on('data', (d: string) => (data += d));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => data, closed };
}

async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hostPort = (address: string): string[] => ['--host', '127.0.0.1', '--port', address.slice(address.lastIndexOf(':') + 1)];

describe('tcp-switch', () => {
  let a: Awaited<ReturnType<typeof namedServer>>;
  let b: Awaited<ReturnType<typeof namedServer>>;
  let front: TcpSwitch;

  before(async () => {
    a = await namedServer('A');
    b = await namedServer('B');
    front = await startTcpSwitch(a.address);
  });
  after(async () => {
    await front?.stop();
    await a?.close();
    await b?.close();
  });

  test('pipes each connection to the backend, both ways', async () => {
    assert.equal(await front.backend(), a.address);
    const client = await connect(front.address);
    try {
      await eventually('the greeting', () => client.received() === 'A\n');
      client.socket.write('ping\n');
      await eventually('the echo', () => client.received() === 'A\nping\n');
    } finally {
      client.socket.destroy();
    }
  });

  test('a switch sends new connections to the new backend and closes those to the old one', async () => {
    await front.switchTo(a.address);
    const old = await connect(front.address);
    await eventually('the old backend to see the connection', () => a.sockets.size === 1);
    const started = Date.now();
    await front.switchTo(b.address);
    await old.closed;
    assert.ok(Date.now() - started < 1_000, 'the old connection is closed at the switch');
    await eventually('the old backend to see its side closed', () => a.sockets.size === 0);
    assert.equal(await front.backend(), b.address);
    const fresh = await connect(front.address);
    try {
      await eventually('the new greeting', () => fresh.received() === 'B\n');
      // Switching to the backend already in use closes nothing.
      await front.switchTo(b.address);
      fresh.socket.write('still here\n');
      await eventually('the echo after a no-op switch', () => fresh.received() === 'B\nstill here\n');
    } finally {
      fresh.socket.destroy();
    }
  });

  test('a malformed backend is refused with 400 and changes nothing', async () => {
    await front.switchTo(a.address);
    const api = `http://${front.api}/backend`;
    for (const body of ['', 'nohost', '127.0.0.1:99999', '127.0.0.1:80; rm -rf /']) {
      const res = await fetch(api, { method: 'PUT', body });
      assert.equal(res.status, 400, body);
    }
    assert.equal((await fetch(api, { method: 'POST', body: b.address })).status, 405);
    assert.equal((await fetch(`http://${front.api}/other`)).status, 404);
    assert.equal(await front.backend(), a.address);
  });

  test('a client is closed at once when the backend refuses', async () => {
    await front.switchTo(`127.0.0.1:${await freePort()}`);
    try {
      const client = await connect(front.address);
      await client.closed;
      assert.equal(client.received(), '');
    } finally {
      await front.switchTo(a.address);
    }
  });

  test('switch.mjs moves the front and exits 0; it exits 1 when the API is not there or refuses', async () => {
    const ok = await runFailoverScript('switch', ['--api', front.api, '--backend', b.address]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await front.backend(), b.address);
    const refused = await runFailoverScript('switch', ['--api', front.api, '--backend', 'not-an-address']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /400/);
    const nobody = await runFailoverScript('switch', ['--api', `127.0.0.1:${await freePort()}`, '--backend', a.address]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /ECONNREFUSED/);
    assert.equal(await front.backend(), b.address);
  });
});

describe('MariaDB failover by hand', () => {
  let pair: MariaDbPair;
  let front: TcpSwitch;
  let primary: MariaDbServer;
  let replica: MariaDbServer;
  let startupMs = 0;

  before(async () => {
    const started = Date.now();
    pair = await startMariaDbPair();
    ({ primary, replica } = pair);
    front = await startTcpSwitch(primary.address);
    startupMs = Date.now() - started;
  });
  after(async () => {
    await front?.stop();
    await pair?.stop();
  });

  const writeCheck = (address: string, timeoutMs = 1_500) =>
    runFailoverScript('write-check', [...hostPort(address), '--timeout-ms', String(timeoutMs)]);
  const count = async (server: MariaDbServer): Promise<number> =>
    Number((await server.query('SELECT COUNT(*) AS n FROM vigil_probe.writes'))[0]!.n);

  test('writes through the front reach the primary and are replicated', async (t) => {
    t.diagnostic(`primary and replica replicating, front ready in ${startupMs} ms`);
    for (let i = 0; i < 3; i++) {
      const r = await writeCheck(front.address);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /write ok/);
    }
    assert.equal(await count(primary), 3);
    await eventually('the rows on the replica', async () => (await count(replica)) === 3);
  });

  test('the replica refuses writes from the probe user, at once', async () => {
    const r = await writeCheck(replica.address);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /1290|read-only/);
    assert.ok(r.ms < 2_000, `took ${r.ms} ms`);
  });

  test('the example rules, rewritten for these servers, pass vigil check', async () => {
    const text = await failoverRules({
      primary: primary.address,
      replica: replica.address,
      front: front.address,
      api: front.api,
      fenceFile: primary.fenceFile,
    });
    const ports = Object.values(EXAMPLE_ADDRESSES).map((a) => `"${a.slice(a.lastIndexOf(':') + 1)}"`);
    for (const conventional of [...Object.values(EXAMPLE_ADDRESSES).map((a) => `"${a}"`), ...ports, '"node"', '"examples/']) {
      assert.ok(!text.includes(conventional), `still mentions ${conventional}`);
    }
    assert.ok(text.includes(JSON.stringify(primary.fenceFile)));
    assert.ok(text.includes(`"--port", "${front.port}"`));
    const dir = await tempFiles({ 'failover.vigil': text });
    try {
      const r = await runVigil(['check', dir]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('after the primary is killed: writes fail fast; fence, promote and switch bring them back', async (t) => {
    const before = await count(primary);
    await pair.caughtUp();

    const killedAt = performance.now();
    await primary.kill();

    const failing = await writeCheck(front.address);
    assert.equal(failing.code, 1, 'a write to a dead primary fails');
    assert.ok(failing.ms < 2_000, `write-check took ${failing.ms} ms`);

    const fence = await runFailoverScript('fence', [...hostPort(primary.address), '--fence-file', primary.fenceFile]);
    assert.equal(fence.code, 0, fence.stderr);
    const promote = await runFailoverScript('promote', hostPort(replica.address));
    assert.equal(promote.code, 0, promote.stderr);
    const moved = await runFailoverScript('switch', ['--api', front.api, '--backend', replica.address]);
    assert.equal(moved.code, 0, moved.stderr);

    let attempts = 0;
    await eventually(
      'a write through the front',
      async () => {
        attempts++;
        return (await writeCheck(front.address)).code === 0;
      },
      20_000,
    );
    const recoveredMs = performance.now() - killedAt;
    const line =
      `kill to first write through the front: ${Math.round(recoveredMs)} ms ` +
      `(first write-check ${Math.round(failing.ms)} ms, fence ${Math.round(fence.ms)} ms, promote ${Math.round(promote.ms)} ms, ` +
      `switch ${Math.round(moved.ms)} ms, write-checks until success ${attempts})`;
    t.diagnostic(line);
    assert.ok(recoveredMs < 30_000);

    // Nothing the replica had received was lost, and the new primary takes new writes.
    assert.equal(await count(replica), before + 1);
    assert.equal((await replica.query('SELECT @@global.read_only AS ro'))[0]!.ro, '0');
    assert.deepEqual(await replica.query('SHOW SLAVE STATUS'), []);
    const record = JSON.parse(await readFile(primary.fenceFile, 'utf8'));
    assert.equal(record.state, 'down');
    assert.equal(record.server, primary.address);
  });

  test('promoting the new primary again changes nothing and succeeds', async () => {
    const again = await runFailoverScript('promote', hostPort(replica.address));
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await writeCheck(front.address)).code, 0);
  });

  test('the fenced old primary does not come back as a writer', async () => {
    await assert.rejects(primary.start(), /fenced/);
    assert.equal(primary.running, false);
    await primary.start({ readOnly: true });
    try {
      const r = await writeCheck(primary.address);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /1290|read-only/);
    } finally {
      await primary.stop();
    }
  });
});

describe('fence, promote and write-check against one server', () => {
  let server: MariaDbServer;

  before(async () => {
    server = await startMariaDb({ name: 'single' });
  });
  after(async () => {
    await server?.dispose();
  });

  test('write-check and fence give up at their timeout on a hung server', async () => {
    const fenceFile = path.join(server.dataDir, '..', 'hung.fenced');
    server.freeze();
    try {
      const check = await runFailoverScript('write-check', [...hostPort(server.address), '--timeout-ms', '1000']);
      assert.equal(check.code, 1);
      assert.match(check.stderr, /no answer within 1000 ms|Lost connection/);
      // The message says it gave up at its own limit (how long that took depends on the machine's load).
      const fence = await runFailoverScript('fence', [...hostPort(server.address), '--fence-file', fenceFile, '--timeout-ms', '1000']);
      assert.equal(fence.code, 0, fence.stderr);
      assert.equal(JSON.parse(await readFile(fenceFile, 'utf8')).state, 'down');
    } finally {
      server.thaw();
    }
  });

  test('fence makes a live primary read-only and kills its client connections', async () => {
    const write = await runFailoverScript('write-check', hostPort(server.address));
    assert.equal(write.code, 0, write.stderr);
    // A client in the middle of a long statement, as an application would be.
    const busy = run('mariadb', ['--no-defaults', '--protocol=tcp', ...['-h', '127.0.0.1', '-P', String(server.port)], '-u', 'vigil_probe', '-e', 'SELECT SLEEP(30)']);
    await eventually('the busy client to show up', async () => {
      const rows = await server.query("SELECT id FROM information_schema.processlist WHERE user = 'vigil_probe'");
      return rows.length === 1;
    });

    const fence = await runFailoverScript('fence', [...hostPort(server.address), '--fence-file', server.fenceFile]);
    assert.equal(fence.code, 0, fence.stderr);
    assert.match(fence.stdout, /read_only=1, killed [1-9]\d* client connection/);
    const killed = await busy;
    assert.notEqual(killed.code, 0);
    assert.ok(killed.ms < 10_000, 'the busy client was cut off, not left to finish');

    assert.equal((await server.query('SELECT @@global.read_only AS ro'))[0]!.ro, '1');
    const refused = await runFailoverScript('write-check', hostPort(server.address));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /1290|read-only/);
    const record = JSON.parse(await readFile(server.fenceFile, 'utf8'));
    assert.equal(record.state, 'read-only');
    assert.equal(record.server, server.address);
  });

  test('promote exits 1 with the reason when the server is not there', async () => {
    const r = await runFailoverScript('promote', ['--host', '127.0.0.1', '--port', String(await freePort())]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /promotion failed: .*(2002|2003|Can't connect)/);
  });

  test('the scripts reject missing arguments with a usage line and exit 2', async () => {
    for (const name of ['promote', 'fence', 'switch', 'write-check'] as const) {
      const r = await runFailoverScript(name, []);
      assert.equal(r.code, 2, name);
      assert.match(r.stderr, /usage:/, name);
    }
  });
});
