import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripLocs, type RuleFile } from '../../rules/ast.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { formatSource } from '../../rules/fmt.js';
import { countParses, parseRuleFile } from '../../rules/parse.js';
import { printRuleFile } from '../../rules/print.js';

/** Parses valid source: one parse, no diagnostics, and print → parse gives the same AST. */
function parseValid(text: string): RuleFile {
  assert.equal(countParses(text), 1, text);
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(diagnostics, []);
  const printed = printRuleFile(ast);
  const again = parseRuleFile('t.vigil', printed);
  assert.deepEqual(again.diagnostics, [], printed);
  assert.deepEqual(stripLocs(again.ast.decls), stripLocs(ast.decls), printed);
  return ast;
}

function check(text: string): string[] {
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(diagnostics, []);
  return checkRuleSet([{ file: 't.vigil', ast }]).map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
}

test('depends parses: a bare label, label=value, label="quoted value" and label=$childLabel', () => {
  const ast = parseValid('depends service=minitwit, env="prod 1" on host=$host\ndepends host on switch=$switch, kind=switch');
  assert.deepEqual(stripLocs(ast.decls), [
    {
      kind: 'depends',
      child: [{ label: { kind: 'ident', name: 'service' }, value: 'minitwit' }, { label: { kind: 'ident', name: 'env' }, value: 'prod 1' }],
      parent: [{ label: { kind: 'ident', name: 'host' }, ref: 'host' }],
    },
    {
      kind: 'depends',
      child: [{ label: { kind: 'ident', name: 'host' } }],
      parent: [{ label: { kind: 'ident', name: 'switch' }, ref: 'switch' }, { label: { kind: 'ident', name: 'kind' }, value: 'switch' }],
    },
  ]);
});

test('labels named like declaration words do not end a depends line; the next declaration does', () => {
  const ast = parseValid('depends check=web on rule=$rule\nrule r { when logs }\ndepends x on check\nchannel c log { }');
  assert.deepEqual(ast.decls.map((d) => d.kind), ['depends', 'rule', 'depends', 'channel']);
});

test('a depends line without "on" is a syntax error at its position, and the next declaration still parses', () => {
  const { ast, diagnostics } = parseRuleFile('t.vigil', 'depends host switch=$switch\nrule r { when logs }');
  assert.equal(diagnostics.length, 1);
  assert.deepEqual([diagnostics[0]!.code, diagnostics[0]!.line, diagnostics[0]!.col], ['E_SYNTAX', 1, 14]);
  assert.deepEqual(ast.decls.map((d) => d.kind), ['rule']);
});

test('vigil fmt writes depends on one line, values bare where they read back, comments kept', () => {
  const out = formatSource('t.vigil', 'depends   service = minitwit on host=$host # web tier\ndepends host on switch="sw 1"\n').output;
  assert.equal(out, 'depends service=minitwit on host=$host # web tier\n\ndepends host on switch="sw 1"\n');
});

test('vigil check reports a depends cycle at every declaration on it', () => {
  assert.deepEqual(check('depends host on switch=$switch\ndepends switch on rack=$rack\ndepends rack on host=$host\ndepends service on host=$host'), [
    '1:1 E_CHECK depends cycle: host → switch → rack → host',
    '2:1 E_CHECK depends cycle: host → switch → rack → host',
    '3:1 E_CHECK depends cycle: host → switch → rack → host',
  ]);
  assert.deepEqual(check('depends host on host=$host'), ['1:1 E_CHECK depends cycle: host → host']);
  assert.deepEqual(check('depends service=minitwit on host=$host\ndepends host on switch=$switch'), []);
});

test('vigil check refuses a $label on the child side and a label tested twice on one side', () => {
  assert.deepEqual(check('depends host=$host on switch=$switch'), ['1:9 E_CHECK $host: a child\'s label value is referenced on the parent side only (after "on")']);
  assert.deepEqual(check('depends host, host=a on switch=$switch'), ['1:15 E_CHECK label "host" is tested twice on one side']);
});

test('depends compiles into the notifier policies', () => {
  const { ast } = parseRuleFile('t.vigil', 'depends service=minitwit on host=$host, kind');
  const set = compileRuleSet([{ file: 't.vigil', ast }]);
  assert.deepEqual(set.policies.depends, [{ child: [{ label: 'service', value: 'minitwit' }], parent: [{ label: 'host', ref: 'host' }, { label: 'kind' }] }]);
});
