/**
 * `npm run bench:crash`: kill -9 under load. A real `vigil run` child process with a rule
 * that opens an incident per host (500 hosts) and notifies a webhook channel; a load
 * generator posting NDJSON batches over keep-alive connections; vigil killed with SIGKILL
 * at seeded random moments and restarted on the same data folder each time; a real HTTP
 * receiver that counts the keys it gets (answering after `--receiver-delay` ms).
 * Afterwards it compares what was accepted (2xx) with what the engine holds: events (a
 * counting rule per host), incidents (one per host that was reported down) and
 * notifications (keys at the receiver, each at least once; copies counted, and whether
 * they were marked `X-Vigil-Redelivery`).
 * Options: `--kills N` (10), `--receiver-delay MS` (0), `--rate EVENTS_PER_S` (10000),
 * `--seed S` (1). Last line JSON:
 * `{"kills":10,"accepted":N,"lost_events":0,"lost_incidents":0,"duplicate_notifications":N,...}`.
 */
import { createServer, Agent, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { prng } from '../test/support/prng.js';
import { eventually, getJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../test/support/vigil-process.js';

const HOSTS = 500;
const BATCH = 200;
const CONCURRENCY = 8;
/** Batches after which host h goes down (h * DOWN_EVERY), and up again (even hosts) RESOLVE_AFTER later. */
const DOWN_EVERY = 2;
const RESOLVE_AFTER = 300;

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '10' },
    'receiver-delay': { type: 'string', default: '0' },
    rate: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
  },
});
const KILLS = Number(values.kills);
const RECEIVER_DELAY_MS = Number(values['receiver-delay']);
const RATE = Number(values.rate);
const rnd = prng(Number(values.seed));

/** The receiver: every copy of every key, and whether the copy was marked as a redelivery. */
interface Copy {
  readonly key: string;
  readonly kind: string;
  readonly incident: string;
  readonly redelivery: boolean;
}

async function startReceiver(delayMs: number) {
  const copies: Copy[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (): void => {
        // Counted when answered: a request cut off before the answer was not taken.
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notifications: { key: string; kind: string; incident: { id: string } }[] };
        const redelivery = req.headers['x-vigil-redelivery'] === 'true';
        for (const n of body.notifications) copies.push({ key: n.key, kind: n.kind, incident: n.incident.id, redelivery });
        res.end('ok');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    copies,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const RULES = (hook: string): string =>
  [
    `channel hook webhook { url "${hook}" }`,
    'rule host_down {',
    '  when latest health by host is status == "down"',
    '  severity critical',
    '  notify hook',
    '}',
    // Counts every event per host, so the engine can be asked what it took in.
    'rule seen { when count of health over 30d by host > 1000000000 }',
    '',
  ].join('\n');

/** What the load generator got acknowledged. */
const accepted = { events: 0, down: new Set<string>(), up: new Set<string>(), batches: 0, failed: 0 };
let batchNo = 0;

function nextBatch(): { body: string; hosts: { host: string; status: string }[] } {
  const b = batchNo++;
  const lines: string[] = [];
  const hosts: { host: string; status: string }[] = [];
  for (let i = 0; i < BATCH; i++) {
    const h = (b * BATCH + i) % HOSTS;
    const host = `h${h}`;
    const down = b >= h * DOWN_EVERY;
    const up = down && h % 2 === 0 && b >= h * DOWN_EVERY + RESOLVE_AFTER;
    const status = up ? 'up' : down ? 'down' : 'up';
    hosts.push({ host, status });
    lines.push(`{"stream":"health","host":"${host}","status":"${status}","seq":${b * BATCH + i}}`);
  }
  return { body: lines.join('\n'), hosts };
}

function post(url: URL, agent: Agent, body: string): Promise<{ status: number; json: { accepted?: number } | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: { accepted?: number } | undefined;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { accepted?: number };
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts batches at about RATE events/s until `stopped()`; counts what was acknowledged. */
async function load(vigil: VigilProcess, stopped: () => boolean): Promise<void> {
  const url = new URL('/v1/events', vigil.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const started = Date.now();
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (!stopped()) {
      // Pace to the rate: a worker ahead of schedule waits for its slot.
      const due = started + (sent * BATCH * 1000) / RATE;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      if (stopped()) break;
      sent++;
      const { body, hosts } = nextBatch();
      try {
        const res = await post(url, agent, body);
        if (res.status >= 200 && res.status < 300 && res.json?.accepted === BATCH) {
          accepted.events += BATCH;
          accepted.batches++;
          for (const { host, status } of hosts) (status === 'down' ? accepted.down : accepted.up).add(host);
        } else accepted.failed++;
      } catch {
        accepted.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
}

const receiver = await startReceiver(RECEIVER_DELAY_MS);
const dir = await mkdtemp(path.join(tmpdir(), 'vigil-crash-'));
const config = await writeVigilFiles(dir, ['rules: ./rules', 'data: ./data', 'http:', '  listen: 127.0.0.1:0', 'notifications:', '  backoff: 200ms', ''].join('\n'), { 'crash.vigil': RULES(receiver.url) });
const began = Date.now();
let loadMs = 0;
for (let k = 0; k < KILLS; k++) {
  const vigil = await startVigilProcess(dir, config);
  let killed = false;
  const loading = load(vigil, () => killed);
  // A seeded random moment 1-6 s into the load.
  const runMs = 1000 + Math.floor(rnd() * 5000);
  const t = Date.now();
  await new Promise((r) => setTimeout(r, runMs));
  await vigil.kill();
  killed = true;
  await loading;
  loadMs += Date.now() - t;
  process.stdout.write(`kill ${k + 1}/${KILLS} after ${runMs} ms: ${accepted.events} events accepted so far, ${receiver.copies.length} notifications received\n`);
}

// The last start: no load; everything decided must get out, once.
const vigil = await startVigilProcess(dir, config);
const incidents = await eventually(async () => {
  const r = await getJson(`${vigil.url}/v1/incidents?limit=1000`);
  const list = r.json.incidents as { id: string; state: string; labels: { host: string } }[];
  const got = new Set(receiver.copies.map((c) => `${c.incident}/${c.kind}`));
  const done = list.every((i) => got.has(`${i.id}/firing`) && (i.state !== 'resolved' || got.has(`${i.id}/resolved`)));
  return done ? list : undefined;
}, 'every incident notified', 180_000);
const seen = await getJson(`${vigil.url}/v1/rules/seen?limit=1000`);
const engineEvents = (seen.json.groups as { value: number | null }[]).reduce((sum, g) => sum + (typeof g.value === 'number' ? g.value : 0), 0);
await vigil.stop();
await receiver.stop();
await rm(dir, { recursive: true, force: true });

const incidentHosts = new Set(incidents.map((i) => i.labels.host));
const lostIncidents = [...accepted.down].filter((h) => !incidentHosts.has(h)).length;
const byKey = new Map<string, Copy[]>();
for (const c of receiver.copies) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
let duplicates = 0;
let unmarked = 0;
for (const list of byKey.values()) {
  duplicates += list.length - 1;
  unmarked += list.slice(1).filter((c) => !c.redelivery).length;
}
const seconds = (Date.now() - began) / 1000;
const figures = {
  kills: KILLS,
  accepted: accepted.events,
  lost_events: Math.max(0, accepted.events - engineEvents),
  lost_incidents: lostIncidents,
  duplicate_notifications: duplicates,
  unmarked_duplicates: unmarked,
  receiver_delay_ms: RECEIVER_DELAY_MS,
  engine_events: engineEvents,
  incidents: incidents.length,
  notification_keys: byKey.size,
  events_per_s: Math.round(accepted.events / (loadMs / 1000)),
  hosts: HOSTS,
  seconds: Math.round(seconds),
};
process.stdout.write(
  `crash: ${KILLS} kills in ${seconds.toFixed(0)} s at ${figures.events_per_s} events/s accepted over ${HOSTS} hosts (receiver delay ${RECEIVER_DELAY_MS} ms): ` +
    `${figures.accepted} events accepted, engine holds ${engineEvents}; ${incidents.length} incidents for ${accepted.down.size} hosts reported down; ` +
    `${byKey.size} notification keys, ${duplicates} copies again (${unmarked} not marked as redelivery)\n`,
);
process.stdout.write(JSON.stringify(figures) + '\n');
