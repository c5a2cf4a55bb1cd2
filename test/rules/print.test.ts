import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripLocs, type Pred, type RuleFile, type ValueExpr } from '../../rules/ast.js';
import { parseRuleFile } from '../../rules/parse.js';
import { formatDuration } from '../../engine/model/duration.js';
import { printPredicate, printRuleFile, printValue } from '../../rules/print.js';

function parse(text: string): RuleFile {
  const { ast, diagnostics } = parseRuleFile('t.vigil', text);
  assert.deepEqual(diagnostics, []);
  return ast;
}

/** Formats, then checks the output is a fixed point that keeps the AST and every comment. */
function format(text: string): string {
  const ast = parse(text);
  const out = printRuleFile(ast);
  const again = parse(out);
  assert.equal(printRuleFile(again), out, 'printing is idempotent');
  assert.deepEqual(stripLocs(again.decls), stripLocs(ast.decls), 'the AST survives printing');
  assert.deepEqual(
    again.comments.map((c) => c.text).sort(),
    ast.comments.map((c) => c.text.trimEnd()).sort(),
    'every comment is kept',
  );
  return out;
}

const MESSY = `# vigil rules for the web tier
# owner: ops

# where alerts go
channel oncall email {to "ops@example.com",
   "oncall@example.com"   # the pager
   subject "vigil" }
channel chat webhook { batch 30s url "https://chat/hooks" format slack }
rule   cpu_hot {  # hysteresis
  # escalate after a while
  notify chat   then oncall after 900s   # chat first
  when avg( value ) of metrics where name=="cpu_percent"   and (labels.env=="prod" or labels.env == "staging")
     over 300s by host > 90 clear < 80   # per host
  # loud
  severity critical
  for 2m
  # nothing after this
}  # end of cpu_hot
check web http "http://web/health"
  # probe often
  every 10s # fast
  timeout 2000ms
  host "web1"
playbook restart {
  step exec ["systemctl","restart","web"] retry 2
    timeout 1m30s
  # a human must agree
  approve
  limit 3 per 3600s
}
inhibit quiet_warnings { target severity=="warning" source severity == "critical" equal host }
# end of file

# really the end
`;

const CANONICAL = `# vigil rules for the web tier
# owner: ops

# where alerts go
channel oncall email { to "ops@example.com", "oncall@example.com" subject "vigil" } # the pager

channel chat webhook { url "https://chat/hooks" format slack batch 30s }

rule cpu_hot { # hysteresis
  when avg(value) of metrics where name == "cpu_percent" and (labels.env == "prod" or labels.env == "staging") over 5m by host > 90 clear < 80 # per host
  for 2m
  # loud
  severity critical
  # escalate after a while
  notify chat then oncall after 15m # chat first
  # nothing after this
} # end of cpu_hot

# probe often
check web http "http://web/health" every 10s timeout 2s host "web1" # fast

playbook restart {
  limit 3 per 1h
  # a human must agree
  approve
  step exec ["systemctl", "restart", "web"] timeout 1m30s retry 2
}

inhibit quiet_warnings {
  source severity == "critical"
  target severity == "warning"
  equal host
}
# end of file

# really the end
`;

const SPEC_EXAMPLE = `channel oncall email { to "ops@example.com" }
channel chat webhook { url "https://chat.example.com/hooks/ops" format slack }

check minitwit_http http "http://127.0.0.1:5000/public" every 10s timeout 2s expect status 200 host "web1" service "minitwit"

rule minitwit_down {
  when latest health where check == "minitwit_http" by host is status == "down"
  for 30s
  severity critical
  summary "MiniTwit is down on {host}"
  notify chat then oncall after 15m
  run restart_minitwit
}

rule simulator_silent {
  when absent logs where service == "minitwit" and path =~ "^/api/" for 5m
  severity critical
  notify oncall
}

rule error_burst {
  when count of logs where level == "error" over 1m by service > 50
  notify chat
}

rule cpu_hot {
  when avg(value) of metrics where name == "cpu_percent" over 5m by host > 90 clear < 80
  for 2m
}

playbook restart_minitwit {
  limit 3 per 1h
  cooldown 2m
  step ssh "{host}" ["sudo", "systemctl", "restart", "minitwit"] timeout 30s
  step wait health where check == "minitwit_http" and host == $host and status == "up" within 60s
  on failure notify oncall
}
`;

test('durations print with the largest units', () => {
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(86_400_000), '1d');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(604_800_000), '1w');
  assert.equal(formatDuration(694_861_001), '1w1d1h1m1s1ms');
  assert.equal(formatDuration(0), '0s');
});

test('a messy file comes out canonical, comments in place', () => {
  assert.equal(format(MESSY), CANONICAL);
});

test('the spec example round-trips', () => {
  const out = format(SPEC_EXAMPLE);
  assert.equal(parse(out).decls.length, 8);
  // The only changes are the blank line between the channels and `60s` written as `1m`.
  assert.equal(out, SPEC_EXAMPLE.replace('}\nchannel chat', '}\n\nchannel chat').replace('within 60s', 'within 1m'));
});

test('parentheses only where precedence needs them', () => {
  const p = (text: string) => printPredicate((parse(`rule r { when logs where ${text} }`).decls[0] as { when: { selector: { where: Pred } } }).when.selector.where);
  assert.equal(p('(a == 1 or b == 2) and c == 3'), '(a == 1 or b == 2) and c == 3');
  assert.equal(p('a == 1 or (b == 2 or c == 3)'), 'a == 1 or (b == 2 or c == 3)');
  assert.equal(p('(a == 1 or b == 2) or c == 3'), 'a == 1 or b == 2 or c == 3');
  assert.equal(p('(a == 1 and b == 2) or (not c == 3)'), 'a == 1 and b == 2 or not c == 3');
  assert.equal(p('not (a == 1 and b == 2)'), 'not (a == 1 and b == 2)');
  assert.equal(p('not (not (exists a))'), 'not not exists a');
  assert.equal(p('((a)) == ((1))'), 'a == 1');
  const v = (text: string) => printValue((parse(`rule r { when logs where ${text} == 0 }`).decls[0] as { when: { selector: { where: { left: ValueExpr } } } }).when.selector.where.left);
  assert.equal(v('(a + b) * c'), '(a + b) * c');
  assert.equal(v('a + (b * c)'), 'a + b * c');
  assert.equal(v('a - (b - c)'), 'a - (b - c)');
  assert.equal(v('(a - b) - c'), 'a - b - c');
  assert.equal(v('a / (b * c)'), 'a / (b * c)');
  assert.equal(v('-(a + b)'), '-(a + b)');
  assert.equal(v('(-a) * b'), '-a * b');
  assert.equal(v('a - (-1)'), 'a - -1');
  assert.equal(v('-(-a)'), '--a');
});

test('strings are printed as JSON', () => {
  const out = format('rule r { when logs where m contains "tab\\there \\"q\\" \\u00e9 \\/" }');
  assert.equal(out, 'rule r {\n  when logs where m contains "tab\\there \\"q\\" é /"\n}\n');
});

test('channels and checks stay on one line; blocks take one clause per line', () => {
  assert.equal(
    format('channel l log {}\ncheck c exec ["a"] labels { b = "c", } every 1s\ninhibit i { source a == 1 target b == 2 }'),
    'channel l log { }\n\ncheck c exec ["a"] every 1s labels { b = "c" }\n\ninhibit i {\n  source a == 1\n  target b == 2\n}\n',
  );
});

test('comments before a closing brace and at the end of the file are kept', () => {
  assert.equal(format('rule r {\n  when logs\n      # last words\n}\n# bye\n'), 'rule r {\n  when logs\n  # last words\n}\n# bye\n');
  assert.equal(format('# only\n\n\n# comments\n'), '# only\n\n# comments\n');
  assert.equal(format(''), '');
});

test('a clause spread over lines keeps all its trailing comments', () => {
  const out = format('rule r {\n  when logs # one\n    where a == 1 # two\n    by host # three\n}\n');
  assert.equal(out, 'rule r {\n  # one\n  # two\n  when logs where a == 1 by host # three\n}\n');
});

test('an own-line comment inside a clause goes before that clause', () => {
  const out = format('rule r {\n  when logs\n    # only errors\n    where level == "error"\n  # hold a minute\n  for 1m\n}\n');
  assert.equal(out, 'rule r {\n  # only errors\n  when logs where level == "error"\n  # hold a minute\n  for 1m\n}\n');
});

test('comments follow their clause when clauses are reordered', () => {
  const out = format('playbook p {\n  # the work\n  step exec ["x"]\n  # be careful\n  approve # really\n  cooldown 1m # at most once a minute\n}\n');
  assert.equal(out, 'playbook p {\n  cooldown 1m # at most once a minute\n  # be careful\n  approve # really\n  # the work\n  step exec ["x"]\n}\n');
});

test('blank lines between leading comments are kept, one at most', () => {
  const out = format('# header\n\n\n\n# about r\nrule r { when logs }\n# about s\n\nrule s { when logs }\n');
  assert.equal(out, '# header\n\n# about r\nrule r {\n  when logs\n}\n\n# about s\n\nrule s {\n  when logs\n}\n');
});

test('comments survive formatting wherever they are put', () => {
  const lines = SPEC_EXAMPLE.split('\n');
  let seed = 5;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 200; round++) {
    const withComments = lines
      .map((line, i) => {
        const r = rnd();
        if (r < 0.15) return `# own ${i}\n${line}`;
        if (r < 0.3 && line.trim() !== '') return `${line} # trailing ${i}`;
        return line;
      })
      .join('\n');
    format(withComments);
  }
});

test('an AST without locations prints, comments last', () => {
  const ast = stripLocs(parse('# c\nrule r { when logs } # t\n'));
  assert.equal(printRuleFile(ast), 'rule r {\n  when logs\n}\n\n# c\n# t\n');
});
