import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelSpec } from '../../engine/model/channel-spec.js';
import { checkRuleSet, type ParsedFile } from '../../rules/check.js';
import { compileRuleSet, type RuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';

/** Parses, checks (asserting no problem) and compiles the given files as one set. */
function compile(files: Record<string, string>): RuleSet {
  const parsed: ParsedFile[] = [];
  for (const [file, text] of Object.entries(files)) {
    const { ast, diagnostics } = parseRuleFile(file, text);
    assert.deepEqual(diagnostics, [], file);
    parsed.push({ file, ast });
  }
  assert.deepEqual(checkRuleSet(parsed), []);
  return compileRuleSet(parsed);
}

const CHANNELS = `# channels
channel mail email { to "ops@example.com", "dev@example.com" subject "vigil: {rule}" batch 30s }
channel quiet email { to "a@example.com" }

channel hook webhook {
  url "https://chat.example.com/hooks/ops"
  format slack
  secret env(CHAT_SECRET)
  header "X-Team" "ops"
  header "X-Env" "prod"
  batch 1m
}
channel bare webhook { url "http://127.0.0.1:9/x" }
channel stream kafka { topic "vigil.alerts" }
channel out log { }
`;

test('every channel type compiles to plain data with defaults filled in and where it was declared', () => {
  const set = compile({ 'a.vigil': 'rule r { when logs notify out }\n', 'ch.vigil': CHANNELS });
  const expected: ChannelSpec[] = [
    { type: 'email', name: 'mail', pos: { file: 'ch.vigil', line: 2, col: 1 }, to: ['ops@example.com', 'dev@example.com'], subject: 'vigil: {rule}', batchMs: 30_000 },
    { type: 'email', name: 'quiet', pos: { file: 'ch.vigil', line: 3, col: 1 }, to: ['a@example.com'], batchMs: 0 },
    {
      type: 'webhook',
      name: 'hook',
      pos: { file: 'ch.vigil', line: 5, col: 1 },
      url: 'https://chat.example.com/hooks/ops',
      format: 'slack',
      secretEnv: 'CHAT_SECRET',
      secretPos: { file: 'ch.vigil', line: 8, col: 10 },
      headers: [
        { name: 'X-Team', value: 'ops' },
        { name: 'X-Env', value: 'prod' },
      ],
      batchMs: 60_000,
    },
    { type: 'webhook', name: 'bare', pos: { file: 'ch.vigil', line: 13, col: 1 }, url: 'http://127.0.0.1:9/x', format: 'json', headers: [], batchMs: 0 },
    { type: 'kafka', name: 'stream', pos: { file: 'ch.vigil', line: 14, col: 1 }, topic: 'vigil.alerts' },
    { type: 'log', name: 'out', pos: { file: 'ch.vigil', line: 15, col: 1 } },
  ];
  assert.deepEqual([...set.channels.values()], expected);
  assert.deepEqual([...set.channels.keys()], expected.map((c) => c.name));
  // The notifier batches by the same numbers.
  assert.deepEqual(
    [...set.policies.channels.values()].map((p) => [p.name, p.batchMs]),
    expected.map((c) => [c.name, c.type === 'email' || c.type === 'webhook' ? c.batchMs : 0]),
  );
});

test("a rule set's channel specs survive a JSON round trip unchanged: no syntax tree, no secret value", () => {
  process.env.CHAT_SECRET = 'never-in-a-spec';
  try {
    const set = compile({ 'ch.vigil': CHANNELS });
    const text = JSON.stringify([...set.channels]);
    assert.deepEqual(new Map(JSON.parse(text)), set.channels);
    assert.ok(!text.includes('never-in-a-spec'));
  } finally {
    delete process.env.CHAT_SECRET;
  }
});

test('a rule set holds compiled specs only: nothing in it is a syntax-tree node', () => {
  const set = compile({
    'ch.vigil': CHANNELS,
    'r.vigil': [
      'rule r { when count of logs where level == "error" over 1m by host > 3 for 1m notify hook then mail after 5m run fix }',
      'check web http "http://127.0.0.1:9/" every 10s',
      'playbook fix { step exec ["true"] step wait health where check == "web" and host == $host within 1m }',
      'maintenance m { match rule == "r" weekly mon 02:00-03:00 "UTC" }',
      'inhibit i { source severity == "critical" target severity == "warning" equal host }',
      '',
    ].join('\n'),
  });
  assert.deepEqual(Object.keys(set).sort(), ['channels', 'checkSpecs', 'playbookSpecs', 'policies', 'ruleRuns', 'rules']);
  // Syntax-tree nodes carry a `loc`; walk every object reachable from the set (not into closures).
  const seen = new Set<object>();
  const nodes: string[] = [];
  const walk = (v: unknown, where: string): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if ('loc' in v) nodes.push(where);
    const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
    for (const [k, x] of entries) walk(x, `${where}.${k}`);
  };
  walk(set, 'set');
  assert.deepEqual(nodes, []);
  assert.ok(seen.size > 20, 'the walk reached into the set');
  assert.deepEqual([...set.ruleRuns], [['r', 'fix']]);
  assert.deepEqual(set.checkSpecs.map((c) => c.name), ['web']);
  assert.deepEqual([...set.playbookSpecs.keys()], ['fix']);
});
