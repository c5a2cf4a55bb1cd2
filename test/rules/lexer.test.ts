import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, VigilLexer } from '../../rules/lexer.js';

const kinds = (text: string) => tokenize(text).tokens.map((t) => [t.type, t.text]);

test('identifiers stay identifiers except the reserved words', () => {
  assert.deepEqual(kinds('rule check severity and or not in contains exists true false x_1 _y'), [
    ['ident', 'rule'],
    ['ident', 'check'],
    ['ident', 'severity'],
    ['kw', 'and'],
    ['kw', 'or'],
    ['kw', 'not'],
    ['kw', 'in'],
    ['kw', 'contains'],
    ['kw', 'exists'],
    ['kw', 'true'],
    ['kw', 'false'],
    ['ident', 'x_1'],
    ['ident', '_y'],
  ]);
});

test('numbers, durations and time ranges', () => {
  assert.deepEqual(kinds('90 0.05 1e6 2.5E-3 500ms 1h30m 1w2d 09:00-17:30'), [
    ['number', '90'],
    ['number', '0.05'],
    ['number', '1e6'],
    ['number', '2.5E-3'],
    ['duration', '500ms'],
    ['duration', '1h30m'],
    ['duration', '1w2d'],
    ['timerange', '09:00-17:30'],
  ]);
});

test('a number or duration glued to letters is one bad word', () => {
  assert.deepEqual(kinds('5min 12x 1h3 1.5s'), [
    ['badword', '5min'],
    ['badword', '12x'],
    ['badword', '1h3'],
    ['badword', '1.5s'],
  ]);
});

test('strings are unescaped as JSON; bad ones are error tokens', () => {
  const [s] = tokenize('"disk \\"/\\" full\\n\\u00e9"').tokens;
  assert.equal(s?.type, 'string');
  assert.equal(s?.value, 'disk "/" full\né');
  assert.equal(s?.text, '"disk \\"/\\" full\\n\\u00e9"');
  assert.deepEqual(kinds('"open\nx'), [
    ['badstring', '"open'],
    ['ident', 'x'],
  ]);
  assert.equal(tokenize('"bad \\q escape"').tokens[0]?.type, 'badstring');
  assert.equal(tokenize('"tab\tinside"').tokens[0]?.type, 'badstring');
});

test('operators, punctuation and label references', () => {
  assert.deepEqual(
    kinds('== != <= >= < > =~ !~ = + - * / ( ) { } [ ] , . $host').map(([type, text]) => `${type}:${text}`),
    ['==', '!=', '<=', '>=', '<', '>', '=~', '!~', '=', '+', '-', '*', '/', '(', ')', '{', '}', '[', ']', ',', '.']
      .map((op) => `op:${op}`)
      .concat(['labelref:$host']),
  );
  assert.deepEqual(kinds('a<=b'), [
    ['ident', 'a'],
    ['op', '<='],
    ['ident', 'b'],
  ]);
});

test('field paths are identifiers joined by dots', () => {
  assert.deepEqual(kinds('labels.env'), [
    ['ident', 'labels'],
    ['op', '.'],
    ['ident', 'env'],
  ]);
});

test('positions are 1-based lines and columns', () => {
  const { tokens } = tokenize('rule a {\n  when logs\r\n}');
  assert.deepEqual(
    tokens.map((t) => [t.text, t.line, t.col]),
    [
      ['rule', 1, 1],
      ['a', 1, 6],
      ['{', 1, 8],
      ['when', 2, 3],
      ['logs', 2, 8],
      ['}', 3, 1],
    ],
  );
});

test('comments are dropped from the tokens but recorded, trailing or not', () => {
  const { tokens, comments } = tokenize('# head\nrule a { # after brace\n  # own line\n}\n');
  assert.deepEqual(
    tokens.map((t) => t.text),
    ['rule', 'a', '{', '}'],
  );
  assert.deepEqual(comments, [
    { text: '# head', loc: { line: 1, col: 1 }, trailing: false },
    { text: '# after brace', loc: { line: 2, col: 10 }, trailing: true },
    { text: '# own line', loc: { line: 3, col: 3 }, trailing: false },
  ]);
});

test('an invalid character is an error token, and lexing goes on', () => {
  assert.deepEqual(kinds('a @ b 😀'), [
    ['ident', 'a'],
    ['invalid', '@'],
    ['ident', 'b'],
    ['invalid', '😀'],
  ]);
});

test('the end position is just after the last character', () => {
  assert.deepEqual(tokenize('rule a {\n  when').end, { line: 2, col: 7 });
  assert.deepEqual(tokenize('').end, { line: 1, col: 1 });
  assert.deepEqual(tokenize('x\n').end, { line: 2, col: 1 });
});

test('the nearley wrapper yields significant tokens and records comments', () => {
  const lexer = new VigilLexer();
  lexer.reset('a # one\n b');
  assert.equal(lexer.next()?.text, 'a');
  assert.equal(lexer.next()?.text, 'b');
  assert.equal(lexer.next(), undefined);
  assert.deepEqual(lexer.comments, [{ text: '# one', loc: { line: 1, col: 3 }, trailing: true }]);
  assert.ok(lexer.has('ident') && lexer.has('string') && !lexer.has('ws'));
  lexer.reset('c');
  assert.deepEqual(lexer.comments, []);
  assert.equal(lexer.next()?.text, 'c');
});
