import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { ErrorCode, VigilError } from '../../../engine/model/errors.js';
import { createEventValidator } from '../../../ingest/event-validator.js';
import type { Event } from '../../../engine/model/event.js';
import { decodeChunk, packChunk } from '../../../sinks/kafka/kafka-chunk.js';
import { createKafkaSource, type KafkaSource, type KafkaSourceOptions, type KafkaSourceStats } from '../../../sinks/kafka/kafka-source.js';
import { createTopic, ensureKcat, kcat, kcatRead, startKafka, type KafkaServer } from '../../support/kafka.js';

const SOURCE_MODULE = new URL('../../../sinks/kafka/kafka-source.js', import.meta.url).href;
/** Short enough that a killed member's partitions move on quickly, above the test broker's floor. */
const SESSION_TIMEOUT_MS = 1500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

test('kafka source: bad options are configuration errors', () => {
  const base: KafkaSourceOptions = {
    brokers: ['127.0.0.1:9092'],
    clientId: 'vigil',
    groupId: 'vigil',
    topics: [{ topic: 'events', stream: 'metrics', format: 'json' }],
    deadLetterTopic: 'dead',
    submit: async () => 'ok',
    log: () => {},
  };
  const bad: Partial<KafkaSourceOptions>[] = [
    { brokers: [] },
    { brokers: ['broker-without-port'] },
    { topics: [] },
    { topics: [base.topics[0]!, base.topics[0]!] },
    { deadLetterTopic: 'events' },
    { topics: [{ topic: 'events', stream: '', format: 'json' }] },
    { lagIntervalMs: 0 },
  ];
  for (const overrides of bad) {
    assert.throws(
      () => createKafkaSource({ ...base, ...overrides }),
      (error: unknown) => error instanceof VigilError && error.code === ErrorCode.Config,
      JSON.stringify(overrides),
    );
  }
});

test('kafka source: how one message becomes an event, or the reason it cannot', () => {
  const validate = createEventValidator();
  const json = { topic: 't', stream: 'metrics', format: 'json' } as const;
  const logfmt = { topic: 'l', stream: 'logs', format: 'logfmt' } as const;
  const at = '1767225600000';
  type Value = string | Buffer | null;
  // Through the same pack (consumer thread) and decode (engine thread) as real chunks.
  const decodeAll = (mapping: typeof json | typeof logfmt, values: Value[], timestamp = at) => {
    const messages = values.map((value) => ({ value: typeof value === 'string' ? Buffer.from(value) : value, timestamp }));
    return decodeChunk(packChunk(1, mapping.topic, 0, messages), mapping, validate);
  };
  const decode = (mapping: typeof json | typeof logfmt, value: Value, timestamp = at) => {
    const { events, rejected } = decodeAll(mapping, [value], timestamp);
    return events.length === 1 ? { ok: true as const, event: events[0]! } : { ok: false as const, error: rejected[0]!.reason };
  };

  assert.deepEqual(decode(json, '{"stream":"other","name":"cpu","value":1}'), {
    ok: true,
    event: { stream: 'metrics', name: 'cpu', value: 1, time: 1767225600000 },
  });
  assert.deepEqual(decode(json, '{"name":"cpu","time":"2026-01-01T00:00:01Z"}'), {
    ok: true,
    event: { name: 'cpu', time: 1767225601000, stream: 'metrics' },
  });
  assert.deepEqual(decode(logfmt, 'level=warning msg="slow disk" took_ms=812 stream=other'), {
    ok: true,
    event: { level: 'warning', msg: 'slow disk', took_ms: 812, stream: 'logs', time: 1767225600000 },
  });
  // A timestamp Kafka does not know (-1) falls back to the time of reading.
  const before = Date.now();
  const read = decode(json, '{"name":"cpu"}', '-1');
  assert.ok(read.ok && read.event.time >= before && read.event.time <= Date.now());

  const reason = (check: ReturnType<typeof decode>) => (check.ok ? 'accepted' : check.error);
  assert.equal(reason(decode(json, null)), 'message has no value');
  assert.equal(reason(decode(json, Buffer.from([0x7b, 0xff, 0x7d]))), 'value is not UTF-8');
  assert.match(reason(decode(json, 'not json{')), /^not JSON: /);
  assert.equal(reason(decode(json, '"text"')), 'not a JSON object');
  assert.equal(reason(decode(json, 'null')), 'not a JSON object');
  assert.match(reason(decode(json, '{"a":{"b":1}}')), /field "a" must be a string, number, boolean or null/);
  assert.equal(reason(decode(logfmt, 'msg="open')), 'not logfmt: unterminated quoted value at position 4');

  // A JSON event keeps its text, with the stream and time vigil set appended: parsing it
  // gives the same event, field order included (what the journal relies on).
  const kept = decodeAll(json, [
    '{"stream":"other","name":"cpu","value":1}',
    '{"name":"cpu","time":"2026-01-01T00:00:01Z","time":"2026-01-01T00:00:02Z"}',
    '{"time":1767225600005,"n":1}',
    ' { } ',
    '{"n":2,"msg":"größe ✓ \\u2028"}',
  ]);
  assert.equal(kept.events.length, 5);
  kept.events.forEach((event, i) => {
    const text = kept.json[i];
    assert.ok(text !== undefined, `json of event ${i}`);
    assert.equal(JSON.stringify(JSON.parse(text)), JSON.stringify(event));
  });
  assert.equal(kept.events[1]!.time, Date.parse('2026-01-01T00:00:02Z'));
  assert.deepEqual(decodeAll(logfmt, ['a=1']).json, [undefined]);
  assert.deepEqual(decodeAll(json, ['{"a":\n1}']).json, [undefined]);

  // A chunk mixing ASCII, other UTF-8, no value, broken UTF-8 and empty values keeps each
  // message apart: a truncated sequence at the end of one value never joins the next one.
  const mixed = decodeAll(json, [
    '{"n":1}',
    '{"n":2,"msg":"größe ✓"}',
    null,
    Buffer.from([0x7b, 0x7d, 0xe2, 0x9c]),
    Buffer.from([0x93, 0x7b, 0x7d]),
    '',
    '{"n":3,\n"multi":"line"}',
  ]);
  assert.deepEqual(
    mixed.events.map((e) => [e.n, e.msg ?? e.multi]),
    [
      [1, undefined],
      [2, 'größe ✓'],
      [3, 'line'],
    ],
  );
  assert.deepEqual(
    mixed.rejected.map((r) => [r.index, r.reason.replace(/^(not JSON):.*/, '$1')]),
    [
      [2, 'message has no value'],
      [3, 'value is not UTF-8'],
      [4, 'value is not UTF-8'],
      [5, 'not JSON'],
    ],
  );
});

describe('kafka source against a real broker', () => {
  let kafka: KafkaServer;
  let client: Kafka;
  let producer: Producer;
  let admin: Admin;
  let counter = 0;
  const unique = (base: string) => `${base}-${++counter}`;

  before(async () => {
    [kafka] = await Promise.all([startKafka(), ensureKcat()]);
    client = new Kafka({ clientId: 'vigil-test', brokers: [kafka.brokers], logLevel: logLevel.NOTHING });
    producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    admin = client.admin();
    await Promise.all([producer.connect(), admin.connect()]);
  });
  after(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await kafka?.stop();
  });

  interface Harness {
    readonly source: KafkaSource;
    /** Every batch `submit` accepted, in order. */
    readonly accepted: Event[][];
    readonly logs: string[];
    readonly stats: KafkaSourceStats[];
    events(): Event[];
  }

  /** Starts a source (stopped when the test ends) whose submit records what it accepts. */
  async function startSource(
    t: TestContext,
    options: Partial<KafkaSourceOptions> & Pick<KafkaSourceOptions, 'topics' | 'groupId' | 'deadLetterTopic'>,
    answer: (events: Event[]) => Promise<'ok' | 'busy'> = async () => 'ok',
  ): Promise<Harness> {
    const accepted: Event[][] = [];
    const logs: string[] = [];
    const stats: KafkaSourceStats[] = [];
    const source = createKafkaSource({
      brokers: [kafka.brokers],
      clientId: 'vigil-test',
      log: (line) => logs.push(line),
      onStats: (s) => stats.push(s),
      lagIntervalMs: 200,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      ...options,
      submit: async (events) => {
        const result = await answer(events);
        if (result === 'ok') accepted.push(events);
        return result;
      },
    });
    t.after(() => source.stop());
    await source.start();
    return { source, accepted, logs, stats, events: () => accepted.flat() };
  }

  async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  test('JSON from kafkajs and logfmt from kcat become events of the topic stream, in order', async (t) => {
    const metrics = unique('metrics');
    const logsTopic = unique('app-logs');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, metrics, 2), createTopic(kafka.brokers, logsTopic, 1), createTopic(kafka.brokers, dead, 1)]);
    const groupId = unique('group');
    const h = await startSource(t, {
      groupId,
      deadLetterTopic: dead,
      topics: [
        { topic: metrics, stream: 'metrics', format: 'json' },
        { topic: logsTopic, stream: 'logs', format: 'logfmt' },
      ],
    });

    const producedAt = '1767225600000'; // 2026-01-01T00:00:00Z
    await producer.send({
      topic: metrics,
      messages: [
        // No time: the message timestamp. Its own stream is replaced by the topic's.
        { partition: 0, key: 'web1', timestamp: producedAt, value: JSON.stringify({ stream: 'other', name: 'cpu', value: 0.5, host: 'web1', seq: 1 }) },
        { partition: 0, key: 'web1', value: JSON.stringify({ name: 'cpu', value: 0.7, host: 'web1', seq: 2, time: '2026-01-01T00:01:00Z' }) },
        { partition: 1, key: 'web2', value: JSON.stringify({ name: 'mem', value: 12, host: 'web2', seq: 1, time: 1767225720000, labels: { env: 'prod' } }) },
        { partition: 0, key: 'web1', value: JSON.stringify({ name: 'cpu', value: 0.9, host: 'web1', seq: 3, time: 1767225780000 }) },
      ],
    });
    const beforeKcat = Date.now();
    await kcat(
      ['-P', '-b', kafka.brokers, '-t', logsTopic, '-p', '0', '-K', '|'],
      'web1|level=error msg="disk almost full" host=web1 seq=1\nweb1|level=info msg=ok host=web1 seq=2 time=2026-01-01T00:05:00Z\n',
    );
    const afterKcat = Date.now();

    await waitFor('6 events', () => h.events().length >= 6);
    const events = h.events();
    assert.equal(events.length, 6);
    const strip = ({ time: _time, ...rest }: Event) => rest;
    const metricEvents = events.filter((e) => e.stream === 'metrics');
    const fromP0 = metricEvents.filter((e) => e.host === 'web1');
    assert.deepEqual(fromP0, [
      { stream: 'metrics', name: 'cpu', value: 0.5, host: 'web1', seq: 1, time: Number(producedAt) },
      { stream: 'metrics', name: 'cpu', value: 0.7, host: 'web1', seq: 2, time: Date.parse('2026-01-01T00:01:00Z') },
      { stream: 'metrics', name: 'cpu', value: 0.9, host: 'web1', seq: 3, time: 1767225780000 },
    ]);
    assert.deepEqual(
      metricEvents.filter((e) => e.host === 'web2'),
      [{ stream: 'metrics', name: 'mem', value: 12, host: 'web2', seq: 1, time: 1767225720000, labels: { env: 'prod' } }],
    );
    const logEvents = events.filter((e) => e.stream === 'logs');
    assert.deepEqual(logEvents.map(strip), [
      { stream: 'logs', level: 'error', msg: 'disk almost full', host: 'web1', seq: 1 },
      { stream: 'logs', level: 'info', msg: 'ok', host: 'web1', seq: 2 },
    ]);
    // kcat stamps the time it produced; that is the event time, not when vigil read it.
    assert.ok(logEvents[0]!.time >= beforeKcat - 1000 && logEvents[0]!.time <= afterKcat, `time ${logEvents[0]!.time}`);
    assert.equal(logEvents[1]!.time, Date.parse('2026-01-01T00:05:00Z'));

    await waitFor('all offsets committed and lag 0', async () => {
      const c = await committed(groupId, metrics);
      const last = h.stats.at(-1);
      return c.get(0) === 3 && c.get(1) === 1 && last !== undefined && [...last.lag.values()].every((v) => v === 0) && last.lag.size === 3;
    });
    assert.deepEqual(h.source.stats().consumed, 6);
    assert.equal(h.source.stats().deadLettered, 0);
  });

  test('poison messages go to the dead-letter topic with the reason, and the partition keeps flowing', async (t) => {
    const topic = unique('orders');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, topic, 1), createTopic(kafka.brokers, dead, 1)]);
    const h = await startSource(t, { groupId: unique('group'), deadLetterTopic: dead, topics: [{ topic, stream: 'orders', format: 'json' }] });

    const poison = [
      { key: 'k2', value: 'not json{', headers: { trace: 'abc' }, reason: /^not JSON: / },
      { key: 'k4', value: '{"seq":3,"nested":{"a":1}}', reason: /field "nested" must be a string, number, boolean or null/ },
      { key: 'k5', value: '[1,2]', reason: /^not a JSON object$/ },
      { key: 'k6', value: '{"seq":4,"time":"yesterday"}', reason: /field "time" is not an ISO-8601 time/ },
    ];
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: '{"seq":1}' },
        { key: poison[0]!.key, value: poison[0]!.value, headers: poison[0]!.headers },
        { key: 'k3', value: '{"seq":2}' },
        { key: poison[1]!.key, value: poison[1]!.value },
        { key: poison[2]!.key, value: poison[2]!.value },
        { key: poison[3]!.key, value: poison[3]!.value },
        { key: 'k7', value: '{"seq":5}' },
      ],
    });
    await waitFor('the valid events', () => h.events().length >= 3);
    // Later messages on the same partition still flow.
    await producer.send({ topic, messages: [{ key: 'k8', value: '{"seq":6}' }] });
    await waitFor('the later event', () => h.events().length >= 4);
    assert.deepEqual(
      h.events().map((e) => e.seq),
      [1, 2, 5, 6],
    );
    assert.ok(h.events().every((e) => e.stream === 'orders'));

    const letters = await kcatRead(kafka.brokers, dead);
    assert.equal(letters.length, 4);
    const offsets = ['1', '3', '4', '5'];
    letters.forEach((letter, i) => {
      const expected = poison[i]!;
      assert.equal(letter.key, expected.key);
      assert.equal(letter.payload, expected.value);
      assert.match(letter.headers.get('vigil-error') ?? '', expected.reason);
      assert.equal(letter.headers.get('vigil-topic'), topic);
      assert.equal(letter.headers.get('vigil-partition'), '0');
      assert.equal(letter.headers.get('vigil-offset'), offsets[i]);
      if (expected.headers) assert.equal(letter.headers.get('trace'), 'abc');
    });
    await waitFor('the counters', () => h.source.stats().consumed === 8);
    assert.equal(h.source.stats().deadLettered, 4);
    assert.ok(h.logs.some((l) => l.includes(dead) && l.includes('offset 1')), h.logs.join('\n'));
  });

  test('a busy submit pauses the partition; later every event arrives exactly once, in order per partition', async (t) => {
    const topic = unique('busy');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, topic, 3), createTopic(kafka.brokers, dead, 1)]);
    let calls = 0;
    let busyUntil = Date.now() + 60_000;
    const h = await startSource(
      t,
      { groupId: unique('group'), deadLetterTopic: dead, topics: [{ topic, stream: 'jobs', format: 'json' }], busyBackoffMs: 20, maxEventsPerSubmit: 7 },
      async () => {
        calls++;
        // Busy at first; afterwards every third call is busy too.
        return Date.now() < busyUntil || calls % 3 === 0 ? 'busy' : 'ok';
      },
    );
    const perPartition = 20;
    for (let p = 0; p < 3; p++) {
      await producer.send({
        topic,
        messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: JSON.stringify({ p, seq: i + 1 }) })),
      });
    }
    await waitFor('submit to be refused a few times', () => calls >= 4);
    assert.equal(h.accepted.length, 0);
    await waitFor('the lag to show the waiting messages', () => {
      const last = h.stats.at(-1);
      return last !== undefined && [...last.lag.values()].reduce((a, b) => a + b, 0) === 3 * perPartition;
    });
    busyUntil = 0;

    await waitFor('all events', () => h.events().length >= 3 * perPartition);
    await sleep(300);
    const events = h.events();
    assert.equal(events.length, 3 * perPartition, 'no event twice');
    for (let p = 0; p < 3; p++) {
      assert.deepEqual(
        events.filter((e) => e.p === p).map((e) => e.seq),
        Array.from({ length: perPartition }, (_, i) => i + 1),
      );
    }
    assert.ok(h.accepted.every((batch) => batch.length <= 7));
    assert.ok(calls > h.accepted.length, 'busy answers were retried');
    await waitFor('lag back to 0', () => {
      const last = h.stats.at(-1);
      return last !== undefined && [...last.lag.values()].every((v) => v === 0);
    });
  });

  test('offsets are committed only after submit resolves', async (t) => {
    const topic = unique('commit');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, topic, 1), createTopic(kafka.brokers, dead, 1)]);
    const groupId = unique('group');
    let release: (answer: 'ok') => void = () => {};
    let submitted = 0;
    await startSource(t, { groupId, deadLetterTopic: dead, topics: [{ topic, stream: 's', format: 'json' }] }, (events) => {
      submitted += events.length;
      return new Promise((resolve) => {
        release = resolve;
      });
    });
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: JSON.stringify({ seq: i + 1 }) })) });
    await waitFor('submit to be called', () => submitted === 5);
    await sleep(500);
    assert.equal((await committed(groupId, topic)).get(0), -1, 'nothing is committed while submit is pending');
    release('ok');
    await waitFor('the commit', async () => (await committed(groupId, topic)).get(0) === 5);
  });

  test('a consumer killed before submit resolves: the next member of the group gets the messages again', async (t) => {
    const topic = unique('crash');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, topic, 1), createTopic(kafka.brokers, dead, 1)]);
    const groupId = unique('group');
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: JSON.stringify({ seq: i + 1 }) })) });

    // A separate process whose submit never answers, killed with SIGKILL mid-submit.
    const childCode = `
      const { createKafkaSource } = await import(process.env.SOURCE_MODULE);
      const source = createKafkaSource({
        brokers: [process.env.BROKERS], clientId: 'vigil-child', groupId: process.env.GROUP,
        topics: [{ topic: process.env.TOPIC, stream: 's', format: 'json' }], deadLetterTopic: process.env.DEAD,
        sessionTimeoutMs: ${SESSION_TIMEOUT_MS}, log: () => {},
        submit: (events) => { process.stdout.write(JSON.stringify(events.map((e) => e.seq)) + '\\n'); return new Promise(() => {}); },
      });
      await source.start();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', childCode], {
      env: { ...process.env, SOURCE_MODULE, BROKERS: kafka.brokers, GROUP: groupId, TOPIC: topic, DEAD: dead },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    await waitFor('the child to submit', () => out.includes('\n'));
    assert.deepEqual(JSON.parse(out.split('\n')[0]!), [1, 2, 3, 4, 5]);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    assert.equal((await committed(groupId, topic)).get(0), -1);

    const h = await startSource(t, { groupId, deadLetterTopic: dead, topics: [{ topic, stream: 's', format: 'json' }] });
    await waitFor('the messages again', () => h.events().length >= 5);
    assert.deepEqual(
      h.events().map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    await waitFor('the commit', async () => (await committed(groupId, topic)).get(0) === 5);
  });

  test('a broker restart mid-stream loses nothing', async (t) => {
    const topic = unique('restart');
    const dead = unique('dead');
    await Promise.all([createTopic(kafka.brokers, topic, 2), createTopic(kafka.brokers, dead, 1)]);
    const groupId = unique('group');
    let firstCall: (() => void) | undefined;
    const firstSubmit = new Promise<void>((resolve) => {
      firstCall = resolve;
    });
    const h = await startSource(
      t,
      { groupId, deadLetterTopic: dead, topics: [{ topic, stream: 's', format: 'json' }], maxEventsPerSubmit: 10 },
      async () => {
        firstCall?.();
        // Slow enough that the broker goes away while events are in flight.
        await sleep(100);
        return 'ok';
      },
    );
    const send = (from: number, count: number) =>
      producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % 7}`, value: JSON.stringify({ seq: from + i }) })) });

    await send(1, 100);
    await firstSubmit;
    await kafka.restart();
    await send(101, 100);

    const seen = () => new Set(h.events().map((e) => e.seq as number));
    await waitFor('every message after the restart', () => seen().size === 200, 30_000);
    assert.deepEqual(
      [...seen()].sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    // Per key (so per partition) the first arrivals keep the produced order.
    for (let k = 0; k < 7; k++) {
      const firsts: number[] = [];
      for (const e of h.events()) if ((e.seq as number) % 7 === k && !firsts.includes(e.seq as number)) firsts.push(e.seq as number);
      assert.deepEqual(firsts, [...firsts].sort((a, b) => a - b));
    }
    await waitFor('the commits to catch up', async () => {
      const c = await committed(groupId, topic);
      return (c.get(0) ?? 0) + (c.get(1) ?? 0) === 200;
    }, 20_000);
  });
});
