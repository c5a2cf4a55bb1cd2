/**
 * The contract every sink passes: it delivers a batch, reports a failure a retry can fix as
 * a retryable `SinkError` with a fixed reason and a permanent one as not retryable, honours
 * abort promptly even when the server stalls, and never shows a secret in an error.
 * `sinkContract` registers these tests for one sink; each sink's test file calls it.
 */

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { inspect } from 'node:util';
import { SinkError, type Notification, type Sink, type SinkFailureReason } from '../../engine/model/notification.js';

/** A sink wired to a fresh server, and the levers the contract pulls on that server. */
export interface ContractFixture {
  /** A working sink, configured with `secrets`. */
  readonly sink: Sink;
  /** Everything the sink was configured with that must stay private. */
  readonly secrets: readonly string[];
  /** The idempotency keys the server has received so far, in order. */
  receivedKeys(): readonly string[];
  /** Makes the next delivery fail in a way a retry can fix; returns the reason expected. */
  failTemporarily?(): SinkFailureReason;
  /** Makes the next delivery fail for good; returns the reason expected. */
  failPermanently?(): SinkFailureReason;
  /** Makes the server take the next delivery and never answer. */
  stall?(): void;
  /** A sink like `sink`, with the same secrets, whose server is not listening. */
  unreachable?(): Promise<Sink>;
  stop(): Promise<void>;
}

/** Every reason a `SinkError` may carry. */
export const SINK_FAILURE_REASONS: readonly SinkFailureReason[] = [
  'timeout',
  'connection',
  'http_client_error',
  'http_server_error',
  'smtp_rejected',
  'smtp_temporary',
  'aborted',
  'config',
];

const HOUR_MS = 3_600_000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A firing notification of `minitwit_down` for host web1; `overrides` replace fields. */
export function sampleNotification(
  overrides: Partial<Omit<Notification, 'incident'>> & { incident?: Partial<Notification['incident']> } = {},
): Notification {
  const { incident, ...rest } = overrides;
  return {
    key: 'inc-1:firing:0',
    channel: 'ops',
    kind: 'firing',
    time: T0 + 30_000,
    step: 0,
    ...rest,
    incident: {
      id: 'inc-1',
      rule: 'minitwit_down',
      state: 'firing',
      severity: 'critical',
      labels: { host: 'web1' },
      value: 0,
      summary: 'MiniTwit is down on web1',
      openedAt: T0,
      resolvedAt: null,
      url: 'https://vigil.example.org/incidents/inc-1',
      ...incident,
    },
  };
}

/** Two notifications of one rule, as a `batch` window gathers them. */
export function sampleBatch(): Notification[] {
  return [
    sampleNotification(),
    sampleNotification({
      key: 'inc-2:resolved:0',
      kind: 'resolved',
      time: T0 + HOUR_MS,
      incident: {
        id: 'inc-2',
        state: 'resolved',
        labels: { host: 'web2' },
        value: 1,
        summary: 'MiniTwit is down on web2',
        resolvedAt: T0 + HOUR_MS,
        url: 'https://vigil.example.org/incidents/inc-2',
      },
    }),
  ];
}

/** Asserts that `error` is a SinkError showing none of `secrets`, and returns it. */
export function assertSinkError(error: unknown, secrets: readonly string[]): SinkError {
  assert.ok(error instanceof SinkError, `expected a SinkError, got ${inspect(error)}`);
  assert.ok(SINK_FAILURE_REASONS.includes(error.reason), `unknown reason ${error.reason}`);
  const shown = [error.message, String(error), error.stack ?? '', inspect(error, { depth: 8 })];
  for (const secret of secrets) {
    for (const text of shown) assert.ok(!text.includes(secret), `error shows a secret: ${text}`);
  }
  return error;
}

/** Runs `send` and returns the SinkError it must reject with. */
export async function sendFailure(
  sink: Sink,
  secrets: readonly string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<SinkError> {
  try {
    await sink.send(sampleBatch(), signal);
  } catch (error) {
    return assertSinkError(error, secrets);
  }
  assert.fail('send succeeded but should have failed');
}

/** Registers the contract tests for the sink `setup` builds, titled with `label`. */
export function sinkContract(label: string, setup: () => Promise<ContractFixture>): void {
  const withFixture = (body: (f: ContractFixture, t: TestContext) => Promise<void>) => async (t: TestContext) => {
    const fixture = await setup();
    try {
      await body(fixture, t);
    } finally {
      await fixture.stop();
    }
  };
  const never = () => new AbortController().signal;

  test(`${label} contract: delivers a batch`, withFixture(async (f) => {
    await f.sink.send(sampleBatch(), never());
    assert.deepEqual(f.receivedKeys(), ['inc-1:firing:0', 'inc-2:resolved:0']);
  }));

  test(`${label} contract: an empty batch sends nothing`, withFixture(async (f) => {
    await f.sink.send([], never());
    assert.deepEqual(f.receivedKeys(), []);
  }));

  test(`${label} contract: a failure a retry can fix is retryable, and the retry delivers`, withFixture(async (f, t) => {
    if (!f.failTemporarily) return t.skip('this sink has no temporary failure');
    const expected = f.failTemporarily();
    const error = await sendFailure(f.sink, f.secrets, never());
    assert.equal(error.reason, expected);
    assert.equal(error.retryable, true);
    await f.sink.send(sampleBatch(), never());
    assert.ok(f.receivedKeys().includes('inc-1:firing:0'));
  }));

  test(`${label} contract: a permanent failure is not retryable`, withFixture(async (f, t) => {
    if (!f.failPermanently) return t.skip('this sink has no permanent failure');
    const expected = f.failPermanently();
    const error = await sendFailure(f.sink, f.secrets, never());
    assert.equal(error.reason, expected);
    assert.equal(error.retryable, false);
  }));

  test(`${label} contract: an unreachable server is a retryable connection failure`, withFixture(async (f, t) => {
    if (!f.unreachable) return t.skip('this sink has no server');
    const error = await sendFailure(await f.unreachable(), f.secrets, never());
    assert.equal(error.reason, 'connection');
    assert.equal(error.retryable, true);
  }));

  test(`${label} contract: an already aborted signal rejects with aborted`, withFixture(async (f) => {
    const controller = new AbortController();
    controller.abort();
    const error = await sendFailure(f.sink, f.secrets, controller.signal);
    assert.equal(error.reason, 'aborted');
    assert.deepEqual(f.receivedKeys(), []);
  }));

  test(`${label} contract: aborting a stalled delivery rejects with aborted within a second`, withFixture(async (f, t) => {
    if (!f.stall) return t.skip('this sink cannot stall');
    f.stall();
    const controller = new AbortController();
    const sending = sendFailure(f.sink, f.secrets, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const abortedAt = performance.now();
    controller.abort();
    const error = await sending;
    assert.equal(error.reason, 'aborted');
    assert.ok(performance.now() - abortedAt < 1000, 'abort took longer than a second');
  }));

  test(`${label} contract: leaves nothing hooked on the caller's long-lived signal`, withFixture(async (f) => {
    const signal = never();
    await f.sink.send(sampleBatch(), signal);
    if (f.failTemporarily) {
      f.failTemporarily();
      await sendFailure(f.sink, f.secrets, signal);
    }
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  }));

  test(`${label} contract: no failure shows a secret`, withFixture(async (f, t) => {
    if (f.secrets.length === 0) return t.skip('this sink has no secrets');
    const errors: SinkError[] = [];
    if (f.failTemporarily) {
      f.failTemporarily();
      errors.push(await sendFailure(f.sink, f.secrets, never()));
    }
    if (f.failPermanently) {
      f.failPermanently();
      errors.push(await sendFailure(f.sink, f.secrets, never()));
    }
    if (f.unreachable) errors.push(await sendFailure(await f.unreachable(), f.secrets, never()));
    const controller = new AbortController();
    controller.abort();
    errors.push(await sendFailure(f.sink, f.secrets, controller.signal));
    // sendFailure checked each one; make sure every failure mode was exercised.
    assert.ok(errors.length >= 2);
  }));
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
