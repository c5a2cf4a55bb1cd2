import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

const CONFIG = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n';
const rule = (name: string, threshold: number): string => `rule ${name} { when count of logs where level == "error" over 1h > ${threshold} }\n`;

test('rules reload on a file change, on SIGHUP and through the API; a broken set is refused and the old one keeps running', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-reload-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': rule('errors', 2) });
  const vigil = await startVigilProcess(dir, config);
  try {
    // Two errors: the window holds 2, not above the threshold yet.
    await postJson(`${vigil.url}/v1/events`, [{ stream: 'logs', level: 'error' }, { stream: 'logs', level: 'error' }]);

    // A new file appears: picked up by the watcher; the unchanged rule keeps its window.
    await writeFile(path.join(dir, 'rules', 'b.vigil'), rule('other', 100));
    await eventually(async () => (await getJson(`${vigil.url}/v1/rules`)).json.rules.length === 2, 'the watcher reload');
    await postJson(`${vigil.url}/v1/events`, { stream: 'logs', level: 'error' });
    await eventually(async () => (await getJson(`${vigil.url}/v1/incidents`)).json.incidents.length === 1, 'errors firing on its third error');

    // A broken file: refused with diagnostics, the old rules still run.
    await writeFile(path.join(dir, 'rules', 'b.vigil'), 'rule other { when logs where }\n');
    const refused = await postJson(`${vigil.url}/v1/rules/reload`, {});
    assert.equal(refused.status, 422);
    assert.match(refused.json.diagnostics[0], /b\.vigil:1:\d+: /);
    assert.equal((await getJson(`${vigil.url}/v1/rules`)).json.rules.length, 2);
    await eventually(() => /rules reload refused/.test(vigil.stderr()), 'the refusal reported');

    // Fixed and a SIGHUP: the set is taken.
    await writeFile(path.join(dir, 'rules', 'b.vigil'), rule('third', 5) + rule('fourth', 5));
    vigil.child.kill('SIGHUP');
    await eventually(async () => (await getJson(`${vigil.url}/v1/rules`)).json.rules.length === 3, 'the SIGHUP reload');
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});

test('a damaged journal tail is reported at start and skipped; everything before it is kept', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-journal-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': 'rule fatal { when logs where level == "fatal" by host }\n' });
  let vigil = await startVigilProcess(dir, config);
  await postJson(`${vigil.url}/v1/events`, { stream: 'logs', level: 'fatal', host: 'a' });
  await vigil.kill();
  const journalDir = path.join(dir, 'data', 'journal');
  const segment = (await readdir(journalDir)).filter((f) => f.endsWith('.log')).sort().at(-1)!;
  await appendFile(path.join(journalDir, segment), '99 1 40 deadbeef [{"t":"events","at":1,"ev');

  vigil = await startVigilProcess(dir, config);
  try {
    assert.match(vigil.stderr(), /journal: .*truncated/);
    const incidents = (await getJson(`${vigil.url}/v1/incidents`)).json.incidents as { labels: { host: string } }[];
    assert.deepEqual(incidents.map((i) => i.labels.host), ['a']);
    await postJson(`${vigil.url}/v1/events`, { stream: 'logs', level: 'fatal', host: 'b' });
    await eventually(async () => (await getJson(`${vigil.url}/v1/incidents`)).json.incidents.length === 2, 'new input after the repair');
  } finally {
    await vigil.stop();
  }
});
