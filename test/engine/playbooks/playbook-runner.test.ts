import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Core, type Input, type InputBody } from '../../../engine/core.js';
import { checkRuleSet } from '../../../rules/check.js';
import { compileRuleSet } from '../../../rules/compile.js';
import { parseRuleFile } from '../../../rules/parse.js';

const BASE = `
channel chat webhook { url "http://127.0.0.1:1/chat" }
rule web_down {
  when latest health where check == "web" by host is status == "down"
  run restart_web
  notify chat
}
maintenance quiet_host { match host == "muted" from "1970-01-01T00:00:00Z" to "2100-01-01T00:00:00Z" }
`;

function harness(playbook: string, options: { dryRun?: boolean; paused?: boolean } = {}) {
  const { ast, diagnostics } = parseRuleFile('t.vigil', BASE + playbook);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  const set = compileRuleSet(files);
  const core = new Core({
    start: 0,
    rules: { rules: set.rules, policies: set.policies, playbooks: set.playbookSpecs, ruleRuns: set.ruleRuns },
    externalChannels: [],
    incidentUrl: (id) => `http://vigil.test/${id}`,
    maxGroupsPerRule: 100,
    dryRun: options.dryRun,
    paused: options.paused,
  });
  core.start();
  const clock = { advance: (time: number): void => void core.advance(time), now: () => core.now };
  const apply = (time: number, input: InputBody) => {
    clock.advance(time);
    return core.apply({ ...input, at: time } as Input).result;
  };
  const health = (time: number, host: string, status: string, check = 'web') =>
    apply(time, { t: 'events', events: [{ stream: 'health', time, check, host, status }] });
  /** Runs the current step of every dispatchable run with the given outcome. */
  const execute = (time: number, ok: boolean) => {
    const ready = core.runner.dispatchable();
    for (const { run, step } of ready) {
      if ('refused' in step) {
        apply(time, { t: 'step_refused', run: run.id, step: run.step, reason: step.refused });
        continue;
      }
      apply(time, { t: 'step_started', run: run.id, step: run.step, what: JSON.stringify(step) });
      apply(time, { t: 'step_result', run: run.id, step: run.step, outcome: { ok, code: ok ? 0 : 1, output: ok ? 'done' : 'boom' } });
    }
    return ready;
  };
  const story = (id = 'inc-1') => core.book.entriesOf(core.book.get(id)!).map((e) => `${e.time} ${e.kind}${e.detail.state ? ` ${String(e.detail.state)}` : ''}`);
  const queued = () => core.notifier.outbox.due(Infinity).map((i) => i.key);
  return { core, clock, apply, health, execute, story, queued };
}

const RESTART = `
playbook restart_web {
  limit 2 per 1h
  step exec ["systemctl", "restart", "web@{host}"] timeout 30s
  step wait health where check == "web" and host == $host and status == "up" within 1m
  step notify chat
  on failure notify chat
}
`;

test('a firing rule runs its playbook: exec with the alert labels filled in, wait verifies, the story is on the timeline', () => {
  const h = harness(RESTART);
  h.health(1000, 'web1', 'down');
  const [ready] = h.execute(2000, true);
  assert.deepEqual(ready!.step, { kind: 'exec', argv: ['systemctl', 'restart', 'web@web1'], timeoutMs: 30_000 });
  h.health(3000, 'web2', 'up'); // another host does not satisfy the wait
  h.health(5000, 'web1', 'up');
  const run = h.core.runner.list()[0]!;
  assert.equal(run.state, 'succeeded');
  assert.deepEqual(h.story(), [
    '1000 firing',
    '1000 action_started',
    '2000 action_step succeeded',
    '5000 action_step succeeded',
    '5000 action_step succeeded',
    '5000 action_succeeded',
    '5000 resolved',
  ]);
  assert.ok(h.queued().includes('run-1/step-2/chat'));
});

test('past the restart budget a run is skipped, recorded, and the on-failure channels are told', () => {
  const h = harness(RESTART);
  for (let i = 0; i < 3; i++) {
    const t = i * 60_000;
    h.health(t + 1, 'web1', 'down');
    h.execute(t + 2, true);
    h.health(t + 3, 'web1', 'up');
  }
  const runs = h.core.runner.list().reverse();
  assert.deepEqual(runs.map((r) => r.state), ['succeeded', 'succeeded', 'skipped']);
  assert.match(runs[2]!.reason!, /limit of 2 runs/);
  assert.ok(h.story('inc-3').includes('120001 action_skipped'));
  assert.ok(h.queued().includes('run-3/skipped/chat'));
  // An hour after the first run the budget has room again.
  h.health(3_600_002, 'web1', 'down');
  assert.equal(h.core.runner.list()[0]!.state, 'running');
});

test('a failing step fails the run and escalates; a wait that sees nothing times out', () => {
  const h = harness(RESTART);
  h.health(0, 'web1', 'down');
  h.execute(10, false);
  assert.equal(h.core.runner.list()[0]!.state, 'failed');
  assert.ok(h.queued().includes('run-1/failed/chat'));

  const w = harness(RESTART);
  w.health(0, 'web1', 'down');
  w.execute(10, true);
  w.clock.advance(60_009);
  assert.equal(w.core.runner.list()[0]!.state, 'running');
  w.clock.advance(60_010);
  assert.equal(w.core.runner.list()[0]!.state, 'failed');
  assert.match(w.core.runner.list()[0]!.reason!, /wait.*failed: no matching health event within 60s/);
});

test('a label value outside the allowed characters refuses the step; nothing runs', () => {
  const h = harness(RESTART);
  h.health(0, 'web1;rm -rf /', 'down');
  const [ready] = h.core.runner.dispatchable();
  assert.ok('refused' in ready!.step);
  h.execute(1, true);
  const run = h.core.runner.list()[0]!;
  assert.equal(run.state, 'failed');
  assert.match(run.reason!, /refused: label \{host\} has a value outside/);
});

test('cooldown, one run per target at a time, approval, pause and dry run', () => {
  const cool = harness('playbook restart_web { cooldown 10m step exec ["true"] }');
  cool.health(0, 'a', 'down');
  cool.execute(1, true);
  cool.health(2, 'a', 'up');
  cool.health(60_000, 'a', 'down');
  assert.match(cool.core.runner.list()[0]!.reason!, /cooldown/);

  const busy = harness('playbook restart_web { step exec ["true"] }');
  busy.health(0, 'a', 'down');
  busy.apply(1, { t: 'run', playbook: 'restart_web', incident: 'inc-1', labels: {}, by: 'alice' });
  assert.match(busy.core.runner.list()[0]!.reason!, /in progress/);

  const gated = harness('playbook restart_web { approve step exec ["true"] }');
  gated.health(0, 'a', 'down');
  assert.equal(gated.core.runner.list()[0]!.state, 'awaiting_approval');
  assert.equal(gated.core.runner.dispatchable().length, 0);
  gated.apply(5, { t: 'approve', run: 'run-1', by: 'alice' });
  assert.equal(gated.core.runner.list()[0]!.approvedBy, 'alice');
  gated.execute(6, true);
  assert.equal(gated.core.runner.list()[0]!.state, 'succeeded');

  const paused = harness('playbook restart_web { step exec ["true"] }', { paused: true });
  paused.health(0, 'a', 'down');
  assert.equal(paused.core.runner.list()[0]!.state, 'skipped');
  paused.apply(1, { t: 'pause', paused: false, by: 'ops' });
  paused.apply(2, { t: 'run', playbook: 'restart_web', incident: 'inc-1', labels: {}, by: 'ops' });
  assert.equal(paused.core.runner.list()[0]!.state, 'running');

  const dry = harness(RESTART, { dryRun: true });
  dry.health(0, 'web1', 'down');
  const run = dry.core.runner.list()[0]!;
  assert.equal(run.state, 'succeeded');
  assert.equal(run.steps[0]!.what, '["systemctl","restart","web@web1"]');
  assert.equal(dry.core.runner.dispatchable().length, 0);
});

test('an alert muted by maintenance does not run its playbook', () => {
  const h = harness(RESTART);
  h.health(0, 'muted', 'down');
  assert.equal(h.core.runner.list().length, 0);
});

test('runs survive a snapshot: a wait in progress still resolves after restore', () => {
  const h = harness(RESTART);
  h.health(0, 'web1', 'down');
  h.execute(10, true);
  const snap = JSON.parse(JSON.stringify(h.core.snapshot()));
  const set = compileRuleSet([{ file: 't.vigil', ast: parseRuleFile('t.vigil', BASE + RESTART).ast }]);
  const restored = new Core({
    start: 10,
    rules: { rules: set.rules, policies: set.policies, playbooks: set.playbookSpecs, ruleRuns: set.ruleRuns },
    externalChannels: [],
    incidentUrl: (id) => id,
    maxGroupsPerRule: 100,
  });
  restored.restore(snap, 10);
  restored.advance(20);
  restored.apply({ t: 'events', at: 20, events: [{ stream: 'health', time: 20, check: 'web', host: 'web1', status: 'up' }] });
  assert.equal(restored.runner.get('run-1')!.state, 'succeeded');
});
