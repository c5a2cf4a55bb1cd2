import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogfmt, type LogfmtValue } from '../../ingest/logfmt.js';

function fields(text: string): Record<string, LogfmtValue> {
  const result = parseLogfmt(text);
  assert.ok(result.ok, `expected "${text}" to parse: ${result.ok ? '' : result.error}`);
  return { ...result.fields };
}

function failure(text: string): { error: string; at: number } {
  const result = parseLogfmt(text);
  assert.ok(!result.ok, `expected "${text}" not to parse`);
  return { error: result.error, at: result.at };
}

test('logfmt: unquoted and quoted pairs', () => {
  assert.deepEqual(fields('level=error msg="disk almost full" host=web1'), {
    level: 'error',
    msg: 'disk almost full',
    host: 'web1',
  });
});

test('logfmt: plain numbers become numbers; quoted ones, ids and leading zeros stay strings', () => {
  assert.deepEqual(fields('a=42 b=-0.5 c=1e3 d=2.5E-2 e="42" f=007 g=12345678901234567890 h=1.2.3 i=0x10 j=+1 k=.5 l=0'), {
    a: 42,
    b: -0.5,
    c: 1000,
    d: 0.025,
    e: '42',
    f: '007',
    g: '12345678901234567890',
    h: '1.2.3',
    i: '0x10',
    j: '+1',
    k: '.5',
    l: 0,
  });
});

test('logfmt: true/false unquoted are booleans, a bare key is true, key= is empty', () => {
  assert.deepEqual(fields('ok=true bad=false quoted="true" flag empty= tail'), {
    ok: true,
    bad: false,
    quoted: 'true',
    flag: true,
    empty: '',
    tail: true,
  });
});

test('logfmt: escapes inside quotes', () => {
  assert.deepEqual(fields(String.raw`msg="say \"hi\"\n\tback\\slash \u00e9 \/"`), { msg: 'say "hi"\n\tback\\slash é /' });
  assert.deepEqual(fields('msg=""'), { msg: '' });
  assert.deepEqual(fields('msg="a=b c"'), { msg: 'a=b c' });
});

test('logfmt: = inside an unquoted value, UTF-8, tabs and line breaks as separators', () => {
  assert.deepEqual(fields('q=a=b&c=d\tname=zoë\r\n  x=1\n'), { q: 'a=b&c=d', name: 'zoë', x: 1 });
});

test('logfmt: the last of a repeated key wins; __proto__ is an ordinary key', () => {
  assert.deepEqual(fields('a=1 a=2'), { a: 2 });
  const parsed = fields('__proto__=x constructor=y');
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, 'x');
  assert.equal(parsed.constructor, 'y');
});

test('logfmt: errors name the problem and its position', () => {
  assert.deepEqual(failure('a="unterminated'), { error: 'unterminated quoted value', at: 2 });
  assert.deepEqual(failure('a=1 =2'), { error: 'a value without a key', at: 4 });
  assert.deepEqual(failure('a=x"y'), { error: 'a quote inside an unquoted value', at: 3 });
  assert.deepEqual(failure('k"ey=1'), { error: 'a key may not contain \'"\'', at: 1 });
  assert.deepEqual(failure(String.raw`a="\q"`), { error: 'unknown escape \\q', at: 3 });
  assert.deepEqual(failure(String.raw`a="\u12"`), { error: '\\u needs four hex digits', at: 3 });
  assert.deepEqual(failure('a="x"b=1'), { error: 'a closing quote must be followed by whitespace', at: 5 });
  assert.deepEqual(failure('a="line\nbreak"'), { error: 'control character in a quoted value (escape it)', at: 7 });
  assert.deepEqual(failure('a=b\u0001c'), { error: 'control character in a value', at: 3 });
  assert.deepEqual(failure(''), { error: 'no key=value pairs', at: 0 });
  assert.deepEqual(failure('   \n'), { error: 'no key=value pairs', at: 0 });
  assert.deepEqual(failure('{"json": true}'), { error: 'a key may not contain \'"\'', at: 1 });
});
