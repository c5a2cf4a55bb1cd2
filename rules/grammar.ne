# The grammar of the vigil rule language (see the language spec), compiled by nearleyc into
# rules/grammar.ts. Postprocessors build the nodes of rules/ast.ts directly.
#
# Clauses of a block (rule, channel, playbook, ...) and check options are parsed as a list
# in any order and folded afterwards, so a repeated or missing clause is a diagnostic with a
# position instead of a parse failure or an ambiguity. The grammar is unambiguous: every
# valid input has exactly one parse (the tests assert it).

@preprocessor typescript

@{%
import { vigilLexer, type VigilToken } from './lexer.js';
import { durationMs } from '../engine/model/duration.js';
import { ErrorCode } from '../engine/model/errors.js';
import type {
  AggCall, CmpOp, Condition, Decl, Duration, FieldPath, Header, Ident, LabelPair, Literal,
  Loc, NotifyStep, Pred, Selector, Step, Str, ValueExpr, Weekday, LabelTestNode,
} from './ast.js';

/** A problem the grammar finds while folding clauses: duplicates and missing clauses. */
export type Problem = {
  readonly code: ErrorCode;
  readonly message: string;
  readonly loc: Loc;
};

/**
 * Where the clauses of a declaration were written, for the formatter to put comments back:
 * the declaration's last token, the keyword of the first clause of each kind (by clause
 * name), and the keyword of every clause, step and schedule in source order.
 */
export type DeclLayout = {
  readonly end: Loc;
  readonly items: Readonly<Record<string, Loc>>;
  readonly starts: readonly Loc[];
};

/** One parsed declaration: the node (absent when a required clause is missing), its problems and layout. */
export type ParsedDecl = {
  readonly decl: Decl | undefined;
  readonly problems: readonly Problem[];
  readonly layout: DeclLayout;
};

type Tok = VigilToken;

/**
 * A clause of a block before folding: its keyword token, its node, its last token (where a
 * check ends) and problems found inside it.
 */
type Item = { readonly key: string; readonly kw: Tok; readonly node: any; readonly last: Tok; readonly problems?: readonly Problem[] };

function loc(t: Tok): Loc {
  return { line: t.line, col: t.col };
}

function identNode(t: Tok): Ident {
  return { kind: 'ident', name: t.value, loc: loc(t) };
}

function strNode(t: Tok): Str {
  return { kind: 'string', value: t.value, loc: loc(t) };
}

function durationNode(t: Tok): Duration {
  return { kind: 'duration', ms: durationMs(t.text), loc: loc(t) };
}

function literalNode(t: Tok): Literal {
  const value = t.type === 'string' ? t.value : t.type === 'number' ? Number(t.text) : t.text === 'true';
  return { kind: 'literal', value, loc: loc(t) };
}

/** `-`? NUMBER in a literal-only position: the sign folds into the literal. */
function signed(minus: Tok | null, n: Tok): Literal {
  return minus ? { kind: 'literal', value: -Number(n.text), loc: loc(minus) } : literalNode(n);
}

/** `X ("," X):*` as a flat array. */
function list<T>(first: T, rest: any[][]): T[] {
  return [first, ...rest.map((r) => r[1] as T)];
}

/** `{...node}` re-anchored at an opening parenthesis, so a node's loc is its first token. */
function at<T extends { loc: Loc }>(node: T, open: Tok): T {
  return { ...node, loc: loc(open) };
}

/**
 * Token matcher for a stream name: any identifier but `where`. A stream called `where` would
 * make `absent where where - x ...` read both as `absent` of a stream `where` and as a stream
 * `absent` whose predicate starts with the field `where`. (Declared with `var` and type
 * `any` because nearleyc declares every `%name` it sees that way.)
 */
var streamName: any = { test: (t: Tok) => t.type === 'ident' && t.text !== 'where', expected: 'stream name' };

/** A clause item; `last` matters only where a declaration may end on it (checks). */
function item(key: string, kw: Tok, node: any, last: Tok = kw): Item {
  return { key, kw, node, last };
}

/**
 * Folds a clause list: the first of each key wins, a repeat is reported (E_CHECK) unless
 * the key is in `repeatable`, whose items are gathered in order.
 */
function fold(items: readonly Item[], what: string, problems: Problem[], repeatable: readonly string[] = []) {
  const first = new Map<string, Item>();
  const many = new Map<string, Item[]>();
  for (const it of items) {
    if (it.problems) problems.push(...it.problems);
    if (repeatable.includes(it.key)) {
      const gathered = many.get(it.key);
      if (gathered) gathered.push(it);
      else many.set(it.key, [it]);
    } else if (first.has(it.key)) {
      problems.push({ code: ErrorCode.Check, message: `duplicate "${it.key}" clause in ${what}`, loc: loc(it.kw) });
    } else {
      first.set(it.key, it);
    }
  }
  const keyLocs: Record<string, Loc> = {};
  for (const it of items) keyLocs[it.key] ??= loc(it.kw);
  const starts = items.map((it) => loc(it.kw));
  return {
    get: (key: string): any => first.get(key)?.node,
    all: (key: string): any[] => (many.get(key) ?? []).map((it) => it.node),
    keyLocs,
    starts,
  };
}

function missing(problems: Problem[], what: string, clause: string, at: Tok): void {
  problems.push({ code: ErrorCode.Syntax, message: `${what} has no "${clause}" clause`, loc: loc(at) });
}

/** Spreads `{[key]: value}` only when value is present, so absent options stay absent. */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function parsed(decl: Decl | undefined, problems: Problem[], end: Tok, c: { keyLocs: Record<string, Loc>; starts: Loc[] }): ParsedDecl {
  return { decl, problems, layout: { end: loc(end), items: c.keyLocs, starts: c.starts } };
}

function ruleDecl(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `rule "${name.value}"`;
  const c = fold(items, what, problems);
  const when = c.get('when') as Condition | undefined;
  if (!when) missing(problems, what, 'when', kw);
  const decl: Decl | undefined = when && {
    kind: 'rule',
    name: identNode(name),
    when,
    ...opt('for', c.get('for') as Duration | undefined),
    ...opt('keep', c.get('keep') as Duration | undefined),
    ...opt('severity', c.get('severity')),
    ...opt('labels', c.get('labels') as LabelPair[] | undefined),
    ...opt('summary', c.get('summary') as Str | undefined),
    ...opt('notify', c.get('notify') as NotifyStep[] | undefined),
    ...opt('repeat', c.get('repeat') as Duration | undefined),
    ...opt('run', c.get('run') as Ident | undefined),
    ...opt('group', c.get('group')),
    ...opt('openWhen', c.get('open when')),
    ...opt('flapping', c.get('flapping')),
    loc: loc(kw),
  };
  return parsed(decl, problems, close, c);
}

function emailChannel(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `channel "${name.value}"`;
  const c = fold(items, what, problems);
  const to = c.get('to') as Str[] | undefined;
  if (!to) missing(problems, what, 'to', kw);
  const decl: Decl | undefined = to && {
    kind: 'channel',
    type: 'email',
    name: identNode(name),
    to,
    ...opt('subject', c.get('subject') as Str | undefined),
    ...opt('batch', c.get('batch') as Duration | undefined),
    loc: loc(kw),
  };
  return parsed(decl, problems, close, c);
}

function webhookChannel(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `channel "${name.value}"`;
  const c = fold(items, what, problems, ['header']);
  const url = c.get('url') as Str | undefined;
  if (!url) missing(problems, what, 'url', kw);
  const decl: Decl | undefined = url && {
    kind: 'channel',
    type: 'webhook',
    name: identNode(name),
    url,
    ...opt('format', c.get('format')),
    ...opt('secret', c.get('secret')),
    headers: c.all('header') as Header[],
    ...opt('batch', c.get('batch') as Duration | undefined),
    loc: loc(kw),
  };
  return parsed(decl, problems, close, c);
}

/** `check NAME TYPE TARGET OPTIONS`; `target` is a string or, for exec, an argv list. */
function checkDecl(kw: Tok, name: Tok, type: Tok, target: { node: Str | Str[]; last: Tok }, items: Item[]): ParsedDecl {
  const problems: Problem[] = [];
  const what = `check "${name.value}"`;
  const c = fold(items, what, problems);
  const every = c.get('every') as Duration | undefined;
  if (!every) missing(problems, what, 'every', kw);
  const options = {
    ...opt('timeout', c.get('timeout') as Duration | undefined),
    ...opt('expectStatus', c.get('expect status') as Literal | undefined),
    ...opt('expectBodyContains', c.get('expect body') as Str | undefined),
    ...opt('host', c.get('host') as Str | undefined),
    ...opt('service', c.get('service') as Str | undefined),
    ...opt('labels', c.get('labels') as LabelPair[] | undefined),
  };
  let decl: Decl | undefined;
  if (every && type.text === 'exec') {
    decl = { kind: 'check', type: 'exec', name: identNode(name), argv: target.node as Str[], every, ...options, loc: loc(kw) };
  } else if (every) {
    const netType = type.text as 'http' | 'tcp' | 'tls';
    decl = { kind: 'check', type: netType, name: identNode(name), target: target.node as Str, every, ...options, loc: loc(kw) };
  }
  const last = items.length > 0 ? items[items.length - 1]!.last : target.last;
  return parsed(decl, problems, last, c);
}

function playbookDecl(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `playbook "${name.value}"`;
  const c = fold(items, what, problems, ['step']);
  const steps = c.all('step') as Step[];
  if (steps.length === 0) missing(problems, what, 'step', kw);
  const decl: Decl | undefined = steps.length === 0 ? undefined : {
    kind: 'playbook',
    name: identNode(name),
    ...opt('limit', c.get('limit')),
    ...opt('cooldown', c.get('cooldown') as Duration | undefined),
    approve: c.get('approve') === true,
    steps,
    ...opt('onFailure', c.get('on failure') as Ident[] | undefined),
    loc: loc(kw),
  };
  return parsed(decl, problems, close, c);
}

function maintenanceDecl(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `maintenance "${name.value}"`;
  const c = fold(items, what, problems, ['schedule']);
  const match = c.get('match') as Pred | undefined;
  const schedules = c.all('schedule');
  if (!match) missing(problems, what, 'match', kw);
  if (schedules.length === 0) problems.push({ code: ErrorCode.Syntax, message: `${what} has no "weekly" or "from" schedule`, loc: loc(kw) });
  const decl: Decl | undefined = match && schedules.length > 0 ? { kind: 'maintenance', name: identNode(name), match, schedules, loc: loc(kw) } : undefined;
  return parsed(decl, problems, close, c);
}

function inhibitDecl(kw: Tok, name: Tok, items: Item[], close: Tok): ParsedDecl {
  const problems: Problem[] = [];
  const what = `inhibit "${name.value}"`;
  const c = fold(items, what, problems);
  const source = c.get('source') as Pred | undefined;
  const target = c.get('target') as Pred | undefined;
  if (!source) missing(problems, what, 'source', kw);
  if (!target) missing(problems, what, 'target', kw);
  const equal = (c.get('equal') as FieldPath[] | undefined) ?? [];
  const decl: Decl | undefined = source && target ? { kind: 'inhibit', name: identNode(name), source, target, equal, loc: loc(kw) } : undefined;
  return parsed(decl, problems, close, c);
}

/** Folds the options of a step (exec, ssh or http; each accepts its own subset). */
function stepOptions(items: Item[], problems: Problem[]) {
  const c = fold(items, 'step', problems, ['header']);
  return {
    ...opt('body', c.get('body') as Str | undefined),
    headers: c.all('header') as Header[],
    ...opt('expectStatus', c.get('expect status') as Literal | undefined),
    ...opt('timeout', c.get('timeout') as Duration | undefined),
    ...opt('retry', c.get('retry') as Literal | undefined),
  };
}

/** A step as a playbook item; problems in its options (a repeated `timeout`, say) travel with it. */
function stepItem(kw: Tok, build: (problems: Problem[]) => Step): Item {
  const problems: Problem[] = [];
  const node = build(problems);
  return { key: 'step', kw, node, last: kw, problems };
}

/** The options of an exec or ssh step. */
function execOptions(opts: Item[], problems: Problem[]) {
  const { timeout, retry } = stepOptions(opts, problems);
  return { ...opt('timeout', timeout), ...opt('retry', retry) };
}

/** An http step from its method, URL and options. */
function httpStep(kw: Tok, method: Ident, url: Str, opts: Item[], problems: Problem[]): Step {
  const { body, headers, expectStatus, timeout } = stepOptions(opts, problems);
  return { kind: 'http', method, url, ...opt('body', body), headers, ...opt('expectStatus', expectStatus), ...opt('timeout', timeout), loc: loc(kw) };
}

/** A label test with its last token, for where a `depends` line ends. */
type LabelTestItem = LabelTestNode & { readonly last: Tok };

/** `depends CHILD on PARENT`: a one-line declaration ending at its last label test. */
function dependsDecl(kw: Tok, child: LabelTestItem[], parent: LabelTestItem[]): ParsedDecl {
  const strip = ({ last: _, ...t }: LabelTestItem): LabelTestNode => t;
  const end = parent[parent.length - 1]!.last;
  return parsed({ kind: 'depends', child: child.map(strip), parent: parent.map(strip), loc: loc(kw) }, [], end, { keyLocs: {}, starts: [] });
}
%}

@lexer vigilLexer

file -> decl:* {% id %}

decl -> ruleDecl {% id %}
  | channelDecl {% id %}
  | checkDecl {% id %}
  | playbookDecl {% id %}
  | maintenanceDecl {% id %}
  | inhibitDecl {% id %}
  | dependsDecl {% id %}

# --- shared pieces --------------------------------------------------------------------

name -> %ident {% ([t]) => identNode(t) %}
string -> %string {% ([t]) => strNode(t) %}
duration -> %duration {% ([t]) => durationNode(t) %}
signedNumber -> "-":? %number {% ([m, n]) => signed(m, n) %}

field -> %ident ("." %ident):* {% ([first, rest]): FieldPath => ({ kind: 'field', path: [first.value, ...rest.map((r: any[]) => r[1].value)], loc: loc(first) }) %}
fieldList -> field ("," field):* {% ([f, rest]) => list(f, rest) %}
nameList -> name ("," name):* {% ([n, rest]) => list(n, rest) %}
stringList -> string ("," string):* {% ([s, rest]) => list(s, rest) %}

# `[STRING, ...]`, with the closing bracket for the layout.
argv -> "[" "]" {% ([, close]) => ({ node: [], last: close }) %}
  | "[" stringList "]" {% ([, node, close]) => ({ node, last: close }) %}

# `{ KEY = STRING, ... }` with an optional trailing comma.
labelsBlock -> "{" "}" {% ([, close]) => ({ node: [], last: close }) %}
  | "{" labelPair ("," labelPair):* ",":? "}" {% ([, first, rest, , close]) => ({ node: list(first, rest), last: close }) %}
labelPair -> name "=" string {% ([key, , value]): LabelPair => ({ key, value }) %}

cmpOp -> "==" {% ([t]) => t %} | "!=" {% ([t]) => t %} | "<" {% ([t]) => t %}
  | "<=" {% ([t]) => t %} | ">" {% ([t]) => t %} | ">=" {% ([t]) => t %}

literal -> %string {% ([t]) => literalNode(t) %}
  | signedNumber {% id %}
  | "true" {% ([t]) => literalNode(t) %}
  | "false" {% ([t]) => literalNode(t) %}
literalList -> literal ("," literal):* {% ([l, rest]) => list(l, rest) %}

# --- values: + - over * / over unary minus ------------------------------------------------

value -> sum {% id %}
sum -> sum "+" product {% ([left, , right]): ValueExpr => ({ kind: 'binary', op: '+', left, right, loc: left.loc }) %}
  | sum "-" product {% ([left, , right]): ValueExpr => ({ kind: 'binary', op: '-', left, right, loc: left.loc }) %}
  | product {% id %}
product -> product "*" unary {% ([left, , right]): ValueExpr => ({ kind: 'binary', op: '*', left, right, loc: left.loc }) %}
  | product "/" unary {% ([left, , right]): ValueExpr => ({ kind: 'binary', op: '/', left, right, loc: left.loc }) %}
  | unary {% id %}
unary -> "-" unary {% ([m, operand]): ValueExpr => ({ kind: 'neg', operand, loc: loc(m) }) %}
  | primary {% id %}
primary -> field {% id %}
  | %string {% ([t]) => literalNode(t) %}
  | %number {% ([t]) => literalNode(t) %}
  | "true" {% ([t]) => literalNode(t) %}
  | "false" {% ([t]) => literalNode(t) %}
  | %labelref {% ([t]): ValueExpr => ({ kind: 'labelRef', name: t.value.slice(1), loc: loc(t) }) %}
  | "(" sum ")" {% ([open, v]) => at(v, open) %}

# --- predicates: not over and over or ------------------------------------------------------

pred -> pred "or" andPred {% ([left, , right]): Pred => ({ kind: 'or', left, right, loc: left.loc }) %}
  | andPred {% id %}
andPred -> andPred "and" notPred {% ([left, , right]): Pred => ({ kind: 'and', left, right, loc: left.loc }) %}
  | notPred {% id %}
notPred -> "not" notPred {% ([t, operand]): Pred => ({ kind: 'not', operand, loc: loc(t) }) %}
  | atom {% id %}
atom -> "(" pred ")" {% ([open, p]) => at(p, open) %}
  | value cmpOp value {% ([left, op, right]): Pred => ({ kind: 'compare', op: op.text as CmpOp, left, right, loc: left.loc }) %}
  | value matchOp string ignoreCase:? {% ([value, op, pattern, i]): Pred => ({ kind: 'match', negated: op.text === '!~', value, pattern, ignoreCase: i !== null, loc: value.loc }) %}
  | value "in" "(" literalList ")" {% ([value, , , list]): Pred => ({ kind: 'in', negated: false, value, list, loc: value.loc }) %}
  | value "not" "in" "(" literalList ")" {% ([value, , , , list]): Pred => ({ kind: 'in', negated: true, value, list, loc: value.loc }) %}
  | value "contains" string {% ([value, , text]): Pred => ({ kind: 'contains', value, text, loc: value.loc }) %}
  | "exists" field {% ([t, field]): Pred => ({ kind: 'exists', field, loc: loc(t) }) %}
matchOp -> "=~" {% ([t]) => t %} | "!~" {% ([t]) => t %}
ignoreCase -> "i" {% ([t]) => t %}

# --- selectors and conditions -----------------------------------------------------------

selector -> %streamName ("where" pred):? {% ([t, w]): Selector => ({ kind: 'selector', stream: identNode(t), ...opt('where', w ? w[1] as Pred : undefined), loc: loc(t) }) %}
by -> ("by" fieldList):? {% ([b]) => (b ? b[1] : []) %}
quiet -> ("quiet" duration):? {% ([q]) => (q ? q[1] : undefined) %}

condition -> selector by quiet
    {% ([selector, by, q]): Condition => ({ kind: 'occurs', selector, by, ...opt('quiet', q as Duration | undefined), loc: selector.loc }) %}
  | "latest" selector by "is" pred
    {% ([t, selector, by, , is]): Condition => ({ kind: 'latest', selector, by, is, loc: loc(t) }) %}
  | aggCall "of" selector "over" duration by threshold ("clear" threshold):?
    {% ([agg, , selector, , over, by, threshold, c]): Condition => ({ kind: 'aggregate', agg, selector, over, by, threshold, ...opt('clear', c ? c[1] : undefined), loc: agg.loc }) %}
  | "absent" selector "for" duration by
    {% ([t, selector, , d, by]): Condition => ({ kind: 'absent', selector, for: d, by, loc: loc(t) }) %}
  | selector "then" "not":? selector "within" duration by quiet
    {% ([first, , not, second, , within, by, q]): Condition => ({ kind: 'sequence', first, negated: not !== null, second, within, by, ...opt('quiet', q as Duration | undefined), loc: first.loc }) %}
  | "changed" field "of" selector by quiet
    {% ([t, field, , selector, by, q]): Condition => ({ kind: 'changed', field, selector, by, ...opt('quiet', q as Duration | undefined), loc: loc(t) }) %}

aggCall -> ("count" | "rate") {% ([[t]]): AggCall => ({ fn: t.text, loc: loc(t) }) %}
  | fieldAggFn "(" field ")" {% ([t, , field]): AggCall => ({ fn: t.text, field, loc: loc(t) }) %}
  | ("rate" | "increase") "(" field ")" {% ([[t], , field]): AggCall => ({ fn: t.text, field, loc: loc(t) }) %}
  | "ratio" "(" pred ")" {% ([t, , pred]): AggCall => ({ fn: 'ratio', pred, loc: loc(t) }) %}
fieldAggFn -> ("sum" | "avg" | "min" | "max" | "last" | "distinct" | "p50" | "p90" | "p95" | "p99") {% ([[t]]) => t %}
threshold -> cmpOp literal {% ([op, value]) => ({ op: op.text as CmpOp, value, loc: loc(op) }) %}

# --- rule ---------------------------------------------------------------------------------

ruleDecl -> "rule" %ident "{" ruleItem:* "}" {% ([kw, name, , items, close]) => ruleDecl(kw, name, items, close) %}
ruleItem -> "when" condition {% ([kw, c]) => item('when', kw, c) %}
  | "for" duration {% ([kw, d]) => item('for', kw, d) %}
  | "keep" duration {% ([kw, d]) => item('keep', kw, d) %}
  | "severity" ("info" | "warning" | "critical") {% ([kw, [t]]) => item('severity', kw, { value: t.text, loc: loc(t) }, t) %}
  | "labels" labelsBlock {% ([kw, b]) => item('labels', kw, b.node, b.last) %}
  | "summary" string {% ([kw, s]) => item('summary', kw, s) %}
  | "notify" nameList escalation:*
    {% ([kw, channels, more]) => item('notify', kw, [{ channels, loc: loc(kw) }, ...more]) %}
  | "repeat" duration {% ([kw, d]) => item('repeat', kw, d) %}
  | "run" name {% ([kw, n]) => item('run', kw, n) %}
  | incidentItem {% id %}
escalation -> "then" nameList "after" duration {% ([t, channels, , after]): NotifyStep => ({ channels, after, loc: loc(t) }) %}

# --- channel ------------------------------------------------------------------------------

channelDecl -> "channel" %ident "email" "{" emailItem:* "}" {% ([kw, name, , , items, close]) => emailChannel(kw, name, items, close) %}
  | "channel" %ident "webhook" "{" webhookItem:* "}" {% ([kw, name, , , items, close]) => webhookChannel(kw, name, items, close) %}
  | "channel" %ident "kafka" "{" "topic" string "}"
    {% ([kw, name, , , topicKw, topic, close]): ParsedDecl => parsed({ kind: 'channel', type: 'kafka', name: identNode(name), topic, loc: loc(kw) }, [], close, { keyLocs: { topic: loc(topicKw) }, starts: [loc(topicKw)] }) %}
  | "channel" %ident "log" "{" "}"
    {% ([kw, name, , , close]): ParsedDecl => parsed({ kind: 'channel', type: 'log', name: identNode(name), loc: loc(kw) }, [], close, { keyLocs: {}, starts: [] }) %}
emailItem -> "to" stringList {% ([kw, l]) => item('to', kw, l) %}
  | "subject" string {% ([kw, s]) => item('subject', kw, s) %}
  | "batch" duration {% ([kw, d]) => item('batch', kw, d) %}
webhookItem -> "url" string {% ([kw, s]) => item('url', kw, s) %}
  | "format" ("json" | "slack" | "alertmanager") {% ([kw, [t]]) => item('format', kw, { value: t.text, loc: loc(t) }, t) %}
  | "secret" "env" "(" %ident ")" {% ([kw, e, , n]) => item('secret', kw, { kind: 'env', name: n.value, loc: loc(e) }) %}
  | "header" string string {% ([kw, name, value]) => item('header', kw, { name, value } satisfies Header) %}
  | "batch" duration {% ([kw, d]) => item('batch', kw, d) %}

# --- check --------------------------------------------------------------------------------

checkDecl -> "check" %ident ("http" | "tcp" | "tls") %string checkItem:*
    {% ([kw, name, [type], target, items]) => checkDecl(kw, name, type, { node: strNode(target), last: target }, items) %}
  | "check" %ident "exec" argv checkItem:*
    {% ([kw, name, type, target, items]) => checkDecl(kw, name, type, target, items) %}
checkItem -> "every" %duration {% ([kw, d]) => item('every', kw, durationNode(d), d) %}
  | "timeout" %duration {% ([kw, d]) => item('timeout', kw, durationNode(d), d) %}
  | "expect" "status" "-":? %number {% ([kw, , m, n]) => item('expect status', kw, signed(m, n), n) %}
  | "expect" "body" "contains" %string {% ([kw, , , s]) => item('expect body', kw, strNode(s), s) %}
  | "host" %string {% ([kw, s]) => item('host', kw, strNode(s), s) %}
  | "service" %string {% ([kw, s]) => item('service', kw, strNode(s), s) %}
  | "labels" labelsBlock {% ([kw, b]) => item('labels', kw, b.node, b.last) %}

# --- playbook -----------------------------------------------------------------------------

playbookDecl -> "playbook" %ident "{" playbookItem:* "}" {% ([kw, name, , items, close]) => playbookDecl(kw, name, items, close) %}
playbookItem -> "limit" signedNumber "per" duration {% ([kw, count, , per]) => item('limit', kw, { count, per, loc: loc(kw) }) %}
  | "cooldown" duration {% ([kw, d]) => item('cooldown', kw, d) %}
  | "approve" {% ([kw]) => item('approve', kw, true) %}
  | "on" "failure" "notify" nameList {% ([kw, , , l]) => item('on failure', kw, l) %}
  | step {% id %}
step -> "step" "exec" argv execOption:*
    {% ([kw, , a, opts]) => stepItem(kw, (p) => ({ kind: 'exec', argv: a.node, ...execOptions(opts, p), loc: loc(kw) })) %}
  | "step" "ssh" string argv execOption:*
    {% ([kw, , target, a, opts]) => stepItem(kw, (p) => ({ kind: 'ssh', target, argv: a.node, ...execOptions(opts, p), loc: loc(kw) })) %}
  | "step" "http" name string httpOption:*
    {% ([kw, , method, url, opts]) => stepItem(kw, (p) => httpStep(kw, method, url, opts, p)) %}
  | "step" "docker" "restart" string
    {% ([kw, , , container]) => stepItem(kw, () => ({ kind: 'docker', action: 'restart', container, loc: loc(kw) })) %}
  | "step" "wait" selector "within" duration
    {% ([kw, , selector, , within]) => stepItem(kw, () => ({ kind: 'wait', selector, within, loc: loc(kw) })) %}
  | "step" "notify" nameList
    {% ([kw, , channels]) => stepItem(kw, () => ({ kind: 'notify', channels, loc: loc(kw) })) %}
execOption -> "timeout" duration {% ([kw, d]) => item('timeout', kw, d) %}
  | "retry" signedNumber {% ([kw, n]) => item('retry', kw, n) %}
httpOption -> "body" string {% ([kw, s]) => item('body', kw, s) %}
  | "header" string string {% ([kw, name, value]) => item('header', kw, { name, value } satisfies Header) %}
  | "expect" "status" signedNumber {% ([kw, , n]) => item('expect status', kw, n) %}
  | "timeout" duration {% ([kw, d]) => item('timeout', kw, d) %}


# --- maintenance and inhibit ----------------------------------------------------------------

maintenanceDecl -> "maintenance" %ident "{" maintenanceItem:* "}" {% ([kw, name, , items, close]) => maintenanceDecl(kw, name, items, close) %}
maintenanceItem -> "match" pred {% ([kw, p]) => item('match', kw, p) %}
  | "weekly" day ("," day):* %timerange string
    {% ([kw, d, rest, range, zone]) => item('schedule', kw, { kind: 'weekly', days: list(d, rest), from: range.text.slice(0, 5), to: range.text.slice(6), zone, loc: loc(kw) }) %}
  | "from" string "to" string {% ([kw, from, , to]) => item('schedule', kw, { kind: 'absolute', from, to, loc: loc(kw) }) %}
day -> ("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun") {% ([[t]]): Weekday => t.text %}

inhibitDecl -> "inhibit" %ident "{" inhibitItem:* "}" {% ([kw, name, , items, close]) => inhibitDecl(kw, name, items, close) %}
inhibitItem -> "source" pred {% ([kw, p]) => item('source', kw, p) %}
  | "target" pred {% ([kw, p]) => item('target', kw, p) %}
  | "equal" fieldList {% ([kw, l]) => item('equal', kw, l) %}

# --- depends (one line: `depends service=minitwit on host=$host`) ----------------------------

dependsDecl -> "depends" labelTests "on" labelTests
    {% ([kw, child, , parent]) => dependsDecl(kw, child, parent) %}
labelTests -> labelTest ("," labelTest):* {% ([t, rest]) => list(t, rest) %}
labelTest -> %ident {% ([l]) => ({ label: identNode(l), loc: loc(l), last: l }) %}
  | %ident "=" (%ident | %string) {% ([l, , [v]]) => ({ label: identNode(l), value: v.value, loc: loc(l), last: v }) %}
  | %ident "=" %labelref {% ([l, , r]) => ({ label: identNode(l), ref: r.value.slice(1), loc: loc(l), last: r }) %}

# --- how a rule's alerts become incidents and pages (rule clauses) ---------------------------

incidentItem -> "group" "by" fieldList "within" duration {% ([kw, , labels, , within]) => item('group', kw, { labels, within, loc: loc(kw) }) %}
  | "open" "when" signedNumber "alerts" "within" duration {% ([kw, , count, , , within]) => item('open when', kw, { count, within, loc: loc(kw) }) %}
  | "flapping" signedNumber "within" duration {% ([kw, count, , within]) => item('flapping', kw, { count, within, loc: loc(kw) }) %}
