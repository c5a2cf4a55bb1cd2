import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../engine/model/errors.js';
import { DEFAULT_MAX_RULES, loadRuleDir } from '../../rules/load.js';
import { tempFiles } from '../support/cli.js';

test('a rule set over maxRules is refused, at the first rule past the limit', async () => {
  const dir = await tempFiles({
    'a.vigil': 'rule a1 { when logs }\nrule a2 { when logs }\n',
    'b.vigil': 'channel chat log { }\n\nrule b1 { when logs }\n  rule b2 { when logs }\n',
  });
  const refused = await loadRuleDir(dir, { maxRules: 2 });
  assert.equal(refused.ok, false);
  if (refused.ok) return;
  assert.deepEqual(
    refused.diagnostics.map((d) => [d.code, path.basename(d.file), d.line, d.col]),
    [[ErrorCode.TooManyRules, 'b.vigil', 3, 6]],
  );
  assert.match(refused.diagnostics[0]!.message, /4 rules, more than engine\.maxRules \(2\)/);
  const fits = await loadRuleDir(dir, { maxRules: 4 });
  assert.equal(fits.ok, true);
  assert.equal(DEFAULT_MAX_RULES, 10_000);
  assert.equal((await loadRuleDir(dir)).ok, true);
});
