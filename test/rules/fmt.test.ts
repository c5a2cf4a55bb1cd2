import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSource } from '../../rules/fmt.js';

test('a file that parses comes back canonical', () => {
  assert.deepEqual(formatSource('a.vigil', 'rule r{when logs   # x\n}'), { output: 'rule r {\n  when logs # x\n}\n', diagnostics: [] });
});

test('canonical text is left as it is', () => {
  const text = 'channel l log { }\n';
  assert.equal(formatSource('a.vigil', text).output, text);
});

test('a file that does not parse is not formatted', () => {
  const result = formatSource('a.vigil', 'rule ok { when logs }\nrule r { when }\n');
  assert.equal(result.output, undefined);
  assert.deepEqual(
    result.diagnostics.map((d) => [d.code, d.file, d.line, d.col]),
    [['E_SYNTAX', 'a.vigil', 2, 15]],
  );
});

test('a file with a repeated clause is not formatted either', () => {
  const result = formatSource('a.vigil', 'rule r { when logs for 1m for 2m }');
  assert.equal(result.output, undefined);
  assert.deepEqual(
    result.diagnostics.map((d) => d.code),
    ['E_CHECK'],
  );
});
