import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterMatches, parseMatcher } from '../../../api/alertmanager/matchers.js';

test('matchers parse as Alertmanager parses them: operators, quotes and escapes', () => {
  const cases: [string, object][] = [
    ['alertname="Disk Full"', { name: 'alertname', value: 'Disk Full', isRegex: false, isEqual: true }],
    ['job!=node', { name: 'job', value: 'node', isRegex: false, isEqual: false }],
    [' instance =~ "db.*" ', { name: 'instance', value: 'db.*', isRegex: true, isEqual: true }],
    ['a!~"x|y"', { name: 'a', value: 'x|y', isRegex: true, isEqual: false }],
    ['q="say \\"hi\\"\\n"', { name: 'q', value: 'say "hi"\n', isRegex: false, isEqual: true }],
    ['empty=""', { name: 'empty', value: '', isRegex: false, isEqual: true }],
  ];
  for (const [text, matcher] of cases) assert.deepEqual(parseMatcher(text), { ok: true, matcher }, text);
  for (const bad of ['alertname', '1a="x"', 'a="x', 'a="x"y"', 'a=~"("']) assert.equal(parseMatcher(bad).ok, false, bad);
});

test('filters follow Alertmanager: an empty value is ignored for an absent label (=) or a present one (!=)', () => {
  const m = (text: string) => {
    const r = parseMatcher(text);
    assert.ok(r.ok);
    return r.matcher;
  };
  const labels = { alertname: 'X', job: 'node' };
  assert.equal(filterMatches([m('alertname="X"'), m('job=~"no.*"')], labels), true);
  assert.equal(filterMatches([m('alertname="Y"')], labels), false);
  assert.equal(filterMatches([m('team=""')], labels), true);
  assert.equal(filterMatches([m('job!=""')], labels), true);
  assert.equal(filterMatches([m('team!="web"')], labels), true);
  assert.equal(filterMatches([m('job=~"no"')], labels), false);
});
