import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../engine/model/errors.js';
import { checkRuleSet, type ParsedFile } from '../../rules/check.js';
import { findRuleFiles, loadRuleDir } from '../../rules/load.js';
import { parseRuleFile } from '../../rules/parse.js';

const EXAMPLES = fileURLToPath(new URL('../../../rules/examples/', import.meta.url));

/** Marks, in test sources, the exact place where a diagnostic is expected. */
const MARK = '▸';

/** Channels and a playbook the sources under test may refer to, kept in a file of their own. */
const SHARED = `channel chat log { }
channel oncall email { to "ops@example.com" }
playbook fix { step exec ["true"] }
`;

/** A source without its marks, and the `file:line:col` of each mark. */
function unmark(file: string, src: string): { text: string; expected: string[] } {
  const expected: string[] = [];
  let text = '';
  let line = 1;
  let col = 1;
  for (const ch of src) {
    if (ch === MARK) {
      expected.push(`${file}:${line}:${col}`);
      continue;
    }
    text += ch;
    if (ch === '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return { text, expected };
}

/** Parses marked sources (which must be free of syntax errors) and checks them as one set. */
function checkMarked(files: Record<string, string>): { ds: Diagnostic[]; expected: string[] } {
  const parsed: ParsedFile[] = [];
  const expected: string[] = [];
  for (const [file, src] of Object.entries(files)) {
    const u = unmark(file, src);
    const { ast, diagnostics } = parseRuleFile(file, u.text);
    assert.deepEqual(diagnostics, [], `${file} must parse`);
    parsed.push({ file, ast });
    expected.push(...u.expected);
  }
  const ds = checkRuleSet(parsed);
  for (const d of ds) assert.equal(d.code, 'E_CHECK', `${d.file}:${d.line}:${d.col}: ${d.message}`);
  return { ds, expected: expected.sort(byPosition) };
}

/** Diagnostics as sorted `file:line:col`, the part tests rely on besides the code. */
function positions(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.file}:${d.line}:${d.col}`).sort(byPosition);
}

function byPosition(a: string, b: string): number {
  const [fa, la, ca] = a.split(':');
  const [fb, lb, cb] = b.split(':');
  return fa! < fb! ? -1 : fa! > fb! ? 1 : Number(la) - Number(lb) || Number(ca) - Number(cb);
}

/**
 * Checks `src` as `t.vigil` next to the shared declarations and asserts that the
 * diagnostics are exactly at the marks. Returns them for further assertions.
 */
function expectAtMarks(src: string): Diagnostic[] {
  const { ds, expected } = checkMarked({ 'shared.vigil': SHARED, 't.vigil': src });
  assert.deepEqual(positions(ds), expected, ds.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return ds;
}

/** The diagnostic at the first mark of `src` (asserting it is the only one there). */
function messageAt(ds: readonly Diagnostic[], src: string, nth = 0): string {
  const { expected } = unmark('t.vigil', src);
  const here = ds.filter((d) => `${d.file}:${d.line}:${d.col}` === expected[nth]);
  assert.equal(here.length, 1);
  return here[0]!.message;
}

test('the shipped examples check clean', async () => {
  const loaded = await loadRuleDir(EXAMPLES);
  assert.equal(loaded.ok, true, loaded.ok ? '' : loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
  const paths = await findRuleFiles(EXAMPLES);
  assert.ok(paths.length >= 4, 'the examples are found');
  const files: Record<string, string> = {};
  for (const p of paths) files[p] = await readFile(p, 'utf8');
  assert.deepEqual(checkMarked(files).ds, []);
});

test('the shared declarations used below are clean, and references to them resolve', () => {
  assert.deepEqual(checkMarked({ 'shared.vigil': SHARED }).ds, []);
  expectAtMarks('rule r { when logs notify chat then oncall after 5m run fix }');
});

test('a name repeated across files is reported at the second, for every kind of declaration', () => {
  const a = `rule r { when logs }
channel c log { }
check k tcp "db:5432" every 10s
playbook p { step exec ["true"] }
maintenance m { match rule == "r" from "2026-01-01T00:00:00Z" to "2026-01-02T00:00:00Z" }
inhibit i { source severity == "critical" target severity == "warning" }
`;
  const b = `inhibit ▸i { source severity == "critical" target severity == "info" }
rule ▸r { when metrics }
maintenance ▸m { match rule == "x" from "2026-02-01T00:00:00Z" to "2026-02-02T00:00:00Z" }
channel ▸c webhook { url "https://example.com/hook" }
playbook ▸p { step exec ["false"] }
check ▸k tcp "db:5433" every 10s
`;
  const { ds, expected } = checkMarked({ 'a.vigil': a, 'b.vigil': b });
  assert.deepEqual(positions(ds), expected);
  assert.equal(expected.length, 6);
  const rule = ds.find((d) => d.line === 2)!;
  assert.ok(rule.message.includes('"r"'), 'the repeated name is named');
});

test('a name repeated within one file is reported at the second', () => {
  const { ds, expected } = checkMarked({ 't.vigil': 'rule r { when logs }\nrule ▸r { when metrics }\n' });
  assert.deepEqual(positions(ds), expected);
});

test('declarations of different kinds may share a name', () => {
  const src = `channel x log { }
rule x { when logs notify x run x }
check x http "http://127.0.0.1/" every 10s
playbook x { step notify x }
maintenance x { match rule == "x" weekly sat 00:00-06:00 "UTC" }
inhibit x { source rule == "x" target rule == "y" }
`;
  assert.deepEqual(checkMarked({ 't.vigil': src }).ds, []);
});

test('an unknown channel in notify and in escalation steps', () => {
  const src = 'rule r {\n  when logs\n  notify chat, ▸nope then oncall after 5m then ▸gone, chat after 10m\n}\n';
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src, 0).includes('nope'));
  assert.ok(messageAt(ds, src, 1).includes('gone'));
});

test('an unknown channel in a playbook notify step and in on failure notify', () => {
  const src = 'playbook p {\n  step notify chat, ▸pager\n  on failure notify oncall, ▸sms\n}\n';
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src, 0).includes('pager'));
  assert.ok(messageAt(ds, src, 1).includes('sms'));
});

test('an unknown playbook in run', () => {
  const src = 'rule r {\n  when logs\n  run ▸restart_all\n}\n';
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src).includes('restart_all'));
});

test('a playbook is not a channel and a channel is not a playbook', () => {
  expectAtMarks('rule r { when logs notify ▸fix run ▸chat }\n');
});

test('an invalid regular expression is reported at its pattern string, wherever it is', () => {
  expectAtMarks(`rule a { when logs where path =~ ▸"(" }
rule b { when logs where path !~ ▸"[a-" i }
rule c { when latest health by host is message =~ ▸"*x" }
rule d { when ratio(path =~ ▸"a{2,1}") of logs over 1m > 0.5 }
rule e { when logs where a == 1 then logs where path =~ ▸"(?<n>a)(?<n>b)" within 1m }
maintenance m { match rule =~ ▸"\\\\" from "2026-01-01T00:00:00Z" to "2026-01-02T00:00:00Z" }
inhibit i { source rule =~ ▸")" target rule == "x" }
playbook p { step wait logs where path =~ ▸"+" within 1m }
`);
});

test('a pattern RE2 does not support is reported at its string with RE2\'s reason', () => {
  const src = `rule a { when logs where path =~ ▸"(a)\\\\1" }
rule b { when logs where path !~ ▸"^(?!/health)" i }
inhibit i { source rule =~ ▸"x(?<=y)" target rule == "x" }
rule c {
  when logs where host == "h" and
    message =~ ▸"\\\\u0041"
}
`;
  const ds = expectAtMarks(src);
  assert.match(messageAt(ds, src, 0), /RE2.*invalid escape sequence: `\\1`/);
  assert.match(messageAt(ds, src, 1), /RE2.*unsupported Perl syntax: `\(\?!`/);
  assert.match(messageAt(ds, src, 3), /RE2.*invalid escape sequence: `\\u`/);
});

test('valid regular expressions, with and without i, give no diagnostic', () => {
  expectAtMarks('rule r { when logs where path =~ "^/api/(users|posts)/\\\\d+$" and message !~ "time(out)?" i and host =~ "" }\n');
});

test('durations of 0 are out of range except in for and keep; 366d is the longest anywhere', () => {
  expectAtMarks(`rule r { when logs for 0s keep 0s }
rule s { when count of logs over 366d > 1 for 366d keep 1ms repeat 1ms }
`);
  expectAtMarks(`rule a { when count of logs over ▸0s > 1 }
rule b { when logs quiet ▸0s repeat ▸0ms }
rule c { when logs where a == 1 then not logs where b == 1 within ▸0s quiet ▸367d }
rule d { when absent logs for ▸0s }
rule e { when logs for ▸367d keep ▸400d }
rule f { when changed version of health quiet ▸0s }
check k http "http://127.0.0.1/" every ▸0s timeout ▸367d
channel m email { to "a@b.c" batch ▸0s }
playbook p { limit 1 per ▸0s cooldown ▸0s step exec ["x"] timeout ▸0s step wait logs within ▸367d }
`);
});

test('escalation delays must increase from one step to the next', () => {
  expectAtMarks('rule ok { when logs notify chat then oncall after 5m then chat after 1h }\n');
  const src = `rule r {
  when logs
  notify chat then oncall after 10m then chat after ▸10m then oncall after ▸5m
}
`;
  expectAtMarks(src);
});

test('whole numbers out of range: limit, retry, expect status', () => {
  expectAtMarks(`check ok http "http://127.0.0.1/" every 10s expect status 100
playbook ok { limit 1 per 1h step exec ["x"] retry 0 step exec ["y"] retry 100 step http GET "http://127.0.0.1/" expect status 599 }
`);
  expectAtMarks(`check h http "http://127.0.0.1/" every 10s expect status ▸99
playbook p {
  limit ▸0 per 1h
  step exec ["x"] retry ▸101
  step ssh "web1" ["y"] retry ▸1.5
  step http POST "http://127.0.0.1/" expect status ▸600
}
playbook q { limit ▸2.5 per 1h step exec ["x"] }
`);
});

test('a numeric aggregate compared with a string or a boolean', () => {
  expectAtMarks(`rule a { when count of logs over 1m > ▸"5" }
rule b { when avg(v) of metrics over 1m > 90 clear < ▸"80" }
rule c { when distinct(user) of logs over 1m >= ▸true }
rule d { when p99(duration_ms) of logs over 1m > ▸"slow" }
rule e { when rate of logs over 1m == ▸"1" }
`);
  // last keeps any value, so it may be compared with a string.
  expectAtMarks('rule ok { when last(version) of health over 1h == "1.2.3" }\n');
});

test('a ratio threshold must lie in [0, 1]', () => {
  expectAtMarks('rule ok { when ratio(status_code >= 500) of logs over 1m >= 0 clear <= 1 }\n');
  expectAtMarks(`rule a { when ratio(status_code >= 500) of logs over 1m > ▸1.5 }
rule b { when ratio(status_code >= 500) of logs over 1m > 0.5 clear < ▸-0.1 }
rule c { when ratio(ok == false) of logs over 1m > ▸50 }
`);
});

test('$label is refused outside playbooks and allowed in a playbook wait step', () => {
  const src = `rule a { when logs where host == ▸$host }
rule b { when latest health by host is status == ▸$status }
rule c { when ratio(host == ▸$h) of logs over 1m > 0.5 }
rule d { when deploys then logs where service == ▸$service within 5m }
maintenance m { match host == ▸$host weekly sun 02:00-04:00 "UTC" }
inhibit i { source rule == "a" and host == ▸$host target rule == ▸$rule }
playbook ok { step wait health where check == "web" and host == $host and value > $min + 1 within 1m }
`;
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src, 0).includes('$host'));
});

test('env(NAME) is checked for its form only: whether the variable is set is for the service to say', () => {
  // The check reads no environment: a variable nobody sets is no problem here (see test/cli/sinks.test.ts).
  expectAtMarks('channel hook webhook { url "https://example.com/hook" secret env(VIGIL_TEST_NEVER_SET) }\n');
  // A name that is not a variable name does not parse.
  const { diagnostics } = parseRuleFile('t.vigil', 'channel hook webhook { url "https://example.com/hook" secret env(1X) }\n');
  assert.deepEqual(diagnostics.map((d) => `${d.line}:${d.col}`), ['1:66']);
});

test('maintenance: unknown time zone, bad times of day, empty weekly window', () => {
  expectAtMarks(`maintenance ok {
  match rule == "r"
  weekly mon, tue, wed 09:00-17:00 "Europe/Copenhagen"
  weekly sat 00:00-24:00 "UTC"
}
`);
  expectAtMarks(`maintenance m {
  match rule == "r"
  weekly mon 09:00-17:00 ▸"Europe/Atlantis"
  ▸weekly tue 25:00-26:00 "UTC"
  ▸weekly wed 09:60-10:00 "UTC"
  ▸weekly thu 24:30-10:00 "UTC"
  ▸weekly fri 10:00-10:00 "UTC"
}
`);
});

test('maintenance: bad ISO times and a window that ends before it starts', () => {
  expectAtMarks('maintenance ok { match rule == "r" from "2026-01-01T00:00:00Z" to "2026-01-01T00:00:00.001Z" }\n');
  expectAtMarks(`maintenance m {
  match rule == "r"
  from ▸"soon" to "2026-01-01T00:00:00Z"
  from "2026-01-01T00:00:00Z" to ▸"2026-13-01T00:00:00Z"
  from "2026-01-02T00:00:00Z" to ▸"2026-01-01T00:00:00Z"
  from "2026-01-01T10:00:00+02:00" to ▸"2026-01-01T08:00:00Z"
  from "2026-01-01T00:00:00Z" to ▸"2026-01-01T00:00:00Z"
}
`);
});

test('a bad http check URL', () => {
  expectAtMarks(`check ok1 http "https://example.com/health" every 10s
check ok2 http "http://{host}:8080/health" every 10s host "web1"
check a http ▸"not a url" every 10s
check b http ▸"ftp://example.com/" every 10s
check c http ▸"http://" every 10s
`);
});

test('a bad tcp or tls "host:port"', () => {
  expectAtMarks(`check ok1 tcp "db.local:5432" every 10s
check ok2 tls "example.com:443" every 1h
check a tcp ▸"db.local" every 10s
check b tcp ▸"db.local:0" every 10s
check c tcp ▸"db.local:65536" every 10s
check d tls ▸":443" every 10s
check e tcp ▸"db.local:http" every 10s
`);
});

test('expect status and expect body apply to http checks only', () => {
  expectAtMarks(`check ok http "http://127.0.0.1/" every 10s expect status 200 expect body contains "ok"
check a tcp "db.local:5432" every 10s expect status ▸200
check b tls "example.com:443" every 1h expect body contains ▸"x"
check c exec ["true"] every 10s expect status ▸200
`);
});

test('an unknown HTTP method in a playbook http step', () => {
  const src = `playbook ok { step http GET "http://127.0.0.1/" step http DELETE "http://127.0.0.1/x" }
playbook p { step http ▸FETCH "http://127.0.0.1/" step http ▸get "http://127.0.0.1/" }
`;
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src, 0).includes('FETCH'));
});

test('the engine\'s own label names rule and severity cannot be set in labels {}', () => {
  const src = 'rule r {\n  when logs\n  labels { team = "ops", ▸rule = "x", ▸severity = "low", env = "{env}" }\n}\n';
  const ds = expectAtMarks(src);
  assert.ok(messageAt(ds, src, 0).includes('rule'));
  assert.ok(messageAt(ds, src, 1).includes('severity'));
});

test('email addresses must look like addresses', () => {
  expectAtMarks(`channel ok email { to "ops@example.com", "a.b+c@d" }
channel m email { to "ops@example.com", ▸"ops", ▸"a@b@c", ▸"a b@c", ▸"@example.com", ▸"ops@" }
`);
});

test('diagnostics from several files come back together, each with its file', () => {
  const { ds, expected } = checkMarked({
    'shared.vigil': SHARED,
    'rules/a.vigil': 'rule a { when logs notify ▸pager }\n',
    'rules/b.vigil': '\n\nrule b { when logs where path =~ ▸"(" run ▸nothing }\n',
    'rules/c.vigil': 'rule c { when logs notify chat }\n',
  });
  assert.deepEqual(positions(ds), expected);
  assert.deepEqual([...new Set(ds.map((d) => d.file))].sort(), ['rules/a.vigil', 'rules/b.vigil']);
});

test('rate(F) and increase(F): a threshold below zero never holds', () => {
  expectAtMarks('rule ok { when rate(value) of metrics over 1m > 0 clear <= 0 }\nrule ok2 { when increase(value) of metrics over 10m >= 0 }\n');
  const never = `rule a { when increase(value) of metrics over 10m ▸< 0 }
rule b { when rate(value) of metrics over 1m > 1 clear ▸<= -1 }
`;
  const ds = expectAtMarks(never);
  assert.match(messageAt(ds, never, 0), /^increase\(\.\.\.\) is never negative/);
  assert.match(messageAt(ds, never, 1), /^rate\(\.\.\.\) is never negative/);
});
