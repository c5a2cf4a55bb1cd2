import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { ensurePackages, packageFor } from '../../support/debian-packages.js';
import { freePort } from '../../support/ports.js';
import { startRsyslog } from '../../support/rsyslog.js';
import { eventually, startVigilProcess, writeVigilFiles, type VigilProcess } from '../../support/vigil-process.js';

const LOGGER = '/usr/bin/logger';
const OPENSSL = '/usr/bin/openssl';

/** Runs a program with arguments (no shell) and resolves with its output, rejecting on a non-zero exit. */
function run(program: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${program} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The alert changes vigil printed, as objects. */
function changes(vigil: VigilProcess): { rule: string; state: string; labels: Record<string, string> }[] {
  return vigil
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{"time"'))
    .map((l) => JSON.parse(l));
}

function fired(vigil: VigilProcess, rule: string, state = 'firing'): boolean {
  return changes(vigil).some((c) => c.rule === rule && c.state === state);
}

/** One sample of `/metrics`, or undefined when it is not there. */
async function metric(vigil: VigilProcess, name: string, listener: string): Promise<number | undefined> {
  const text = await (await fetch(`${vigil.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{listener="${listener}"}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Opens a TCP connection to 127.0.0.1:`port`. */
async function open(port: number): Promise<Socket> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

const RULES = [
  // Through rsyslog over TCP (RFC 5424, octet-counted), with structured data as labels.
  'rule disk_full {',
  '  when logs where app == "vigiltest" and level == "error" and labels.origin.ip == "10.0.0.1" and message contains "disk full" by host',
  '  severity critical',
  '}',
  // Through rsyslog over UDP (RFC 3164).
  'rule udp_warning { when logs where app == "vtudp" and facility == "local4" and level == "warning" and message == "queue is long" }',
  // util-linux logger straight to vigil, both TCP framings.
  'rule direct_lf { when logs where app == "direct" and msgid == "m42" and message == "straight in" }',
  'rule direct_octets { when logs where app == "direct" and msgid == "m43" and procid == "777" }',
  // On the connection a malformed frame came on.
  'rule after_garbage { when logs where app == "raw" and message == "still open" }',
  // Through rsyslog once it came back.
  'rule after_restart { when logs where app == "vigiltest" and message == "after restart" }',
  'rule over_tls { when logs where app == "tls" and message == "sealed" }',
  '',
].join('\n');

test('rsyslog forwarding over TCP and UDP, and logger straight in: rules fire; malformed frames are counted and dropped alone; an rsyslog restart loses nothing', { timeout: 300_000 }, async () => {
  await ensurePackages([packageFor(LOGGER)]);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-syslog-'));
  const [tcp, udp] = [await freePort(), await freePort()];
  const [tcpListener, udpListener] = [`tcp://127.0.0.1:${tcp}`, `udp://127.0.0.1:${udp}`];
  const config = await writeVigilFiles(dir, `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nsyslog:\n  listen: ["${udpListener}", "${tcpListener}"]\n`, { 'syslog.vigil': RULES });
  const vigil = await startVigilProcess(dir, config);
  const rsyslog = await startRsyslog(dir, [
    { program: 'vigiltest', protocol: 'tcp', port: tcp, template: 'RSYSLOG_SyslogProtocol23Format', framing: 'octet-counted' },
    { program: 'vtudp', protocol: 'udp', port: udp, template: 'RSYSLOG_TraditionalForwardFormat' },
  ]);
  try {
    const input = ['--tcp', '--server', '127.0.0.1', '--port', String(rsyslog.inputPort)];
    await run(LOGGER, [...input, '-t', 'vigiltest', '-p', 'local3.err', '--sd-id', 'origin', '--sd-param', 'ip="10.0.0.1"', 'disk full on /var']);
    await run(LOGGER, [...input, '-t', 'vtudp', '-p', 'local4.warning', 'queue is long']);
    await run(LOGGER, ['--rfc5424', '--tcp', '--server', '127.0.0.1', '--port', String(tcp), '-t', 'direct', '--msgid', 'm42', 'straight in']);
    await run(LOGGER, ['--rfc5424', '--tcp', '--octet-count', '--server', '127.0.0.1', '--port', String(tcp), '-t', 'direct', '--msgid', 'm43', '--id=777', 'counted']);
    for (const rule of ['disk_full', 'udp_warning', 'direct_lf', 'direct_octets']) await eventually(() => fired(vigil, rule), `${rule} firing`);
    const disk = changes(vigil).find((c) => c.rule === 'disk_full' && c.state === 'firing')!;
    assert.equal(typeof disk.labels.host, 'string');
    assert.notEqual(disk.labels.host, '');

    // Malformed frames between good ones: each is counted and dropped, the connection stays open.
    const malformedBefore = (await metric(vigil, 'vigil_syslog_frames_malformed_total', tcpListener)) ?? 0;
    const raw = await open(tcp);
    raw.write('no pri here\n<14>1 2026-13-01T00:00:00Z h raw - - - bad month\n');
    await eventually(async () => ((await metric(vigil, 'vigil_syslog_frames_malformed_total', tcpListener)) ?? 0) >= malformedBefore + 2, 'two malformed frames counted');
    raw.write('<14>1 - h raw - - - still open\n');
    await eventually(() => fired(vigil, 'after_garbage'), 'the frame after the malformed ones');
    assert.equal(raw.destroyed, false);
    raw.end();
    assert.ok((await metric(vigil, 'vigil_syslog_frames_received_total', tcpListener))! >= 5);
    assert.ok((await metric(vigil, 'vigil_syslog_frames_received_total', udpListener))! >= 1);
    assert.equal(await metric(vigil, 'vigil_syslog_listener_up', tcpListener), 1);

    // rsyslog goes away: its connection closes; it comes back, reconnects, and forwards again.
    await eventually(async () => (await metric(vigil, 'vigil_syslog_connections', tcpListener)) === 1, 'only rsyslog connected');
    await rsyslog.stop();
    await eventually(async () => (await metric(vigil, 'vigil_syslog_connections', tcpListener)) === 0, 'rsyslog disconnected');
    await rsyslog.start();
    await run(LOGGER, [...input, '-t', 'vigiltest', '-p', 'user.info', 'after restart']);
    await eventually(() => fired(vigil, 'after_restart'), 'a message through the restarted rsyslog');
    await eventually(async () => (await metric(vigil, 'vigil_syslog_connections', tcpListener)) === 1, 'rsyslog connected again');
    assert.equal(fired(vigil, 'vigil_syslog_listener_down'), false);
  } finally {
    await rsyslog.stop();
    await vigil.stop();
  }
});

test('a listener that cannot bind raises vigil_syslog_listener_down until it serves; TLS carries octet-counted frames', { timeout: 300_000 }, async () => {
  await ensurePackages([packageFor(OPENSSL)]);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-syslog-tls-'));
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  await run(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1']);
  const [taken, tlsPort] = [await freePort(), await freePort()];
  // Something else holds the port when vigil starts.
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
  const takenListener = `tcp://127.0.0.1:${taken}`;
  const config = await writeVigilFiles(
    dir,
    `rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\nsyslog:\n  listen: ["${takenListener}", "tls://127.0.0.1:${tlsPort}"]\n  tls: {cert: ${cert}, key: ${key}}\n`,
    { 'syslog.vigil': RULES },
  );
  const vigil = await startVigilProcess(dir, config);
  try {
    await eventually(() => fired(vigil, 'vigil_syslog_listener_down'), 'vigil_syslog_listener_down firing');
    assert.equal(await metric(vigil, 'vigil_syslog_listener_up', takenListener), 0);
    assert.ok((await metric(vigil, 'vigil_syslog_listener_failures_total', takenListener))! >= 1);
    assert.match(vigil.stderr(), new RegExp(`syslog ${takenListener}: cannot serve \\(EADDRINUSE\\)`));

    // TLS: an octet-counted RFC 5424 frame from a TLS client that trusts the certificate.
    const ca = await readFile(cert);
    const socket = connectTls({ host: '127.0.0.1', port: tlsPort, ca, servername: undefined, checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const frame = '<13>1 - h1 tls - - - sealed';
    socket.write(`${Buffer.byteLength(frame)} ${frame}`);
    await eventually(() => fired(vigil, 'over_tls'), 'over_tls firing');
    socket.end();

    // The port comes free: the retry binds it, the self-alert resolves, and it serves.
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await eventually(() => fired(vigil, 'vigil_syslog_listener_down', 'resolved'), 'vigil_syslog_listener_down resolved');
    assert.equal(await metric(vigil, 'vigil_syslog_listener_up', takenListener), 1);
    await run(LOGGER, ['--rfc5424', '--tcp', '--server', '127.0.0.1', '--port', String(taken), '-t', 'direct', '--msgid', 'm42', 'straight in']);
    await eventually(() => fired(vigil, 'direct_lf'), 'direct_lf firing on the freed port');
  } finally {
    blocker.close();
    await vigil.stop();
  }
});
