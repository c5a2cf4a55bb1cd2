import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Core, type Input, type InputBody } from '../../../engine/core.js';
import type { TimelineEntry } from '../../../engine/model/incident.js';
import { checkRuleSet } from '../../../rules/check.js';
import { compileRuleSet } from '../../../rules/compile.js';
import { parseRuleFile } from '../../../rules/parse.js';
import { StepDriver } from '../../../runtime/step-driver.js';
import { createStepExecutor, type StepExecutorOptions } from '../../../sinks/executors/executors.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { eventually } from '../../support/vigil-process.js';

/**
 * `{label}` values that would leave a folder (`..` segments), pass as an option (a leading
 * `-`) or redirect a request are refused before any executor runs: for each kind, a real
 * executor against a real target, the refusal on the incident's timeline, and nothing
 * written or requested; the same step with a harmless value does run.
 */

const RULE = `
rule item_down {
  when latest health where check == "item" by host, item is status == "down"
  run act
}
`;

/** A core with the real step driver and executors; `down(host, item)` fires the rule for that group. */
function harness(playbook: string, executors: StepExecutorOptions) {
  const { ast, diagnostics } = parseRuleFile('t.vigil', RULE + playbook);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  const set = compileRuleSet(files);
  let steps: StepDriver | undefined;
  const core: Core = new Core({
    start: 0,
    rules: { rules: set.rules, policies: set.policies, playbooks: set.playbookSpecs, ruleRuns: set.ruleRuns },
    externalChannels: [],
    incidentUrl: (id) => `http://vigil.test/${id}`,
    maxGroupsPerRule: 100,
  });
  core.start();
  const clock = { advance: (time: number): void => void core.advance(time), now: () => core.now };
  // Steps the core reports ready go to the real step driver, as the service does it.
  const submit = (input: InputBody): void => {
    const effects = core.apply({ ...input, at: clock.now() } as Input);
    if (effects.steps.length > 0) queueMicrotask(() => steps?.kick());
  };
  steps = new StepDriver({ runs: core.queries, executor: createStepExecutor(executors), submit });
  let t = 0;
  return {
    core,
    steps,
    /** Fires the rule for (host, item) and waits until its run is over; its run and timeline. */
    async down(host: string, item: string) {
      clock.advance((t += 1000));
      submit({ t: 'events', events: [{ stream: 'health', time: t, check: 'item', host, item, status: 'down' }] });
      const run = await eventually(() => {
        const r = core.runner.list().find((x) => x.labels.item === item && x.labels.host === host);
        return r !== undefined && r.state !== 'running' && r.state !== 'awaiting_approval' && r;
      }, `the run for ${item}`);
      const incident = core.book.list({ rule: 'item_down' }).find((i) => i.labels.item === item && i.labels.host === host)!;
      return { run, timeline: core.book.entriesOf(incident) };
    },
  };
}

/** The refusal as the timeline shows it: the failed step and the failed run, with the reason. */
function assertRefused(timeline: readonly TimelineEntry[], label: string, why: RegExp): void {
  const step = timeline.find((e) => e.kind === 'action_step');
  assert.ok(step, 'the step is on the timeline');
  assert.equal(step.detail.state, 'failed');
  assert.match(String(step.detail.error), new RegExp(`^refused: label \\{${label}\\} `));
  assert.match(String(step.detail.error), why);
  const failed = timeline.find((e) => e.kind === 'action_failed');
  assert.ok(failed, 'the run failed');
  assert.match(String(failed.detail.reason), /refused/);
}

/** None of the files the hostile values name was written. */
function assertNothingEscaped(inside: string): void {
  for (const item of ['../../../tmp/x', 'a/../../b', '-rf']) assert.equal(existsSync(resolve(inside, item)), false, item);
}

const HOSTILE: readonly [string, RegExp][] = [
  ['../../../tmp/x', /"\.\." path segment/],
  ['..', /"\.\." path segment/],
  ['a/../../b', /"\.\." path segment/],
  ['-rf', /starts with "-"/],
];

describe('refused label values', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-labels-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('exec: a ".." segment or a leading "-" is refused and nothing is written outside the folder', async () => {
    const inside = join(dir, 'exec', 'in');
    await mkdir(inside, { recursive: true });
    const h = harness(`playbook act { step exec ["touch", "${inside}/{item}"] }`, {});
    for (const [item, why] of HOSTILE) {
      const { run, timeline } = await h.down('h1', item);
      assert.equal(run.state, 'failed');
      assertRefused(timeline, 'item', why);
    }
    assertNothingEscaped(inside);
    // A harmless value runs: the step itself works.
    const ok = await h.down('h1', 'fine.txt');
    assert.equal(ok.run.state, 'succeeded', JSON.stringify(ok.run));
    assert.equal(existsSync(join(inside, 'fine.txt')), true);
    await h.steps.close();
  });

  test('http: a value cannot leave its path segment nor change the host; no request is made', async () => {
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const h = harness(`playbook act { step http POST "http://127.0.0.1:${port}/restart/{item}" timeout 5s }`, {});
      for (const [item, why] of HOSTILE) {
        const { timeline } = await h.down('h1', item);
        assertRefused(timeline, 'item', why);
      }
      assert.deepEqual(seen, []);
      // `@`, `:` and `/` are encoded: the request still goes to this server, to one segment.
      const ok = await h.down('h1', 'svc@evil.example:80/admin');
      assert.equal(ok.run.state, 'succeeded', JSON.stringify(ok.run));
      assert.deepEqual(seen, ['/restart/svc%40evil.example%3A80%2Fadmin']);

      // In the authority a value may not carry userinfo or a path.
      const host = harness(`playbook act { step http POST "http://{host}:${port}/x" timeout 5s }`, {});
      const moved = await host.down('evil.example@127.0.0.1', 'a');
      assertRefused(moved.timeline, 'host', /would change the URL's host/);
      const fine = await host.down('127.0.0.1', 'b');
      assert.equal(fine.run.state, 'succeeded', JSON.stringify(fine.run));
      assert.deepEqual(seen.slice(1), ['/x']);
      await h.steps.close();
      await host.steps.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('docker: a ".." or "-" container name is refused before the engine hears of it', async () => {
    const socketPath = join(dir, 'docker.sock');
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(socketPath, () => resolve()));
    try {
      const h = harness('playbook act { step docker restart "{item}" }', { docker: { socketPath } });
      for (const [item, why] of HOSTILE) {
        const { timeline } = await h.down('h1', item);
        assertRefused(timeline, 'item', why);
      }
      assert.deepEqual(seen, []);
      const ok = await h.down('h1', 'minitwit');
      assert.equal(ok.run.state, 'succeeded', JSON.stringify(ok.run));
      assert.deepEqual(seen, ['POST /v1.41/containers/minitwit/restart?t=10']);
      await h.steps.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  describe('ssh against a real sshd', () => {
    let sshd: Sshd;
    before(async () => {
      sshd = await startSshd();
    });
    after(async () => {
      await sshd?.stop();
    });

    test('ssh: a "-" target and a ".." argument are refused; nothing runs remotely', async () => {
      const inside = join(dir, 'ssh', 'in');
      await mkdir(inside, { recursive: true });
      const h = harness(`playbook act { step ssh "{host}" ["touch", "${inside}/{item}"] timeout 20s }`, { ssh: { extraArgs: sshd.sshExtraArgs } });
      const target = `${sshd.user}@${sshd.host}`;
      for (const [item, why] of HOSTILE) {
        const { timeline } = await h.down(target, item);
        assertRefused(timeline, 'item', why);
      }
      const option = await h.down('-oProxyCommand', 'a');
      assertRefused(option.timeline, 'host', /starts with "-"/);
      assertNothingEscaped(inside);
      const ok = await h.down(target, 'fine.txt');
      assert.equal(ok.run.state, 'succeeded', JSON.stringify(ok.run));
      assert.equal(existsSync(join(inside, 'fine.txt')), true);
      await h.steps.close();
    });
  });
});
