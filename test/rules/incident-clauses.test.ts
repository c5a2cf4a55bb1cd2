import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripLocs } from '../../rules/ast.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet } from '../../rules/compile.js';
import { formatSource } from '../../rules/fmt.js';
import { countParses, parseRuleFile } from '../../rules/parse.js';
import { printRuleFile } from '../../rules/print.js';

const RULE = 'rule r { when latest health by host, dc is status == "down" group by dc within 1m open when 3 alerts within 5m flapping 4 within 10m }';

test('group by, open when and flapping parse once, print canonically and read back the same', () => {
  assert.equal(countParses(RULE), 1);
  const { ast, diagnostics } = parseRuleFile('t.vigil', RULE);
  assert.deepEqual(diagnostics, []);
  const r = stripLocs(ast.decls[0]!) as any;
  assert.deepEqual(r.group, { labels: [{ kind: 'field', path: ['dc'] }], within: { kind: 'duration', ms: 60_000 } });
  assert.deepEqual(r.openWhen, { count: { kind: 'literal', value: 3 }, within: { kind: 'duration', ms: 300_000 } });
  assert.deepEqual(r.flapping, { count: { kind: 'literal', value: 4 }, within: { kind: 'duration', ms: 600_000 } });
  const printed = printRuleFile(ast);
  assert.equal(
    printed,
    'rule r {\n  when latest health by host, dc is status == "down"\n  group by dc within 1m\n  open when 3 alerts within 5m\n  flapping 4 within 10m\n}\n',
  );
  assert.deepEqual(stripLocs(parseRuleFile('t.vigil', printed).ast.decls), stripLocs(ast.decls));
  assert.equal(formatSource('t.vigil', printed).output, printed);
});

test('vigil check: counts are whole numbers in range, durations positive, clauses not repeated', () => {
  const check = (src: string) => {
    const { ast, diagnostics } = parseRuleFile('t.vigil', src);
    return [...diagnostics, ...checkRuleSet([{ file: 't.vigil', ast }])].map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
  };
  assert.deepEqual(check('rule r { when logs open when 0 alerts within 5m flapping 2.5 within 1m group by host within 0s }'), [
    '1:93 E_CHECK within duration out of range (1ms to 366d)',
    '1:30 E_CHECK open when must be a whole number from 1 to 1000000',
    '1:58 E_CHECK flapping must be a whole number from 1 to 1000',
  ]);
  assert.deepEqual(check('rule r { when logs flapping 2 within 1m flapping 3 within 1m }'), ['1:41 E_CHECK duplicate "flapping" clause in rule "r"']);
});

test('the clauses compile into the rule\'s notification policy', () => {
  const { ast } = parseRuleFile('t.vigil', RULE);
  const policy = compileRuleSet([{ file: 't.vigil', ast }]).policies.rules.get('r')!;
  assert.deepEqual(policy.group, { labels: ['dc'], withinMs: 60_000 });
  assert.deepEqual(policy.openWhen, { count: 3, withinMs: 300_000 });
  assert.deepEqual(policy.flapping, { count: 4, withinMs: 600_000 });
});
