import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from '../../engine/model/event.js';
import type { Pred } from '../../rules/ast.js';
import { stripLocs } from '../../rules/ast.js';
import {
  compileField,
  compilePredicate,
  compileValue,
  indexableEquality,
  type PredicateContext,
} from '../../rules/compile-predicate.js';
import { parseRuleFile } from '../../rules/parse.js';

/** The `where` predicate of a rule selector, parsed from real source. */
function where(pred: string): Pred {
  const { ast, diagnostics } = parseRuleFile('t.vigil', `rule r { when logs where ${pred} }`);
  assert.deepEqual(diagnostics, [], pred);
  const decl = ast.decls[0];
  assert.ok(decl?.kind === 'rule' && decl.when.kind === 'occurs' && decl.when.selector.where !== undefined, pred);
  return decl.when.selector.where;
}

/** The `where` predicate of a playbook `wait` step, the one place `$label` belongs. */
function waitWhere(pred: string): Pred {
  const { ast, diagnostics } = parseRuleFile('t.vigil', `playbook p { step wait health where ${pred} within 1m }`);
  assert.deepEqual(diagnostics, [], pred);
  const decl = ast.decls[0];
  assert.ok(decl?.kind === 'playbook', pred);
  const step = decl.steps[0];
  assert.ok(step?.kind === 'wait' && step.selector.where !== undefined, pred);
  return step.selector.where;
}

function ev(fields: Record<string, unknown> = {}): Event {
  return { stream: 'logs', time: 0, ...fields };
}

function holds(pred: string, fields: Record<string, unknown> = {}, ctx?: PredicateContext): boolean {
  return compilePredicate(where(pred), ctx)(ev(fields));
}

/** Asserts each `[predicate, event fields, expected]` case. */
function cases(rows: readonly (readonly [string, Record<string, unknown>, boolean])[]): void {
  for (const [pred, fields, expected] of rows) {
    assert.equal(holds(pred, fields), expected, `${pred} on ${JSON.stringify(fields)}`);
  }
}

test('every comparison operator against a number literal', () => {
  cases([
    ['value == 5', { value: 5 }, true],
    ['value == 5', { value: 6 }, false],
    ['value != 5', { value: 6 }, true],
    ['value != 5', { value: 5 }, false],
    ['value < 5', { value: 4.5 }, true],
    ['value < 5', { value: 5 }, false],
    ['value <= 5', { value: 5 }, true],
    ['value <= 5', { value: 5.01 }, false],
    ['value > 5', { value: 6 }, true],
    ['value > 5', { value: 5 }, false],
    ['value >= 5', { value: 5 }, true],
    ['value >= 5', { value: 4 }, false],
    ['value > 0.05', { value: 0.1 }, true],
    ['value < 1e6', { value: 999999 }, true],
  ]);
});

test('a literal on the left compares the same as on the right', () => {
  cases([
    ['5 < value', { value: 6 }, true],
    ['5 < value', { value: 5 }, false],
    ['5 <= value', { value: 5 }, true],
    ['5 > value', { value: 4 }, true],
    ['5 >= value', { value: 6 }, false],
    ['5 == value', { value: 5 }, true],
    ['5 != value', { value: 5 }, false],
    ['"web1" == host', { host: 'web1' }, true],
    ['"web1" != host', { host: 'web2' }, true],
  ]);
});

test('string equality and inequality', () => {
  cases([
    ['level == "error"', { level: 'error' }, true],
    ['level == "error"', { level: 'Error' }, false],
    ['level != "error"', { level: 'info' }, true],
    ['level != "error"', { level: 'error' }, false],
    // Different types are never equal, so != holds.
    ['level == "error"', { level: 5 }, false],
    ['level != "error"', { level: 5 }, true],
    ['level != "true"', { level: true }, true],
    ['level < "b"', { level: 'a' }, true],
    ['level > "b"', { level: 'a' }, false],
  ]);
});

test('numbers and numeric strings compare as numbers, in both directions', () => {
  cases([
    ['status_code == 200', { status_code: '200' }, true],
    ['status_code == "200"', { status_code: 200 }, true],
    ['status_code != 200', { status_code: '200' }, false],
    ['status_code >= 500', { status_code: '503' }, true],
    ['status_code >= 500', { status_code: '404' }, false],
    ['value > "10"', { value: 9 }, false],
    ['value > "10"', { value: 11 }, true],
    ['value < 10', { value: ' 9.5 ' }, true],
    // A non-numeric string is neither equal to nor ordered with a number.
    ['code == 5', { code: 'abc' }, false],
    ['code != 5', { code: 'abc' }, true],
    ['code < 5', { code: 'abc' }, false],
    ['code >= 5', { code: 'abc' }, false],
  ]);
});

test('booleans compare with boolean literals only', () => {
  cases([
    ['ok == true', { ok: true }, true],
    ['ok == false', { ok: true }, false],
    ['ok != false', { ok: true }, true],
    ['ok == "true"', { ok: true }, false],
    ['ok == 1', { ok: true }, false],
  ]);
});

test('two fields compare with each other under the same rules', () => {
  cases([
    ['a == b', { a: 1, b: '1' }, true],
    ['a < b', { a: 1, b: 2 }, true],
    ['a != b', { a: 'x', b: 'y' }, true],
    ['a != b', { a: 'x' }, false],
    ['a == b', {}, false],
  ]);
});

test('every comparison with a missing or null field is false, != included', () => {
  const preds = [
    'x == 1',
    'x != 1',
    'x < 1',
    'x <= 1',
    'x > 1',
    'x >= 1',
    'x == "a"',
    'x != "a"',
    'x != "5"',
    'x == true',
    'x != false',
    'x in (1, "a")',
    'x not in (1, "a")',
    'x =~ ".*"',
    'x !~ "a"',
    'x contains ""',
    'x + 1 == 1',
    '1 != x',
  ];
  for (const p of preds) {
    assert.equal(holds(p, {}), false, `${p} on a missing field`);
    assert.equal(holds(p, { x: null }), false, `${p} on null`);
  }
  // Negation turns the false into true: that is how `not` reads a missing field.
  assert.equal(holds('not x == 1', {}), true);
  assert.equal(holds('not x != 1', {}), true);
});

test('=~ and !~ match regular expressions, case-sensitively unless marked i', () => {
  cases([
    ['path =~ "^/api/"', { path: '/api/users' }, true],
    ['path =~ "^/api/"', { path: '/web/api/' }, false],
    ['path !~ "^/api/"', { path: '/web/api/' }, true],
    ['path !~ "^/api/"', { path: '/api/x' }, false],
    ['message =~ "timeout"', { message: 'Connection TIMEOUT' }, false],
    ['message =~ "timeout" i', { message: 'Connection TIMEOUT' }, true],
    ['message !~ "timeout" i', { message: 'Connection TIMEOUT' }, false],
    ['message !~ "timeout"', { message: 'Connection TIMEOUT' }, true],
    ['message =~ "a.c"', { message: 'xabcx' }, true],
    ['message =~ "^a\\\\.c$"', { message: 'a.c' }, true],
    ['message =~ "^a\\\\.c$"', { message: 'abc' }, false],
    // Numbers are matched by their text; other types never match either way.
    ['status_code =~ "^5"', { status_code: 503 }, true],
    ['status_code !~ "^5"', { status_code: 404 }, true],
    ['ok =~ "true"', { ok: true }, false],
    ['ok !~ "false"', { ok: true }, false],
  ]);
});

test('=~ runs in linear time: a backtracking pattern against hostile text finishes with the right answer', () => {
  cases([
    ['path =~ "^(a+)+$"', { path: 'a'.repeat(40) + '!' }, false],
    ['path =~ "^(a+)+$"', { path: 'a'.repeat(100_000) + '!' }, false],
    ['path !~ "^(a+)+$"', { path: 'a'.repeat(100_000) + '!' }, true],
    ['path =~ "^(a+)+$"', { path: 'a'.repeat(100_000) }, true],
    ['path =~ "(x+x+)+y" i', { path: 'X'.repeat(50_000) }, false],
  ]);
});

test('=~ has RE2 semantics where they differ from JavaScript: $ is the end of the text, i folds Unicode', () => {
  cases([
    ['message =~ "ok$"', { message: 'ok' }, true],
    ['message =~ "^a.c$"', { message: 'a\rc' }, true],
    ['message =~ "k" i', { message: '\u212a' }, true],
    ['message =~ "^[a-z]+$" i', { message: 'ABC' }, true],
    ['message =~ "^/api/|\\\\.png$"', { message: 'x.png' }, true],
    ['message =~ "^/api/|\\\\.png$"', { message: 'xpng' }, false],
  ]);
});

test('a compiled regular expression gives the same answer on every call', () => {
  const p = compilePredicate(where('message =~ "err"'));
  for (let i = 0; i < 3; i++) assert.equal(p(ev({ message: 'an err here' })), true);
});

test('in and not in test membership under the comparison rules', () => {
  cases([
    ['level in ("error", "fatal")', { level: 'fatal' }, true],
    ['level in ("error", "fatal")', { level: 'info' }, false],
    ['level not in ("error", "fatal")', { level: 'info' }, true],
    ['level not in ("error", "fatal")', { level: 'error' }, false],
    ['status_code in (500, 502, 503)', { status_code: '502' }, true],
    ['status_code in ("500", "502")', { status_code: 502 }, true],
    ['status_code not in (500, 502)', { status_code: 404 }, true],
    ['code in (1, "a", true)', { code: true }, true],
    ['code in (1, "a", true)', { code: 'true' }, false],
    ['code not in (1, "a", true)', { code: 'b' }, true],
    ['code in (1)', { code: 1 }, true],
  ]);
});

test('contains is a case-sensitive substring test on strings and numbers', () => {
  cases([
    ['message contains "disk"', { message: 'the disk is full' }, true],
    ['message contains "Disk"', { message: 'the disk is full' }, false],
    ['message contains "disk \\"/\\" full"', { message: 'disk "/" full' }, true],
    ['message contains ""', { message: '' }, true],
    ['status_code contains "50"', { status_code: 503 }, true],
    ['ok contains "t"', { ok: true }, false],
    ['not message contains "ok"', { message: 'fine' }, true],
  ]);
});

test('exists and not exists: null counts as missing', () => {
  cases([
    ['exists host', { host: 'web1' }, true],
    ['exists host', { host: '' }, true],
    ['exists host', { host: 0 }, true],
    ['exists host', { host: false }, true],
    ['exists host', {}, false],
    ['exists host', { host: null }, false],
    ['not exists host', {}, true],
    ['not exists host', { host: null }, true],
    ['not exists host', { host: 'web1' }, false],
    ['exists labels.env', { labels: { env: 'prod' } }, true],
    ['exists labels.env', { labels: { team: 'ops' } }, false],
    ['exists labels.env', {}, false],
    ['exists labels', { labels: {} }, true],
  ]);
});

test('nested fields read inside labels; a path through a non-object is missing', () => {
  cases([
    ['labels.env == "prod"', { labels: { env: 'prod' } }, true],
    ['labels.env == "prod"', { labels: { env: 'dev' } }, false],
    ['labels.env != "prod"', { labels: { env: 'dev' } }, true],
    ['labels.env != "prod"', { labels: {} }, false],
    ['labels.env != "prod"', {}, false],
    ['labels.env =~ "^pr"', { labels: { env: 'prod' } }, true],
    ['host.name != "x"', { host: 'web1' }, false],
    ['exists host.length', { host: 'web1' }, false],
    ['labels.env.x != "y"', { labels: { env: 'prod' } }, false],
    ['exists labels.env.length', { labels: { env: 'prod' } }, false],
    // A top-level field whose name has a dot is not the nested one.
    ['labels.env == "prod"', { 'labels.env': 'prod' }, false],
  ]);
  const get = compileField(['labels', 'env']);
  assert.equal(get(ev({ labels: { env: 'prod' } })), 'prod');
  assert.equal(get(ev({ labels: null })), undefined);
  assert.equal(get(ev({ labels: 'env' })), undefined);
  assert.equal(compileField(['a', 'b', 'c'])(ev({ a: { b: { c: 1 } } })), 1);
  assert.equal(compileField(['a', 'b', 'c'])(ev({ a: { b: 'c' } })), undefined);
  // A key with dots in it (syslog structured data `sdid.param`) is read by the dotted path.
  assert.equal(compileField(['labels', 'origin', 'ip'])(ev({ labels: { 'origin.ip': '10.0.0.1' } })), '10.0.0.1');
  assert.equal(compileField(['labels', 'origin', 'ip'])(ev({ labels: { 'origin.ip': 'a', origin: { ip: 'b' } } })), 'a');
});

test('fields named like Object.prototype members read only the event\'s own fields', () => {
  for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__']) {
    assert.equal(holds(`exists ${name}`, {}), false, `exists ${name}`);
    assert.equal(holds(`not exists ${name}`, {}), true, `not exists ${name}`);
    assert.equal(holds(`${name} != "x"`, {}), false, `${name} != "x"`);
    assert.equal(holds(`${name} contains "function"`, {}), false, `${name} contains`);
    assert.equal(holds(`${name} =~ "."`, {}), false, `${name} =~`);
    assert.equal(holds(`exists labels.${name}`, { labels: {} }), false, `exists labels.${name}`);
    assert.equal(holds(`labels.${name} != "x"`, { labels: { env: 'prod' } }), false, `labels.${name} != "x"`);
    assert.equal(compileField([name])(ev()), undefined, name);
    assert.equal(compileField(['labels', name])(ev({ labels: {} })), undefined, `labels.${name}`);
    assert.equal(compileField(['a', 'b', name])(ev({ a: { b: {} } })), undefined, `a.b.${name}`);
  }
  // When the event really has such a field, it is read like any other.
  cases([
    ['constructor == "x"', { constructor: 'x' }, true],
    ['toString == 5', { toString: 5 }, true],
    ['labels.constructor == "ops"', { labels: { constructor: 'ops' } }, true],
  ]);
  const parsed = JSON.parse('{"stream":"logs","time":0,"__proto__":"x","labels":{"__proto__":"y"}}') as Event;
  assert.equal(compilePredicate(where('__proto__ == "x"'))(parsed), true);
  assert.equal(compilePredicate(where('labels.__proto__ == "y"'))(parsed), true);
  assert.equal(compilePredicate(where('exists __proto__'))(parsed), true);
});

test('not binds tighter than and, and tighter than or; parentheses regroup', () => {
  const rows: [string, Record<string, unknown>, boolean][] = [
    // a or (b and c)
    ['a == 1 or b == 1 and c == 1', { a: 1, b: 0, c: 0 }, true],
    ['(a == 1 or b == 1) and c == 1', { a: 1, b: 0, c: 0 }, false],
    ['a == 1 or b == 1 and c == 1', { a: 0, b: 1, c: 1 }, true],
    ['a == 1 or b == 1 and c == 1', { a: 0, b: 1, c: 0 }, false],
    // (not a) and b
    ['not a == 1 and b == 1', { a: 2, b: 1 }, true],
    ['not a == 1 and b == 1', { a: 1, b: 1 }, false],
    ['not (a == 1 and b == 1)', { a: 1, b: 2 }, true],
    ['not a == 1 or b == 1', { a: 1, b: 1 }, true],
    ['not not a == 1', { a: 1 }, true],
    ['a == 1 and b == 1 and c == 1', { a: 1, b: 1, c: 1 }, true],
    ['a == 1 and b == 1 and c == 1', { a: 1, b: 1, c: 2 }, false],
    ['a == 1 or b == 1 or c == 1', { a: 0, b: 0, c: 1 }, true],
  ];
  cases(rows);
});

test('arithmetic follows the usual precedence and associativity', () => {
  cases([
    ['a + b * c == 7', { a: 1, b: 2, c: 3 }, true],
    ['(a + b) * c == 9', { a: 1, b: 2, c: 3 }, true],
    ['a - b - c == 3', { a: 10, b: 4, c: 3 }, true],
    ['a / b / c == 2', { a: 12, b: 2, c: 3 }, true],
    ['a - b * c / d == 4', { a: 10, b: 3, c: 4, d: 2 }, true],
    ['-a + 10 == 5', { a: 5 }, true],
    ['-(a + 1) == -6', { a: 5 }, true],
    ['a * -1 < 0', { a: 5 }, true],
    ['a * 2 == 6', { a: '3' }, true],
    ['duration_ms / 1000 > 1.5', { duration_ms: 2000 }, true],
    ['host + 1 == 1', { host: 'web1' }, false],
    ['host + 1 != 1', { host: 'web1' }, false],
  ]);
});

test('division by zero yields missing: every comparison with it is false', () => {
  for (const p of ['a / b == 0', 'a / b != 0', 'a / b > 0', 'a / b < 0', 'a / b >= 0', 'a / b in (0)', 'a / b contains "I"']) {
    assert.equal(holds(p, { a: 1, b: 0 }), false, p);
  }
  assert.equal(holds('a / (b - b) <= 1', { a: 1, b: 7 }), false);
  assert.equal(holds('not a / b == 0', { a: 1, b: 0 }), true);
  assert.equal(holds('a / b == 0.5', { a: 1, b: 2 }), true);
});

test('compileValue evaluates a value expression to a number or missing', () => {
  const left = (expr: string) => {
    const p = where(`${expr} == 0`);
    assert.ok(p.kind === 'compare');
    return compileValue(p.left);
  };
  assert.equal(left('a + b * 2')(ev({ a: 1, b: 2 })), 5);
  assert.equal(left('a / b')(ev({ a: 1, b: 0 })), undefined);
  assert.equal(left('a / b')(ev({ a: 3, b: '2' })), 1.5);
  assert.equal(left('-a')(ev({ a: '4' })), -4);
  assert.ok(Object.is(left('-a')(ev({ a: 0 })), 0), '-0 is read as 0');
  assert.equal(left('-a')(ev({ a: 'x' })), undefined);
  assert.equal(left('host')(ev({ host: 'web1' })), 'web1');
  assert.equal(left('labels.env')(ev({ labels: { env: 'prod' } })), 'prod');
  assert.equal(left('"text"')(ev()), 'text');
});

test('$label reads the alert labels bound through the context', () => {
  const p = waitWhere('host == $host and status == "up"');
  const web1 = compilePredicate(p, { labels: { host: 'web1' } });
  assert.equal(web1(ev({ host: 'web1', status: 'up' })), true);
  assert.equal(web1(ev({ host: 'web2', status: 'up' })), false);
  assert.equal(web1(ev({ host: 'web1', status: 'down' })), false);
  const web2 = compilePredicate(p, { labels: { host: 'web2' } });
  assert.equal(web2(ev({ host: 'web2', status: 'up' })), true);
  // A label reference may be on either side and inside arithmetic.
  assert.equal(compilePredicate(waitWhere('$port == port'), { labels: { port: '8080' } })(ev({ port: 8080 })), true);
  assert.equal(compilePredicate(waitWhere('port == $base + 1'), { labels: { base: '8080' } })(ev({ port: 8081 })), true);
});

test('an unbound $label is missing, also when named like an Object.prototype member', () => {
  const labels = { host: 'web1' };
  for (const ctx of [undefined, {}, { labels }]) {
    assert.equal(compilePredicate(waitWhere('host == $service'), ctx)(ev({ host: 'web1' })), false);
    assert.equal(compilePredicate(waitWhere('host != $service'), ctx)(ev({ host: 'web1' })), false);
  }
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const p = compilePredicate(waitWhere(`host != $${name}`), { labels });
    assert.equal(p(ev({ host: 'web1' })), false, `$${name}`);
  }
});

test('indexableEquality picks a non-numeric string equality among the top-level and terms', () => {
  const split = (pred: string) => {
    const r = indexableEquality(where(pred));
    return r === undefined ? undefined : { field: r.field.path.join('.'), value: r.value, rest: r.rest.map(stripLocs) };
  };
  assert.deepEqual(split('name == "cpu"'), { field: 'name', value: 'cpu', rest: [] });
  assert.deepEqual(split('"cpu" == name'), { field: 'name', value: 'cpu', rest: [] });
  assert.deepEqual(split('labels.env == "prod"'), { field: 'labels.env', value: 'prod', rest: [] });

  const r = split('value > 90 and name == "cpu" and host != "web1"');
  assert.equal(r?.field, 'name');
  assert.equal(r?.value, 'cpu');
  assert.deepEqual(r?.rest, [stripLocs(where('value > 90')), stripLocs(where('host != "web1"'))]);

  // The first suitable term wins; the other equalities stay in the rest.
  const two = split('(check == "web" and status == "down") and host == "web1"');
  assert.equal(two?.field, 'check');
  assert.deepEqual(two?.rest, [stripLocs(where('status == "down"')), stripLocs(where('host == "web1"'))]);

  // A numeric string can equal a number, so it cannot be served by a string index.
  assert.deepEqual(split('code == "200" and service == "api"'), {
    field: 'service',
    value: 'api',
    rest: [stripLocs(where('code == "200"'))],
  });
  for (const pred of [
    'code == "200"',
    'code == 200',
    'ok == true',
    'name != "cpu"',
    'name == "cpu" or host == "web1"',
    'not name == "cpu"',
    'name =~ "cpu"',
    'name in ("cpu")',
    'a == b',
    'name + "" == "cpu"',
    'value > 1 and (name == "cpu" or name == "mem")',
  ]) {
    assert.equal(indexableEquality(where(pred)), undefined, pred);
  }
  assert.equal(indexableEquality(waitWhere('host == $host')), undefined);
});

test('the predicate and its index split agree on every event', () => {
  const pred = where('value > 90 and name == "cpu" and host != "web1"');
  const split = indexableEquality(pred)!;
  const whole = compilePredicate(pred);
  const rest = split.rest.map((p) => compilePredicate(p));
  const key = compileField(split.field.path);
  const events = [
    ev({ name: 'cpu', value: 95, host: 'web2' }),
    ev({ name: 'cpu', value: 85, host: 'web2' }),
    ev({ name: 'cpu', value: 95, host: 'web1' }),
    ev({ name: 'mem', value: 95, host: 'web2' }),
    ev({ value: 95, host: 'web2' }),
  ];
  for (const e of events) {
    assert.equal(key(e) === split.value && rest.every((t) => t(e)), whole(e), JSON.stringify(e));
  }
});
