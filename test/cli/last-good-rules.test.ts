import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runVigil } from '../support/cli.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

const CONFIG = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n';
const FATAL = 'rule fatal { when logs where level == "fatal" by host }\n';
const BROKEN = 'rule fatal {\n  when logs where\n}\n';

interface IncidentJson {
  readonly id: string;
  readonly rule: string;
  readonly state: string;
  readonly summary: string;
  readonly labels: Record<string, string>;
}

async function incidents(url: string, rule: string): Promise<IncidentJson[]> {
  return ((await getJson(`${url}/v1/incidents?rule=${rule}`)).json.incidents as IncidentJson[]);
}

test('a broken rule file at start runs the last good set with a firing vigil_rules_broken, resolved by a good reload', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-last-good-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': FATAL });
  const file = path.join(dir, 'rules', 'a.vigil');

  let vigil = await startVigilProcess(dir, config);
  const kept = JSON.parse(await readFile(path.join(dir, 'data', 'last-good-rules.json'), 'utf8'));
  assert.deepEqual(Object.values(kept.files), [FATAL]);
  // The file breaks while vigil runs: the reload is refused; then vigil dies.
  await writeFile(file, BROKEN);
  await eventually(() => /rules reload refused/.test(vigil.stderr()), 'the refused reload');
  await vigil.kill();

  vigil = await startVigilProcess(dir, config);
  try {
    assert.equal((await getJson(`${vigil.url}/readyz`)).status, 200);
    assert.match(vigil.stderr(), /a\.vigil:3:1: .*expected/);
    assert.match(vigil.stderr(), /running the last good rule set instead/);
    const [broken] = await eventually(async () => {
      const list = await incidents(vigil.url, 'vigil_rules_broken');
      return list.length === 1 && list;
    }, 'the vigil_rules_broken incident');
    assert.equal(broken!.state, 'firing');
    assert.match(broken!.summary, /rules[\\/]a\.vigil:3:1: /);

    // The old rules still fire.
    await postJson(`${vigil.url}/v1/events`, { stream: 'logs', level: 'fatal', host: 'h1' });
    await eventually(async () => (await incidents(vigil.url, 'fatal')).length === 1, 'the kept rule firing');

    // Fixed and reloaded: the self-alert resolves.
    await writeFile(file, FATAL.replace('fatal {', 'fatal2 {'));
    const reloaded = await postJson(`${vigil.url}/v1/rules/reload`, {});
    assert.equal(reloaded.status, 200, JSON.stringify(reloaded.json));
    await eventually(async () => (await incidents(vigil.url, 'vigil_rules_broken'))[0]?.state === 'resolved', 'vigil_rules_broken resolved');
    const keptNow = JSON.parse(await readFile(path.join(dir, 'data', 'last-good-rules.json'), 'utf8'));
    assert.match(Object.values(keptNow.files).join(''), /rule fatal2/);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});

test('broken rules on a first start (no last good set) still stop vigil with the diagnostics', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-last-good-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': BROKEN });
  const r = await runVigil(['run', '--config', config], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a\.vigil:3:1: /);
  assert.match(r.stderr, /do not compile/);
});

test('a kept set of another rules folder is not used', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-last-good-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': BROKEN });
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await writeFile(
    path.join(dir, 'data', 'last-good-rules.json'),
    JSON.stringify({ version: 1, rules: './elsewhere', savedAt: '2026-01-01T00:00:00.000Z', files: { 'x.vigil': FATAL } }),
  );
  const r = await runVigil(['run', '--config', config], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds the rules of \.\/elsewhere/);
});
