import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

const RULES = [
  'channel chat log { }',
  'rule hostile_path {',
  '  when logs where path =~ "^(a+)+$" by host',
  '  notify chat',
  '}',
  'rule errors {',
  '  when logs where level == "error" by host',
  '  notify chat',
  '}',
  '',
].join('\n');

/** The hosts of the open incidents of a rule. */
async function firingHosts(url: string, rule: string): Promise<string[]> {
  const r = await getJson(`${url}/v1/incidents?rule=${rule}&limit=100`);
  return (r.json.incidents as { labels: { host: string } }[]).map((i) => i.labels.host).sort();
}

test('events against a backtracking regex and a backtracking silence are decided, and their journal replays after kill -9', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-hostile-'));
  const config = await writeVigilFiles(dir, 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n', { 'hostile.vigil': RULES });
  let vigil = await startVigilProcess(dir, config);
  try {
    await eventually(async () => (await getJson(`${vigil.url}/readyz`)).status === 200, 'ready');
    // A silence whose matcher backtracks on hosts like "aaaa…b" (Alertmanager anchors it to the whole value).
    const silence = await postJson(`${vigil.url}/v1/silences`, {
      matchers: [{ name: 'host', value: '(a+)+', isRegex: true }],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'hosts named a…a',
    });
    assert.equal(silence.status, 200, JSON.stringify(silence.json));
    const hostileHost = 'a'.repeat(28) + 'b';
    const posted = await postJson(`${vigil.url}/v1/events`, [
      { stream: 'logs', host: 'h40', path: 'a'.repeat(40) + '!' },
      { stream: 'logs', host: 'h60k', path: 'a'.repeat(60_000) + '!' },
      { stream: 'logs', host: 'match', path: 'a'.repeat(60_000) },
      { stream: 'logs', host: hostileHost, level: 'error', message: 'not silenced: the matcher does not match' },
      { stream: 'logs', host: 'aaaa', level: 'error', message: 'silenced' },
    ]);
    assert.equal(posted.status, 200, JSON.stringify(posted.json));
    assert.deepEqual(posted.json, { accepted: 5, rejected: [] });
    assert.deepEqual(await firingHosts(vigil.url, 'hostile_path'), ['match']);
    assert.deepEqual(await firingHosts(vigil.url, 'errors'), ['aaaa', hostileHost].sort());
    // The unrelated event right after is answered as usual.
    const next = await postJson(`${vigil.url}/v1/events`, { stream: 'logs', host: 'later', level: 'error' });
    assert.deepEqual(next.json, { accepted: 1, rejected: [] });
    const timeline = async (): Promise<{ kind: string; labels: { host?: string } }[]> => (await getJson(`${vigil.url}/v1/timeline?limit=1000`)).json.entries;
    await eventually(async () => (await timeline()).some((e) => e.kind === 'silenced' && e.labels.host === 'aaaa'), 'the aaaa alert silenced');
    assert.equal((await timeline()).some((e) => e.kind === 'silenced' && e.labels.host === hostileHost), false);

    // The hostile events are in the journal: after kill -9 the restart replays them and gets ready.
    await vigil.kill();
    vigil = await startVigilProcess(dir, config);
    await eventually(async () => (await getJson(`${vigil.url}/readyz`)).status === 200, 'ready after the restart', 20_000);
    assert.deepEqual(await firingHosts(vigil.url, 'hostile_path'), ['match']);
    assert.deepEqual(await firingHosts(vigil.url, 'errors'), ['aaaa', hostileHost, 'later'].sort());
    const again = await postJson(`${vigil.url}/v1/events`, { stream: 'logs', host: 'h40b', path: 'a'.repeat(40) + '!' });
    assert.deepEqual(again.json, { accepted: 1, rejected: [] });
  } finally {
    await vigil.stop();
  }
});
