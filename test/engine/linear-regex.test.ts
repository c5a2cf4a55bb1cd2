import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RE2JS } from 're2js';
import { compileLinearRegex, linearRegexProblem, literalAlternatives } from '../../engine/linear-regex.js';

test('literal patterns are recognised as alternatives of plain text with their anchors', () => {
  assert.deepEqual(literalAlternatives('timeout'), [{ text: 'timeout', start: false, end: false }]);
  assert.deepEqual(literalAlternatives('^/api/|\\.png$|^ok$'), [
    { text: '/api/', start: true, end: false },
    { text: '.png', start: false, end: true },
    { text: 'ok', start: true, end: true },
  ]);
  assert.deepEqual(literalAlternatives('a\\|b\\\\'), [{ text: 'a|b\\', start: false, end: false }]);
  assert.deepEqual(literalAlternatives(''), [{ text: '', start: false, end: false }]);
  for (const p of ['a.c', 'a+', '(a)', '[a]', 'a{2}', 'a^b', 'a$b', '\\d', '\\Qa\\E', '^^a', 'x\u{1F600}']) {
    assert.equal(literalAlternatives(p), undefined, p);
  }
});

test('every pattern gives the same answers as RE2 itself, literal or not, with and without i and whole', () => {
  const patterns = ['timeout', '^/api/', '\\.png$', '^ok$', 'error|warn|^fatal', '', 'a|', 'K', 'straße', 'σ', '\\$5\\.00', 'a.c', '^/api/v[0-9]+/users/\\d+$', '(a+)+$', 'x\u{1F600}'];
  const inputs = ['', 'timeout', 'upstream TIMEOUT', '/api/users', '/web/api/', 'x.png', 'x.png\n', 'ok', 'OK', 'okay', 'warning', 'fatal error',
    'a fatal', '\u212a', 'k', 'STRASSE', 'STRAẞE', 'Σ', 'ς', 'costs $5.00', 'abc', '/api/v2/users/42', 'aaa', 'aab', 'x\u{1F600}', 'a', 'b'];
  for (const pattern of patterns) {
    for (const ignoreCase of [false, true]) {
      for (const whole of [false, true]) {
        const ours = compileLinearRegex({ pattern, ignoreCase, whole });
        const re2 = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
        for (const input of inputs) {
          const expected = whole ? re2.testExact(input) : re2.test(input);
          assert.equal(ours.test(input), expected, `${JSON.stringify(pattern)} ${ignoreCase ? 'i ' : ''}${whole ? 'whole ' : ''}on ${JSON.stringify(input)}`);
        }
      }
    }
  }
});

test('a backtracking pattern finishes on long hostile text, with the right answer', () => {
  const re = compileLinearRegex({ pattern: '^(a+)+$' });
  assert.equal(re.test('a'.repeat(40) + '!'), false);
  assert.equal(re.test('a'.repeat(100_000) + '!'), false);
  assert.equal(re.test('a'.repeat(100_000)), true);
  const silence = compileLinearRegex({ pattern: '(a+)+', whole: true });
  assert.equal(silence.test('a'.repeat(28) + 'b'), false);
  assert.equal(silence.test('a'.repeat(28)), true);
});

test('what RE2 does not support is refused with its reason; the rest compiles', () => {
  const cases: [string, RegExp][] = [
    ['(a)\\1', /invalid escape sequence: `\\1`/],
    ['a(?=b)', /unsupported Perl syntax: `\(\?=`/],
    ['(?<!a)b', /invalid named capture/],
    ['\\u0041', /invalid escape sequence: `\\u`/],
    ['(', /missing closing \)/],
  ];
  for (const [pattern, reason] of cases) {
    const problem = linearRegexProblem({ pattern });
    assert.ok(problem !== undefined && reason.test(problem), `${pattern}: ${problem}`);
    assert.throws(() => compileLinearRegex({ pattern }));
  }
  for (const pattern of ['^/api/(users|posts)/\\d+$', 'time(out)?', '(?<n>a)', '\\x41', '']) {
    assert.equal(linearRegexProblem({ pattern, ignoreCase: true }), undefined, pattern);
  }
});
