import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic } from '../../engine/model/errors.js';
import { fieldWarnings } from '../../rules/field-warnings.js';
import { parseRuleFile } from '../../rules/parse.js';

const warningsOf = (text: string, sent = new Map<string, Set<string>>()) => {
  const { ast, diagnostics } = parseRuleFile('r.vigil', text);
  assert.deepEqual(diagnostics, []);
  return fieldWarnings([{ file: 'r.vigil', ast }], sent).map(formatDiagnostic);
};

test('a field health never carries is a warning, with the nearest known field', () => {
  assert.deepEqual(
    warningsOf(
      [
        'rule down {',
        '  when latest health where check == "web" by service, hst is tatus == "down"',
        '}',
        'playbook fix {',
        '  step wait health where check == "web" and host == $host and stauts == "up" within 1m',
        '}',
        'rule slow { when avg(latency) of health over 1m by host > 100 }',
        'rule odd { when health where colour == "red" }',
        '',
      ].join('\n'),
    ),
    [
      'r.vigil:2:55: warning: field "hst" is not sent on stream health (did you mean "host"?)',
      'r.vigil:2:62: warning: field "tatus" is not sent on stream health (did you mean "status"?)',
      'r.vigil:5:63: warning: field "stauts" is not sent on stream health (did you mean "status"?)',
      'r.vigil:7:22: warning: field "latency" is not sent on stream health',
      'r.vigil:8:30: warning: field "colour" is not sent on stream health',
    ],
  );
});

test('known fields, labels.*, other streams and fields seen in recorded events pass', () => {
  const text = [
    'rule ok1 { when latest health where check == "web" and labels.team == "ops" by host, service is status == "down" and days_left < 5 }',
    'rule ok2 { when count of logs where level == "error" and path =~ "^/api" over 1m by service, status_code > 5 }',
    'rule ok3 { when avg(value) of metrics where name == "cpu" over 1m by host > 90 }',
    'rule ok4 { when deploys where anything == "x" then orders where whatever > 1 within 1m }',
    'rule ok5 { when changed version of health by host }',
    '',
  ].join('\n');
  assert.deepEqual(warningsOf(text, new Map([['health', new Set(['version'])]])), []);
  assert.deepEqual(warningsOf(text), ['r.vigil:5:25: warning: field "version" is not sent on stream health']);
});

test('on logs and metrics only near misses of well-known fields are warned about', () => {
  assert.deepEqual(warningsOf('rule r { when count of logs where levl == "error" and path == "/" over 1m by servce > 1 }\n'), [
    'r.vigil:1:35: warning: field "levl" is not sent on stream logs (did you mean "level"?)',
    'r.vigil:1:78: warning: field "servce" is not sent on stream logs (did you mean "service"?)',
  ]);
  assert.deepEqual(warningsOf('rule r { when avg(valeu) of metrics over 1m > 1 }\n'), [
    'r.vigil:1:19: warning: field "valeu" is not sent on stream metrics (did you mean "value"?)',
  ]);
});
