import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startEsper, type EsperProcess } from '../../bench/esper/esper-process.js';
import { eventLines, scenarios } from '../../bench/esper/scenarios.js';
import { disagreements, vigilRunner } from '../../bench/esper/vigil-run.js';

/**
 * The side-by-side benchmark's agreement check on a small input: Esper 8.9 and vigil,
 * given the same events and the same rules in their own languages, fire the same number
 * of times per rule, on every workload (so a speed figure never compares unequal work).
 */

let esper: EsperProcess;
let dir: string;

before(async () => {
  esper = await startEsper({ heapMb: 512 });
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-esper-test-'));
});

after(async () => {
  await esper?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

for (const scenario of scenarios({ events: 60_000, rules: 40, windowHosts: 300 }, 7)) {
  test(`Esper and vigil agree on the firings of every rule: ${scenario.name}`, async () => {
    const eplFile = path.join(dir, `${scenario.name}.epl`);
    const eventsFile = path.join(dir, `${scenario.name}.events`);
    await writeFile(eplFile, scenario.epl);
    await writeFile(eventsFile, eventLines(scenario.events));
    const fromEsper = await esper.run(scenario.name, eplFile, eventsFile);
    const fromVigil = vigilRunner(scenario)();
    assert.equal(fromEsper.events, scenario.events.length);
    assert.deepEqual(disagreements(fromEsper.fires, fromVigil.fires), []);
    // Something fired, on most rules: agreement on nothing would prove nothing.
    const firing = Object.values(fromVigil.fires).filter((n) => n > 0).length;
    assert.ok(firing >= Math.ceil(Object.keys(fromVigil.fires).length / 2), `only ${firing} rules fired`);
  });
}
