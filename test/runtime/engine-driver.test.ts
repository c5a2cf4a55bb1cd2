import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Core } from '../../engine/core.js';
import type { AlertChange } from '../../engine/model/alert-change.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';
import { EngineDriver } from '../../runtime/engine-driver.js';

function core(source: string, start: number): Core {
  const { ast, diagnostics } = parseRuleFile('t.vigil', source);
  const files = [{ file: 't.vigil', ast }];
  assert.deepEqual([...diagnostics, ...checkRuleSet(files)], []);
  const set = compileRuleSet(files);
  return new Core({ rules: { rules: set.rules, policies: set.policies }, externalChannels: [], incidentUrl: (id) => id, maxGroupsPerRule: 100, start });
}

test('the driver wakes at the core\'s next deadline and hands over what the timers did', async () => {
  const c = core('rule down { when latest health by host is status == "down" for 200ms }', Date.now());
  const seen: AlertChange[] = [];
  let fired: (change: AlertChange) => void = () => {};
  const firing = new Promise<AlertChange>((resolve) => (fired = resolve));
  const driver = new EngineDriver({
    core: c,
    perform: (effects) => {
      for (const change of effects.changes) {
        seen.push(change);
        if (change.state === 'firing') fired(change);
      }
    },
  });
  const at = driver.time();
  const effects = c.apply({ t: 'events', at, events: [{ stream: 'health', time: at, host: 'a', status: 'down' }] });
  driver.handle(effects);
  assert.equal(effects.nextDeadline, at + 200);
  // Nothing else moves the core: only the driver's timer can fire the `for`. Its timer is
  // unref'd (it never holds a process open), so the test holds the event loop meanwhile.
  const hold = setInterval(() => {}, 60_000);
  const change = await firing;
  clearInterval(hold);
  driver.stop();
  assert.equal(change.time, at + 200, 'the timer fires at its own due time, not at the wall time it woke');
  assert.deepEqual(seen.map((s) => s.state), ['pending', 'firing']);
  assert.ok(driver.time() >= at + 200);
});

test('input times never go back, even when the wall clock is behind the core', () => {
  let wall = 5000;
  const c = core('rule down { when latest health by host is status == "down" }', 0);
  const driver = new EngineDriver({ core: c, perform: () => {}, wall: () => wall });
  c.apply({ t: 'events', at: 9000, events: [] });
  assert.equal(driver.time(), 9000);
  wall = 12_000;
  assert.equal(driver.time(), 12_000);
  driver.stop();
});
