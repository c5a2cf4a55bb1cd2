import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile, countParses } from '../../rules/parse.js';

/** Diagnostics as `code line:col`, the parts tests may rely on. */
function problems(text: string): string[] {
  return parseRuleFile('t.vigil', text).diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`);
}

const EXAMPLE = `channel oncall email { to "ops@example.com" }
channel chat webhook { url "https://chat.example.com/hooks/ops" format slack }

check minitwit_http http "http://127.0.0.1:5000/public" every 10s timeout 2s expect status 200 host "web1" service "minitwit"

rule minitwit_down {
  when latest health where check == "minitwit_http" by host is status == "down"
  for 30s
  severity critical
  summary "MiniTwit is down on {host}"
  notify chat then oncall after 15m
  run restart_minitwit
}

playbook restart_minitwit {
  limit 3 per 1h
  step ssh "{host}" ["sudo", "systemctl", "restart", "minitwit"] timeout 30s
  step wait health where check == "minitwit_http" and host == $host and status == "up" within 60s
  on failure notify oncall
}
`;

test('a valid file has no diagnostics', () => {
  const { ast, diagnostics } = parseRuleFile('t.vigil', EXAMPLE);
  assert.deepEqual(diagnostics, []);
  assert.equal(ast.decls.length, 5);
  assert.equal(countParses(EXAMPLE), 1);
});

test('a syntax error is reported at the offending token with the file name', () => {
  const { diagnostics } = parseRuleFile('dir/a.vigil', 'rule r {\n  when logs where level ==\n}\n');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]!.code, 'E_SYNTAX');
  assert.equal(diagnostics[0]!.file, 'dir/a.vigil');
  assert.deepEqual([diagnostics[0]!.line, diagnostics[0]!.col], [3, 1]);
});

test('the message names what was found and the sorted, distinct expected tokens', () => {
  const [d] = parseRuleFile('t.vigil', 'rule r { when logs for }').diagnostics;
  assert.equal(d?.message, 'unexpected "}", expected duration');
  const [e] = parseRuleFile('t.vigil', 'rule r { when logs 5m }').diagnostics;
  const expected = e!.message.replace(/^.*expected one of: /, '').split(', ');
  assert.deepEqual(expected, [...new Set(expected)].sort());
  assert.ok(expected.includes('"for"') && expected.includes('"}"'));
});

test('every broken declaration is reported, and the others still parse', () => {
  const text = [
    'rule a { when logs where x == }', // 1:31
    'rule ok1 { when logs }',
    'check c http "u" every 5min', // 3:24
    'channel ok2 log { }',
    'rule b { when count of logs over 1m > }', // 5:39
    'inhibit ok3 { source a == 1 target b == 2 }',
  ].join('\n');
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(
    diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
    ['E_SYNTAX 1:31', 'E_SYNTAX 3:24', 'E_SYNTAX 5:39'],
  );
  assert.deepEqual(
    ast.decls.map((d) => ("name" in d ? d.name.name : "")),
    ['ok1', 'ok2', 'ok3'],
  );
});

test('an unclosed brace does not swallow the declarations after it', () => {
  const text = 'rule a {\n  when logs\n\nrule b { when logs }\nrule c { when }\n';
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(
    diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
    ['E_SYNTAX 4:1', 'E_SYNTAX 5:15'],
  );
  assert.deepEqual(
    ast.decls.map((d) => ("name" in d ? d.name.name : "")),
    ['b'],
  );
});

test('running out of input is reported at the end of the file', () => {
  assert.deepEqual(problems('rule r {\n  when logs'), ['E_SYNTAX 2:12']);
  assert.deepEqual(problems('check c http "u" every'), ['E_SYNTAX 1:23']);
});

test('a declaration cut short is reported at the next declaration', () => {
  assert.deepEqual(problems('check c http\nrule r { when logs }'), ['E_SYNTAX 2:1']);
});

test('text that is no declaration is reported where it starts', () => {
  assert.deepEqual(problems('foo bar\nrule r { when logs }'), ['E_SYNTAX 1:1']);
  assert.deepEqual(problems('rule r { when logs } }'), ['E_SYNTAX 1:22']);
});

test('lexical errors: invalid character, bad string, bad number', () => {
  assert.deepEqual(problems('rule r { when logs where a == @ }'), ['E_SYNTAX 1:31']);
  assert.deepEqual(problems('rule r {\n  summary "open\n}'), ['E_SYNTAX 2:11']);
  assert.deepEqual(problems('rule r { when logs summary "a\\q" }'), ['E_SYNTAX 1:28']);
  assert.deepEqual(problems('rule r { when logs for 5min }'), ['E_SYNTAX 1:24']);
});

test('a repeated clause is E_CHECK at the repeat; the declaration is kept', () => {
  const { ast, diagnostics } = parseRuleFile('t.vigil', 'rule r {\n  when logs\n  for 1m\n  for 2m\n  when metrics\n}');
  assert.deepEqual(
    diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
    ['E_CHECK 4:3', 'E_CHECK 5:3'],
  );
  assert.equal(ast.decls.length, 1);
  assert.equal((ast.decls[0] as { for: { ms: number } }).for.ms, 60_000);
});

test('repeats in other declarations and in step options', () => {
  assert.deepEqual(problems('channel c email { to "a" to "b" }'), ['E_CHECK 1:26']);
  assert.deepEqual(problems('channel w webhook { url "a" header "x" "y" header "x" "z" batch 1s batch 2s }'), ['E_CHECK 1:68']);
  assert.deepEqual(problems('check c tcp "h:1" every 1s every 2s'), ['E_CHECK 1:28']);
  assert.deepEqual(problems('playbook p { step exec [] timeout 1s timeout 2s approve approve }'), ['E_CHECK 1:38', 'E_CHECK 1:57']);
  assert.deepEqual(problems('maintenance m { match a == 1 match b == 1 from "a" to "b" }'), ['E_CHECK 1:30']);
  assert.deepEqual(problems('inhibit i { source a == 1 target b == 1 equal x equal y }'), ['E_CHECK 1:49']);
});

test('a missing required clause is E_SYNTAX at the declaration; it is left out', () => {
  const { ast, diagnostics } = parseRuleFile('t.vigil', 'rule r {\n  for 1m\n}\nrule ok { when logs }');
  assert.deepEqual(
    diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`),
    ['E_SYNTAX 1:1'],
  );
  assert.deepEqual(
    ast.decls.map((d) => ("name" in d ? d.name.name : "")),
    ['ok'],
  );
  assert.deepEqual(problems('channel c email { subject "s" }'), ['E_SYNTAX 1:1']);
  assert.deepEqual(problems('channel w webhook { }'), ['E_SYNTAX 1:1']);
  assert.deepEqual(problems('check c http "u" timeout 1s'), ['E_SYNTAX 1:1']);
  assert.deepEqual(problems('playbook p { approve }'), ['E_SYNTAX 1:1']);
  assert.deepEqual(problems('maintenance m { }'), ['E_SYNTAX 1:1', 'E_SYNTAX 1:1']);
  assert.deepEqual(problems('inhibit i { source a == 1 }'), ['E_SYNTAX 1:1']);
});

test('a stream cannot be called where', () => {
  assert.deepEqual(problems('rule r { when where }'), ['E_SYNTAX 1:15']);
});

test('comments come back in the AST, in order, trailing or not', () => {
  const { ast } = parseRuleFile('t.vigil', '# top\nrule r { # open\n  when logs # cond\n  # before close\n}\n# end\n');
  assert.deepEqual(
    ast.comments.map((c) => [c.text, c.loc.line, c.loc.col, c.trailing]),
    [
      ['# top', 1, 1, false],
      ['# open', 2, 10, true],
      ['# cond', 3, 13, true],
      ['# before close', 4, 3, false],
      ['# end', 6, 1, false],
    ],
  );
});

test('an empty file or a file of comments is valid', () => {
  assert.deepEqual(parseRuleFile('t.vigil', ''), { ast: { decls: [], comments: [] }, diagnostics: [] });
  assert.deepEqual(problems('# only a comment\n\n'), []);
});

/** A small deterministic PRNG for the fuzz tests. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}

test('never throws: token soups', () => {
  const words = [
    'rule', 'channel', 'check', 'playbook', 'maintenance', 'inhibit', 'when', 'for', 'by', 'then', 'not', 'and', 'or', 'in',
    'latest', 'absent', 'count', 'of', 'over', 'is', 'within', 'step', 'exec', 'notify', 'after', 'labels', 'where', 'x',
    '{', '}', '(', ')', '[', ']', ',', '.', '==', '=~', '-', '+', '*', '"s"', '5m', '1.5', '09:00-10:00', '$h', '#c\n', '@', '"', '\n',
  ];
  const rnd = random(7);
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(rnd() * 30);
    const text = Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
    const { diagnostics } = parseRuleFile('t.vigil', text);
    for (const d of diagnostics) assert.ok(d.line >= 1 && d.col >= 1 && d.message.length > 0, text);
    assert.ok(countParses(text) <= 1, text);
  }
});

test('never throws: every truncation of a valid file, and random bytes', () => {
  for (let i = 0; i <= EXAMPLE.length; i++) {
    const { diagnostics } = parseRuleFile('t.vigil', EXAMPLE.slice(0, i));
    for (const d of diagnostics) assert.ok(d.line >= 1 && d.col >= 1, EXAMPLE.slice(0, i));
  }
  const rnd = random(11);
  for (let i = 0; i < 300; i++) {
    const text = Array.from({ length: Math.floor(rnd() * 80) }, () => String.fromCharCode(Math.floor(rnd() * 0x2fff))).join('');
    parseRuleFile('t.vigil', text);
  }
});

test('a truncated file reports an error at or before its end', () => {
  const lines = EXAMPLE.split('\n');
  for (let n = 1; n < lines.length; n++) {
    const text = lines.slice(0, n).join('\n');
    const { diagnostics } = parseRuleFile('t.vigil', text);
    for (const d of diagnostics) assert.ok(d.line <= n, `${text}\n${JSON.stringify(d)}`);
  }
});

test('rate(F) or increase(F) without a window is a syntax error that says a window is needed, at the token found instead', () => {
  const windowless = parseRuleFile('t.vigil', 'rule c { when rate(value) of metrics where name == "x" by instance > 1 }\n').diagnostics;
  assert.deepEqual(windowless.map((d) => `${d.code} ${d.line}:${d.col}`), ['E_SYNTAX 1:56']);
  assert.match(windowless[0]!.message, /rate\(\.\.\.\) needs a window: rate\(F\) of SELECTOR over DURATION/);
  const inLatest = parseRuleFile('t.vigil', 'rule d { when latest metrics by instance is increase(value) > 1 }\n').diagnostics;
  assert.deepEqual(inLatest.map((d) => `${d.code} ${d.line}:${d.col}`), ['E_SYNTAX 1:53']);
  assert.match(inLatest[0]!.message, /increase\(F\) is an aggregate over a window/);
  // Bare `rate` (events per second) and `rate(F)` each parse exactly once.
  assert.equal(countParses('rule r { when rate of logs over 1m > 1 }'), 1);
  assert.equal(countParses('rule r { when rate(value) of metrics over 1m > 1 }'), 1);
});
