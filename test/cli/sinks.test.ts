import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RuleSetError, formatDiagnostic } from '../../engine/model/errors.js';
import { buildSinks, channelSecrets, requireSecrets } from '../../cli/sinks.js';
import { parseConfig } from '../../cli/config.js';
import { loadRuleDir } from '../../rules/load.js';
import { runVigil, tempFiles } from '../support/cli.js';
import { getJson, postJson, startVigilProcess, writeVigilFiles } from '../support/vigil-process.js';

type Env = Record<string, string | undefined>;

const HOOK = 'channel hook webhook { url "https://example.com/hook" secret env(HOOK_SECRET) }\n';

/** Loads `files` from a fresh folder, as `vigil run` does, with the secrets taken from `env`. */
async function load(files: Record<string, string>, env: Env) {
  const dir = await tempFiles(files);
  return { dir, loaded: requireSecrets(await loadRuleDir(dir), env) };
}

/** The diagnostics of a refused load as `file:line:col: message`, the file relative to `dir`. */
function refusal(dir: string, loaded: Awaited<ReturnType<typeof load>>['loaded']): string[] {
  assert.equal(loaded.ok, false);
  return loaded.ok ? [] : loaded.diagnostics.map((d) => formatDiagnostic(d).slice(dir.length + 1));
}

test('a webhook secret that is not set refuses the load at the place env(...) is written', async () => {
  for (const env of [{}, { HOOK_SECRET: undefined }]) {
    const { dir, loaded } = await load({ 'a.vigil': 'channel chat log { }\n', 'b.vigil': `\n${HOOK}` }, env);
    assert.deepEqual(refusal(dir, loaded), ['b.vigil:2:62: environment variable HOOK_SECRET is not set']);
    assert.equal(loaded.ok === false && loaded.diagnostics[0]!.code, 'E_CHECK');
  }
  // Set, even to an empty string, is fine.
  for (const value of ['s3cret', '']) assert.equal((await load({ 'b.vigil': HOOK }, { HOOK_SECRET: value })).loaded.ok, true);
  // A variable is never found on the environment object's prototype.
  const { dir, loaded } = await load({ 'b.vigil': HOOK.replace('HOOK_SECRET', 'constructor') }, {});
  assert.deepEqual(refusal(dir, loaded), ['b.vigil:1:62: environment variable constructor is not set']);
});

test('every missing secret is reported, in file order; a set that does not compile keeps its own diagnostics', async () => {
  const two = `${HOOK}${HOOK.replace('hook', 'other').replace('HOOK_SECRET', 'OTHER_SECRET')}`;
  const { dir, loaded } = await load({ 'b.vigil': two, 'a.vigil': HOOK.replace('hook', 'first').replace('HOOK_SECRET', 'FIRST_SECRET') }, { OTHER_SECRET: 'x' });
  assert.deepEqual(refusal(dir, loaded), ['a.vigil:1:63: environment variable FIRST_SECRET is not set', 'b.vigil:1:62: environment variable HOOK_SECRET is not set']);
  const broken = await load({ 'b.vigil': `${HOOK}rule r { when logs where }\n` }, {});
  assert.deepEqual(refusal(broken.dir, broken.loaded).map((d) => d.split(': ')[0]), ['b.vigil:2:26']);
});

test('channelSecrets lists the secrets that are set, for scrubbing; buildSinks builds one sink per channel', async () => {
  const rules = [
    HOOK,
    'channel plain webhook { url "https://example.com/plain" format slack }',
    'channel mail email { to "ops@example.com" }',
    'channel stream kafka { topic "alerts" }',
    'channel out log { }',
    '',
  ].join('\n');
  const { loaded } = await load({ 'c.vigil': rules }, { HOOK_SECRET: 'hook-s3cret' });
  assert.ok(loaded.ok);
  const channels = loaded.ruleSet.channels;
  assert.deepEqual(channelSecrets(channels, { HOOK_SECRET: 'hook-s3cret', OTHER: 'x' }), ['hook-s3cret']);
  assert.deepEqual(channelSecrets(channels, { HOOK_SECRET: '' }), []);
  const config = parseConfig({});
  // Without a Kafka producer a kafka channel has no sink (its notifications fail with reason config).
  const sinks = buildSinks(loaded.ruleSet, config, { HOOK_SECRET: 'hook-s3cret' }, () => {});
  assert.deepEqual([...sinks.keys()].sort(), ['hook', 'mail', 'out', 'plain']);
  assert.deepEqual([...sinks.values()].map((s) => s.name).sort(), ['hook', 'mail', 'out', 'plain']);
  // A set whose secret went missing is refused rather than sending unsigned.
  assert.throws(
    () => buildSinks(loaded.ruleSet, config, {}, () => {}),
    (e: unknown) => e instanceof RuleSetError && e.code === 'E_CHECK' && e.diagnostics.length === 1 && /HOOK_SECRET is not set/.test(e.message),
  );
});

const CONFIG = 'rules: ./rules\ndata: ./data\nhttp:\n  listen: 127.0.0.1:0\n';

test('vigil run does not start when a secret is missing, and names where it is used', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-secret-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'hook.vigil': `# the hook\n${HOOK}` });
  const r = await runVigil(['run', '--config', config], { cwd: dir, env: { ...process.env, HOOK_SECRET: undefined } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hook\.vigil:2:62: environment variable HOOK_SECRET is not set/);
  assert.doesNotMatch(r.stderr, /listening on/);
});

test('a reload that adds a channel whose secret is missing is refused and the running set stays', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-secret-'));
  const config = await writeVigilFiles(dir, CONFIG, { 'a.vigil': `${HOOK}rule r { when logs notify hook }\n` });
  const vigil = await startVigilProcess(dir, config, { HOOK_SECRET: 'hook-s3cret', VIGIL_TEST_UNSET_SECRET: undefined });
  try {
    await writeFile(path.join(dir, 'rules', 'b.vigil'), 'channel other webhook { url "https://example.com/o" secret env(VIGIL_TEST_UNSET_SECRET) }\nrule s { when logs notify other }\n');
    const refused = await postJson(`${vigil.url}/v1/rules/reload`, {});
    assert.equal(refused.status, 422);
    assert.equal(refused.json.diagnostics.length, 1);
    assert.match(refused.json.diagnostics[0], /b\.vigil:1:60: environment variable VIGIL_TEST_UNSET_SECRET is not set$/);
    assert.deepEqual((await getJson(`${vigil.url}/v1/rules`)).json.rules.map((r: { name: string }) => r.name), ['r']);
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});
