import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripLocs, type Condition, type Decl, type Pred, type RuleFile, type ValueExpr } from '../../rules/ast.js';
import { countParses, parseRuleFile } from '../../rules/parse.js';
import { printRuleFile } from '../../rules/print.js';
import { prng as random } from '../support/prng.js';

// Expected-AST builders; locations are compared separately.
const id = (name: string) => ({ kind: 'ident', name });
const f = (...path: string[]) => ({ kind: 'field', path });
const lit = (value: string | number | boolean) => ({ kind: 'literal', value });
const s = (value: string) => ({ kind: 'string', value });
const d = (ms: number) => ({ kind: 'duration', ms });
const sel = (stream: string, where?: unknown) => ({ kind: 'selector', stream: id(stream), ...(where ? { where } : {}) });
const cmp = (op: string, left: unknown, right: unknown) => ({ kind: 'compare', op, left, right });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: 'binary', op, left, right });
const neg = (operand: unknown) => ({ kind: 'neg', operand });
const and = (left: unknown, right: unknown) => ({ kind: 'and', left, right });
const or = (left: unknown, right: unknown) => ({ kind: 'or', left, right });
const not = (operand: unknown) => ({ kind: 'not', operand });
const x1 = cmp('==', f('x'), lit(1));

/** Parses a file that must be valid: exactly one parse, no diagnostics, and print → parse gives the same AST. */
function parseValid(text: string): RuleFile {
  assert.equal(countParses(text), 1, `expected exactly one parse of:\n${text}`);
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(diagnostics, []);
  const printed = printRuleFile(ast);
  const again = parseRuleFile('t.vigil', printed);
  assert.deepEqual(again.diagnostics, [], printed);
  assert.equal(countParses(printed), 1, printed);
  assert.deepEqual(stripLocs(again.ast.decls), stripLocs(ast.decls), printed);
  return ast;
}

/** The single declaration of a valid source, without locations. */
function decl(text: string): Decl {
  const ast = parseValid(text);
  assert.equal(ast.decls.length, 1);
  return stripLocs(ast.decls[0]!);
}

function when(condition: string): Condition {
  const r = decl(`rule r { when ${condition} }`);
  assert.equal(r.kind, 'rule');
  return (r as { when: Condition }).when;
}

function pred(text: string): Pred {
  const c = when(`logs where ${text}`);
  assert.equal(c.kind, 'occurs');
  return (c as { selector: { where: Pred } }).selector.where;
}

function value(text: string): ValueExpr {
  const p = pred(`${text} == 0`);
  return (p as { left: ValueExpr }).left;
}

// --- conditions -------------------------------------------------------------------------

test('plain selector condition, with by and quiet', () => {
  assert.deepEqual(when('logs'), { kind: 'occurs', selector: sel('logs'), by: [] });
  assert.deepEqual(when('logs where level == "error" by host, labels.env quiet 10m'), {
    kind: 'occurs',
    selector: sel('logs', cmp('==', f('level'), lit('error'))),
    by: [f('host'), f('labels', 'env')],
    quiet: d(600_000),
  });
});

test('latest ... by ... is PRED', () => {
  assert.deepEqual(when('latest health where check == "web" by host is status == "down"'), {
    kind: 'latest',
    selector: sel('health', cmp('==', f('check'), lit('web'))),
    by: [f('host')],
    is: cmp('==', f('status'), lit('down')),
  });
  assert.deepEqual(when('latest health is up == true'), {
    kind: 'latest',
    selector: sel('health'),
    by: [],
    is: cmp('==', f('up'), lit(true)),
  });
});

test('aggregates: every function, thresholds with signs, clear', () => {
  assert.deepEqual(when('count of logs where level == "error" over 1m by service > 50'), {
    kind: 'aggregate',
    agg: { fn: 'count' },
    selector: sel('logs', cmp('==', f('level'), lit('error'))),
    over: d(60_000),
    by: [f('service')],
    threshold: { op: '>', value: lit(50) },
  });
  assert.deepEqual(when('avg(value) of metrics over 5m by host > 90 clear < 80'), {
    kind: 'aggregate',
    agg: { fn: 'avg', field: f('value') },
    selector: sel('metrics'),
    over: d(300_000),
    by: [f('host')],
    threshold: { op: '>', value: lit(90) },
    clear: { op: '<', value: lit(80) },
  });
  assert.deepEqual(when('rate of logs over 1h < -0.5'), {
    kind: 'aggregate',
    agg: { fn: 'rate' },
    selector: sel('logs'),
    over: d(3_600_000),
    by: [],
    threshold: { op: '<', value: lit(-0.5) },
  });
  assert.deepEqual(when('rate(value) of metrics where name == "http_requests_total" over 5m by instance > 0.5'), {
    kind: 'aggregate',
    agg: { fn: 'rate', field: f('value') },
    selector: sel('metrics', cmp('==', f('name'), lit('http_requests_total'))),
    over: d(300_000),
    by: [f('instance')],
    threshold: { op: '>', value: lit(0.5) },
  });
  assert.deepEqual(when('increase(labels.x) of metrics over 1h >= 3'), {
    kind: 'aggregate',
    agg: { fn: 'increase', field: f('labels', 'x') },
    selector: sel('metrics'),
    over: d(3_600_000),
    by: [],
    threshold: { op: '>=', value: lit(3) },
  });
  assert.deepEqual(when('ratio(status >= 500 and path =~ "^/api") of logs over 5m >= 0.05'), {
    kind: 'aggregate',
    agg: {
      fn: 'ratio',
      pred: and(cmp('>=', f('status'), lit(500)), { kind: 'match', negated: false, value: f('path'), pattern: s('^/api'), ignoreCase: false }),
    },
    selector: sel('logs'),
    over: d(300_000),
    by: [],
    threshold: { op: '>=', value: lit(0.05) },
  });
  for (const fn of ['sum', 'min', 'max', 'last', 'distinct', 'p50', 'p90', 'p95', 'p99']) {
    const c = when(`${fn}(a.b) of metrics over 30s != "x"`);
    assert.deepEqual((c as { agg: unknown }).agg, { fn, field: f('a', 'b') });
  }
  assert.deepEqual((when('count of logs over 1m == true') as { threshold: unknown }).threshold, { op: '==', value: lit(true) });
});

test('absent ... for D by ..., and a rule for clause after it', () => {
  const r = decl('rule r { when absent logs where service == "api" for 5m by host for 2m }');
  assert.deepEqual(r, {
    kind: 'rule',
    name: id('r'),
    when: { kind: 'absent', selector: sel('logs', cmp('==', f('service'), lit('api'))), for: d(300_000), by: [f('host')] },
    for: d(120_000),
  });
});

test('sequences: then, then not, by and quiet', () => {
  assert.deepEqual(when('deploys then logs where level == "error" within 10m by service quiet 1m'), {
    kind: 'sequence',
    first: sel('deploys'),
    negated: false,
    second: sel('logs', cmp('==', f('level'), lit('error'))),
    within: d(600_000),
    by: [f('service')],
    quiet: d(60_000),
  });
  assert.deepEqual(when('logs where x == 1 then not logs where x == 2 within 30s'), {
    kind: 'sequence',
    first: sel('logs', x1),
    negated: true,
    second: sel('logs', cmp('==', f('x'), lit(2))),
    within: d(30_000),
    by: [],
  });
});

test('changed FIELD of SELECTOR', () => {
  assert.deepEqual(when('changed version of deploys by service quiet 1h'), {
    kind: 'changed',
    field: f('version'),
    selector: sel('deploys'),
    by: [f('service')],
    quiet: d(3_600_000),
  });
});

// --- rule clauses -----------------------------------------------------------------------

test('every rule clause, written in any order', () => {
  const r = decl(`rule full {
    run fix
    repeat 1h
    notify a, b then c after 15m then d, e after 1h
    summary "down on {host}"
    labels { team = "ops", env = "prod", }
    severity info
    keep 10m
    for 30s
    when logs
  }`);
  assert.deepEqual(r, {
    kind: 'rule',
    name: id('full'),
    when: { kind: 'occurs', selector: sel('logs'), by: [] },
    for: d(30_000),
    keep: d(600_000),
    severity: { value: 'info' },
    labels: [
      { key: id('team'), value: s('ops') },
      { key: id('env'), value: s('prod') },
    ],
    summary: s('down on {host}'),
    notify: [{ channels: [id('a'), id('b')] }, { channels: [id('c')], after: d(900_000) }, { channels: [id('d'), id('e')], after: d(3_600_000) }],
    repeat: d(3_600_000),
    run: id('fix'),
  });
  for (const sev of ['warning', 'critical']) {
    assert.deepEqual((decl(`rule r { when logs severity ${sev} }`) as { severity: unknown }).severity, { value: sev });
  }
  assert.deepEqual((decl('rule r { when logs labels {} }') as { labels: unknown }).labels, []);
  assert.deepEqual((decl('rule r { when logs labels { a = "1" } }') as { labels: unknown }).labels, [{ key: id('a'), value: s('1') }]);
});

test('durations add up their parts', () => {
  assert.deepEqual((decl('rule r { when logs for 1h30m }') as { for: unknown }).for, d(5_400_000));
  assert.deepEqual((decl('rule r { when logs for 1w2d3h4m5s6ms }') as { for: unknown }).for, d(604_800_000 + 2 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5000 + 6));
  assert.deepEqual((decl('rule r { when logs keep 0s }') as { keep: unknown }).keep, d(0));
});

// --- other declarations -----------------------------------------------------------------

test('channels of every type', () => {
  assert.deepEqual(decl('channel oncall email { to "a@x", "b@x" subject "alert" batch 1m }'), {
    kind: 'channel',
    type: 'email',
    name: id('oncall'),
    to: [s('a@x'), s('b@x')],
    subject: s('alert'),
    batch: d(60_000),
  });
  assert.deepEqual(decl('channel chat webhook { url "https://x" format slack secret env(HOOK_SECRET) header "A" "1" header "B" "2" batch 30s }'), {
    kind: 'channel',
    type: 'webhook',
    name: id('chat'),
    url: s('https://x'),
    format: { value: 'slack' },
    secret: { kind: 'env', name: 'HOOK_SECRET' },
    headers: [
      { name: s('A'), value: s('1') },
      { name: s('B'), value: s('2') },
    ],
    batch: d(30_000),
  });
  assert.deepEqual(decl('channel w webhook { format json url "u" }'), {
    kind: 'channel',
    type: 'webhook',
    name: id('w'),
    url: s('u'),
    format: { value: 'json' },
    headers: [],
  });
  assert.deepEqual(decl('channel k kafka { topic "alerts" }'), { kind: 'channel', type: 'kafka', name: id('k'), topic: s('alerts') });
  assert.deepEqual(decl('channel l log { }'), { kind: 'channel', type: 'log', name: id('l') });
});

test('checks of every type, options in any order', () => {
  assert.deepEqual(
    decl('check web http "http://h/" every 10s timeout 2s expect status 200 expect body contains "ok" host "web1" service "site" labels { env = "prod" }'),
    {
      kind: 'check',
      type: 'http',
      name: id('web'),
      target: s('http://h/'),
      every: d(10_000),
      timeout: d(2000),
      expectStatus: lit(200),
      expectBodyContains: s('ok'),
      host: s('web1'),
      service: s('site'),
      labels: [{ key: id('env'), value: s('prod') }],
    },
  );
  assert.deepEqual(decl('check db tcp "db:5432" host "db1" every 30s'), {
    kind: 'check',
    type: 'tcp',
    name: id('db'),
    target: s('db:5432'),
    every: d(30_000),
    host: s('db1'),
  });
  assert.deepEqual(decl('check cert tls "example.com:443" every 1d'), {
    kind: 'check',
    type: 'tls',
    name: id('cert'),
    target: s('example.com:443'),
    every: d(86_400_000),
  });
  assert.deepEqual(decl('check disk exec ["df", "-h"] every 1m timeout 5s'), {
    kind: 'check',
    type: 'exec',
    name: id('disk'),
    argv: [s('df'), s('-h')],
    every: d(60_000),
    timeout: d(5000),
  });
});

test('playbooks with every step kind', () => {
  assert.deepEqual(
    decl(`playbook fix {
      limit 3 per 1h
      cooldown 2m
      approve
      step exec ["systemctl", "restart", "{service}"] timeout 30s retry 2
      step ssh "{host}" ["sudo", "reboot"] retry 1 timeout 1m
      step http POST "http://h/restart" body "{}" header "A" "1" expect status 204 timeout 5s
      step docker restart "web"
      step wait health where check == "web" and host == $host within 60s
      step notify oncall, chat
      on failure notify oncall
    }`),
    {
      kind: 'playbook',
      name: id('fix'),
      limit: { count: lit(3), per: d(3_600_000) },
      cooldown: d(120_000),
      approve: true,
      steps: [
        { kind: 'exec', argv: [s('systemctl'), s('restart'), s('{service}')], timeout: d(30_000), retry: lit(2) },
        { kind: 'ssh', target: s('{host}'), argv: [s('sudo'), s('reboot')], timeout: d(60_000), retry: lit(1) },
        { kind: 'http', method: id('POST'), url: s('http://h/restart'), body: s('{}'), headers: [{ name: s('A'), value: s('1') }], expectStatus: lit(204), timeout: d(5000) },
        { kind: 'docker', action: 'restart', container: s('web') },
        {
          kind: 'wait',
          selector: sel('health', and(cmp('==', f('check'), lit('web')), cmp('==', f('host'), { kind: 'labelRef', name: 'host' }))),
          within: d(60_000),
        },
        { kind: 'notify', channels: [id('oncall'), id('chat')] },
      ],
      onFailure: [id('oncall')],
    },
  );
  assert.deepEqual(decl('playbook p { step exec [] }'), { kind: 'playbook', name: id('p'), approve: false, steps: [{ kind: 'exec', argv: [] }] });
  assert.deepEqual((decl('playbook p { step http GET "u" }') as unknown as { steps: unknown[] }).steps[0], { kind: 'http', method: id('GET'), url: s('u'), headers: [] });
});

test('maintenance windows: weekly and absolute schedules', () => {
  assert.deepEqual(
    decl(`maintenance nightly {
      match labels.env == "staging" or rule == "noisy"
      weekly mon, tue, sun 22:00-06:00 "Europe/Copenhagen"
      from "2026-01-01T00:00:00Z" to "2026-01-02T00:00:00Z"
      weekly sat 00:00-23:59 "UTC"
    }`),
    {
      kind: 'maintenance',
      name: id('nightly'),
      match: or(cmp('==', f('labels', 'env'), lit('staging')), cmp('==', f('rule'), lit('noisy'))),
      schedules: [
        { kind: 'weekly', days: ['mon', 'tue', 'sun'], from: '22:00', to: '06:00', zone: s('Europe/Copenhagen') },
        { kind: 'absolute', from: s('2026-01-01T00:00:00Z'), to: s('2026-01-02T00:00:00Z') },
        { kind: 'weekly', days: ['sat'], from: '00:00', to: '23:59', zone: s('UTC') },
      ],
    },
  );
});

test('inhibit with and without equal', () => {
  assert.deepEqual(decl('inhibit down { source rule == "host_down" target severity == "warning" equal host, labels.dc }'), {
    kind: 'inhibit',
    name: id('down'),
    source: cmp('==', f('rule'), lit('host_down')),
    target: cmp('==', f('severity'), lit('warning')),
    equal: [f('host'), f('labels', 'dc')],
  });
  assert.deepEqual(decl('inhibit i { target a == 1 source b == 2 }'), {
    kind: 'inhibit',
    name: id('i'),
    source: cmp('==', f('b'), lit(2)),
    target: cmp('==', f('a'), lit(1)),
    equal: [],
  });
});

test('several declarations in one file', () => {
  const ast = parseValid('channel a log { } check c tcp "h:1" every 1s rule r { when logs } check d tcp "h:2" every 2s');
  assert.deepEqual(
    ast.decls.map((x) => `${x.kind} ${"name" in x ? x.name.name : ""}`),
    ['channel a', 'check c', 'rule r', 'check d'],
  );
});

// --- predicates and values --------------------------------------------------------------

test('predicate precedence: not over and over or, left-associative', () => {
  const a = cmp('==', f('a'), lit(1));
  const b = cmp('==', f('b'), lit(2));
  const c = cmp('==', f('c'), lit(3));
  assert.deepEqual(pred('a == 1 or b == 2 and not c == 3'), or(a, and(b, not(c))));
  assert.deepEqual(pred('not a == 1 and b == 2'), and(not(a), b));
  assert.deepEqual(pred('(a == 1 or b == 2) and c == 3'), and(or(a, b), c));
  assert.deepEqual(pred('a == 1 or b == 2 or c == 3'), or(or(a, b), c));
  assert.deepEqual(pred('a == 1 and (b == 2 and c == 3)'), and(a, and(b, c)));
  assert.deepEqual(pred('not not a == 1'), not(not(a)));
  assert.deepEqual(pred('not (a == 1 or b == 2)'), not(or(a, b)));
  assert.deepEqual(pred('((a == 1))'), a);
});

test('not in versus a negated in', () => {
  assert.deepEqual(pred('x not in (1, -2, "a", true)'), {
    kind: 'in',
    negated: true,
    value: f('x'),
    list: [lit(1), lit(-2), lit('a'), lit(true)],
  });
  assert.deepEqual(pred('not x in (false)'), not({ kind: 'in', negated: false, value: f('x'), list: [lit(false)] }));
});

test('regular expressions, contains, exists', () => {
  assert.deepEqual(pred('path =~ "^/api" i'), { kind: 'match', negated: false, value: f('path'), pattern: s('^/api'), ignoreCase: true });
  assert.deepEqual(pred('path !~ "x"'), { kind: 'match', negated: true, value: f('path'), pattern: s('x'), ignoreCase: false });
  assert.deepEqual(pred('message contains "timeout"'), { kind: 'contains', value: f('message'), text: s('timeout') });
  assert.deepEqual(pred('not exists labels.env'), not({ kind: 'exists', field: f('labels', 'env') }));
});

test('every comparison operator', () => {
  for (const op of ['==', '!=', '<', '<=', '>', '>=']) assert.deepEqual(pred(`a ${op} 1`), cmp(op, f('a'), lit(1)));
});

test('keywords in a value position are fields', () => {
  assert.deepEqual(pred('check == name and severity != value and for == by'), and(and(cmp('==', f('check'), f('name')), cmp('!=', f('severity'), f('value'))), cmp('==', f('for'), f('by'))));
  assert.deepEqual(pred('labels.env == i'), cmp('==', f('labels', 'env'), f('i')));
});

test('arithmetic precedence, associativity and unary minus', () => {
  assert.deepEqual(value('a + b * c'), bin('+', f('a'), bin('*', f('b'), f('c'))));
  assert.deepEqual(value('a - b - c'), bin('-', bin('-', f('a'), f('b')), f('c')));
  assert.deepEqual(value('a / (b / c)'), bin('/', f('a'), bin('/', f('b'), f('c'))));
  assert.deepEqual(value('(a + b) * c'), bin('*', bin('+', f('a'), f('b')), f('c')));
  assert.deepEqual(value('-x * 2'), bin('*', neg(f('x')), lit(2)));
  assert.deepEqual(value('-5'), neg(lit(5)));
  assert.deepEqual(value('a - -1'), bin('-', f('a'), neg(lit(1))));
  assert.deepEqual(value('-(a + 1)'), neg(bin('+', f('a'), lit(1))));
  assert.deepEqual(value('- -a'), neg(neg(f('a'))));
  assert.deepEqual(value('1e6 / 0.05'), bin('/', lit(1e6), lit(0.05)));
  assert.deepEqual(value('$host'), { kind: 'labelRef', name: 'host' });
  assert.deepEqual(value('"s" + true'), bin('+', lit('s'), lit(true)));
});

test('a parenthesised value and a parenthesised predicate are told apart', () => {
  assert.deepEqual(pred('(a) == (b)'), cmp('==', f('a'), f('b')));
  assert.deepEqual(pred('(a + 1 == b)'), cmp('==', bin('+', f('a'), lit(1)), f('b')));
  assert.deepEqual(pred('((a) == 1)'), cmp('==', f('a'), lit(1)));
});

// --- locations ----------------------------------------------------------------------------

test('locations are the first token of each node', () => {
  const { ast } = parseRuleFile('t.vigil', 'rule r {\n  when latest health where (a + 1) * 2 > -x by host is ok == true\n  notify a then b after 1m\n}\n');
  const r = ast.decls[0] as Extract<Decl, { kind: 'rule' }>;
  assert.deepEqual(r.loc, { line: 1, col: 1 });
  assert.deepEqual(r.name.loc, { line: 1, col: 6 });
  assert.deepEqual(r.when.loc, { line: 2, col: 8 });
  const c = r.when as Extract<Condition, { kind: 'latest' }>;
  assert.deepEqual(c.selector.loc, { line: 2, col: 15 });
  const where = c.selector.where as Extract<Pred, { kind: 'compare' }>;
  assert.deepEqual(where.loc, { line: 2, col: 28 });
  assert.deepEqual((where.left as { left: { loc: unknown } }).left.loc, { line: 2, col: 28 });
  assert.deepEqual(where.right.loc, { line: 2, col: 42 });
  assert.deepEqual(c.by[0]!.loc, { line: 2, col: 48 });
  assert.deepEqual(r.notify!.map((n) => n.loc), [
    { line: 3, col: 3 },
    { line: 3, col: 12 },
  ]);
  assert.deepEqual(r.notify![1]!.after!.loc, { line: 3, col: 25 });
});

// --- generated programs -------------------------------------------------------------------


/**
 * Random ASTs over the whole language. Names deliberately include words that are keywords
 * elsewhere (`for`, `then`, `by`, `i`, `latest`, ...) to probe the ambiguity traps.
 */
function generator(seed: number) {
  const rnd = random(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const maybe = <T>(make: () => T): T | undefined => (rnd() < 0.5 ? make() : undefined);
  const opt = <K extends string, V>(key: K, v: V | undefined) => (v === undefined ? {} : { [key]: v });
  const NAMES = ['host', 'value', 'check', 'severity', 'name', 'for', 'by', 'then', 'within', 'i', 'is', 'of', 'over', 'quiet', 'where', 'latest', 'count', 'absent', 'changed', 'rule', 'step', 'labels', 'weekly', 'match', 'clear', 'notify', 'x'];
  const STRINGS = ['', 'a', 'disk "/" full', 'line\nbreak\ttab', 'é ✓ 😀', '\\', '{host}'];
  const loc = { line: 0, col: 0 };
  const ident = () => ({ kind: 'ident' as const, name: pick(NAMES), loc });
  const str = () => ({ kind: 'string' as const, value: pick(STRINGS), loc });
  const dur = () => ({ kind: 'duration' as const, ms: pick([0, 1, 500, 1000, 90_000, 3_600_000, 86_400_000, 604_800_000, 694_861_001]), loc });
  const field = () => ({ kind: 'field' as const, path: Array.from({ length: 1 + int(3) }, () => pick(NAMES)), loc });
  const number = (signed: boolean) => (signed && rnd() < 0.3 ? -1 : 1) * pick([0, 1, 42, 0.05, 1e6, 1e21, 1.5e-7, 0.1 + 0.2]);
  const literal = (signed: boolean) => {
    const r = rnd();
    const v = r < 0.4 ? number(signed) : r < 0.7 ? pick(STRINGS) : rnd() < 0.5;
    return { kind: 'literal' as const, value: Object.is(v, -0) ? 0 : v, loc };
  };
  const val = (depth: number): ValueExpr => {
    const r = depth <= 0 ? rnd() * 0.6 : rnd();
    if (r < 0.3) return field();
    if (r < 0.5) return literal(false);
    if (r < 0.6) return { kind: 'labelRef', name: pick(NAMES), loc };
    if (r < 0.75) return { kind: 'neg', operand: val(depth - 1), loc };
    return { kind: 'binary', op: pick(['+', '-', '*', '/'] as const), left: val(depth - 1), right: val(depth - 1), loc };
  };
  const pr = (depth: number): Pred => {
    const r = depth <= 0 ? 0.4 + rnd() * 0.6 : rnd();
    if (r < 0.15) return { kind: 'or', left: pr(depth - 1), right: pr(depth - 1), loc };
    if (r < 0.3) return { kind: 'and', left: pr(depth - 1), right: pr(depth - 1), loc };
    if (r < 0.4) return { kind: 'not', operand: pr(depth - 1), loc };
    if (r < 0.6) return { kind: 'compare', op: pick(['==', '!=', '<', '<=', '>', '>='] as const), left: val(2), right: val(2), loc };
    if (r < 0.7) return { kind: 'match', negated: rnd() < 0.5, value: val(1), pattern: str(), ignoreCase: rnd() < 0.5, loc };
    if (r < 0.8) return { kind: 'in', negated: rnd() < 0.5, value: val(1), list: Array.from({ length: 1 + int(3) }, () => literal(true)), loc };
    if (r < 0.9) return { kind: 'contains', value: val(1), text: str(), loc };
    return { kind: 'exists', field: field(), loc };
  };
  // `where` is the one identifier that cannot name a stream.
  const stream = () => ({ kind: 'ident' as const, name: pick(NAMES.filter((n) => n !== 'where')), loc });
  const selector = () => ({ kind: 'selector' as const, stream: stream(), ...opt('where', maybe(() => pr(2))), loc });
  const by = () => (rnd() < 0.5 ? [] : Array.from({ length: 1 + int(2) }, field));
  const threshold = () => ({ op: pick(['==', '!=', '<', '<=', '>', '>='] as const), value: literal(true), loc });
  const condition = (): Condition => {
    switch (int(6)) {
      case 0:
        return { kind: 'occurs', selector: selector(), by: by(), ...opt('quiet', maybe(dur)), loc };
      case 1:
        return { kind: 'latest', selector: selector(), by: by(), is: pr(2), loc };
      case 2: {
        const fn = pick(['count', 'rate', 'sum', 'avg', 'min', 'max', 'last', 'distinct', 'p50', 'p90', 'p95', 'p99', 'ratio', 'increase'] as const);
        // `rate` alone counts events per second; `rate(F)` is the counter rate.
        const bare = fn === 'count' || (fn === 'rate' && rnd() < 0.5);
        const agg = bare ? { fn, loc } : fn === 'ratio' ? { fn, pred: pr(2), loc } : { fn, field: field(), loc };
        return { kind: 'aggregate', agg, selector: selector(), over: dur(), by: by(), threshold: threshold(), ...opt('clear', maybe(threshold)), loc };
      }
      case 3:
        return { kind: 'absent', selector: selector(), for: dur(), by: by(), loc };
      case 4:
        return { kind: 'sequence', first: selector(), negated: rnd() < 0.5, second: selector(), within: dur(), by: by(), ...opt('quiet', maybe(dur)), loc };
      default:
        return { kind: 'changed', field: field(), selector: selector(), by: by(), ...opt('quiet', maybe(dur)), loc };
    }
  };
  const labels = () => Array.from({ length: int(3) }, () => ({ key: ident(), value: str() }));
  const names = () => Array.from({ length: 1 + int(2) }, ident);
  const argv = () => Array.from({ length: int(3) }, str);
  const signed = () => ({ kind: 'literal' as const, value: number(true), loc });
  const headers = () => Array.from({ length: int(2) }, () => ({ name: str(), value: str() }));
  const step = () => {
    switch (int(6)) {
      case 0:
        return { kind: 'exec', argv: argv(), ...opt('timeout', maybe(dur)), ...opt('retry', maybe(signed)), loc };
      case 1:
        return { kind: 'ssh', target: str(), argv: argv(), ...opt('timeout', maybe(dur)), ...opt('retry', maybe(signed)), loc };
      case 2:
        return { kind: 'http', method: ident(), url: str(), ...opt('body', maybe(str)), headers: headers(), ...opt('expectStatus', maybe(signed)), ...opt('timeout', maybe(dur)), loc };
      case 3:
        return { kind: 'docker', action: 'restart', container: str(), loc };
      case 4:
        return { kind: 'wait', selector: selector(), within: dur(), loc };
      default:
        return { kind: 'notify', channels: names(), loc };
    }
  };
  const checkOptions = () => ({
    every: dur(),
    ...opt('timeout', maybe(dur)),
    ...opt('expectStatus', maybe(signed)),
    ...opt('expectBodyContains', maybe(str)),
    ...opt('host', maybe(str)),
    ...opt('service', maybe(str)),
    ...opt('labels', maybe(labels)),
  });
  const declaration = (): Decl => {
    const name = ident();
    switch (int(6)) {
      case 0:
        return {
          kind: 'rule',
          name,
          when: condition(),
          ...opt('for', maybe(dur)),
          ...opt('keep', maybe(dur)),
          ...opt('severity', maybe(() => ({ value: pick(['info', 'warning', 'critical'] as const), loc }))),
          ...opt('labels', maybe(labels)),
          ...opt('summary', maybe(str)),
          ...opt(
            'notify',
            maybe(() => [{ channels: names(), loc }, ...Array.from({ length: int(3) }, () => ({ channels: names(), after: dur(), loc }))]),
          ),
          ...opt('repeat', maybe(dur)),
          ...opt('run', maybe(ident)),
          loc,
        };
      case 1: {
        const type = pick(['email', 'webhook', 'kafka', 'log'] as const);
        if (type === 'email') return { kind: 'channel', type, name, to: Array.from({ length: 1 + int(2) }, str), ...opt('subject', maybe(str)), ...opt('batch', maybe(dur)), loc };
        if (type === 'webhook') {
          const format = maybe(() => ({ value: pick(['json', 'slack'] as const), loc }));
          const secret = maybe(() => ({ kind: 'env' as const, name: pick(NAMES), loc }));
          return { kind: 'channel', type, name, url: str(), ...opt('format', format), ...opt('secret', secret), headers: headers(), ...opt('batch', maybe(dur)), loc };
        }
        if (type === 'kafka') return { kind: 'channel', type, name, topic: str(), loc };
        return { kind: 'channel', type, name, loc };
      }
      case 2:
        return rnd() < 0.3
          ? { kind: 'check', type: 'exec', name, argv: argv(), ...checkOptions(), loc }
          : { kind: 'check', type: pick(['http', 'tcp', 'tls'] as const), name, target: str(), ...checkOptions(), loc };
      case 3:
        return {
          kind: 'playbook',
          name,
          ...opt('limit', maybe(() => ({ count: signed(), per: dur(), loc }))),
          ...opt('cooldown', maybe(dur)),
          approve: rnd() < 0.5,
          steps: Array.from({ length: 1 + int(3) }, step),
          ...opt('onFailure', maybe(names)),
          loc,
        } as Decl;
      case 4: {
        const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
        const schedule = () =>
          rnd() < 0.5
            ? { kind: 'weekly' as const, days: Array.from({ length: 1 + int(3) }, () => pick(days)), from: '09:00', to: '17:30', zone: str(), loc }
            : { kind: 'absolute' as const, from: str(), to: str(), loc };
        return { kind: 'maintenance', name, match: pr(3), schedules: Array.from({ length: 1 + int(2) }, schedule), loc };
      }
      default:
        return { kind: 'inhibit', name, source: pr(3), target: pr(3), equal: rnd() < 0.5 ? [] : Array.from({ length: 1 + int(2) }, field), loc };
    }
  };
  return declaration;
}

test('generated programs print to text with exactly one parse that reads back the same AST', () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const next = generator(seed);
    const decls = Array.from({ length: 4 }, next);
    const text = printRuleFile({ decls, comments: [] });
    assert.equal(countParses(text), 1, `seed ${seed}:\n${text}`);
    const { ast, diagnostics } = parseRuleFile('g.vigil', text);
    assert.deepEqual(diagnostics, [], `seed ${seed}:\n${text}`);
    assert.deepEqual(stripLocs(ast.decls), stripLocs(decls), `seed ${seed}:\n${text}`);
    assert.equal(printRuleFile(ast), text, `seed ${seed}`);
  }
});

test('clauses in any order, repeated ones included, still have exactly one parse', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = random(seed);
    const next = generator(seed);
    const printed = printRuleFile({ decls: [next(), next()], comments: [] });
    // Shuffle the body lines of each block and repeat one of them.
    const text = printed.replace(/((?:\n {2}[^\n]*)+)/g, (body: string) => {
      const lines = body.split('\n').slice(1);
      lines.push(lines[Math.floor(rnd() * lines.length)]!);
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return '\n' + lines.join('\n');
    });
    assert.equal(countParses(text), 1, `seed ${seed}:\n${text}`);
    const { diagnostics } = parseRuleFile('g.vigil', text);
    assert.ok(
      diagnostics.every((x) => x.code === 'E_CHECK'),
      `seed ${seed}:\n${text}\n${JSON.stringify(diagnostics)}`,
    );
  }
});
