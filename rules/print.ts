/**
 * The canonical printer of the vigil rule language (what `vigil fmt` writes): one layout
 * for every AST, comments kept. Printing is idempotent, and parsing the output gives the
 * same AST as the input (locations aside).
 */
import type {
  AggCall, ChannelDecl, CheckDecl, Comment, Condition, Decl, Duration, FieldPath, Header, Ident,
  DependsDecl, InhibitDecl, LabelPair, LabelTestNode, Literal, Loc, MaintenanceDecl, PlaybookDecl, Pred, RuleDecl, RuleFile,
  Selector, Step, Str, Threshold, ValueExpr,
} from './ast.js';
import { formatDuration } from '../engine/model/duration.js';
import { sourceLayout } from './parse.js';
import { RESERVED_WORDS } from './lexer.js';

const INDENT = '  ';

function numberText(n: number): string {
  // `Infinity` would re-read as a field name; 1e999 reads back as Infinity.
  if (Number.isFinite(n)) return String(n);
  return n > 0 ? '1e999' : '-1e999';
}

const str = (s: Str): string => JSON.stringify(s.value);
const dur = (d: Duration): string => formatDuration(d.ms);
const field = (f: FieldPath): string => f.path.join('.');
const names = (list: readonly Ident[]): string => list.map((i) => i.name).join(', ');
const strings = (list: readonly Str[]): string => `[${list.map(str).join(', ')}]`;

function literal(l: Literal): string {
  return typeof l.value === 'string' ? JSON.stringify(l.value) : typeof l.value === 'number' ? numberText(l.value) : String(l.value);
}

/** Binding strength of value nodes: higher binds tighter. */
function valuePrec(v: ValueExpr): number {
  if (v.kind === 'binary') return v.op === '+' || v.op === '-' ? 1 : 2;
  return v.kind === 'neg' ? 3 : 4;
}

/** A value expression, parenthesised only where `minPrec` (the context's binding) needs it. */
export function printValue(v: ValueExpr, minPrec = 1): string {
  let text: string;
  switch (v.kind) {
    case 'field':
      text = field(v);
      break;
    case 'literal':
      text = literal(v);
      break;
    case 'labelRef':
      text = `$${v.name}`;
      break;
    case 'neg':
      text = `-${printValue(v.operand, 3)}`;
      break;
    case 'binary': {
      // Left-associative: the right operand of an operator of the same strength needs parentheses.
      const p = valuePrec(v);
      text = `${printValue(v.left, p)} ${v.op} ${printValue(v.right, p + 1)}`;
      break;
    }
  }
  return valuePrec(v) < minPrec ? `(${text})` : text;
}

/** Binding strength of predicate nodes: `or` < `and` < `not` < atoms. */
function predPrec(p: Pred): number {
  return p.kind === 'or' ? 1 : p.kind === 'and' ? 2 : p.kind === 'not' ? 3 : 4;
}

/** A predicate with the fewest parentheses that parse back to the same tree. */
export function printPredicate(p: Pred, minPrec = 1): string {
  let text: string;
  switch (p.kind) {
    case 'or':
      text = `${printPredicate(p.left, 1)} or ${printPredicate(p.right, 2)}`;
      break;
    case 'and':
      text = `${printPredicate(p.left, 2)} and ${printPredicate(p.right, 3)}`;
      break;
    case 'not':
      text = `not ${printPredicate(p.operand, 3)}`;
      break;
    case 'compare':
      text = `${printValue(p.left)} ${p.op} ${printValue(p.right)}`;
      break;
    case 'match':
      text = `${printValue(p.value)} ${p.negated ? '!~' : '=~'} ${str(p.pattern)}${p.ignoreCase ? ' i' : ''}`;
      break;
    case 'in':
      text = `${printValue(p.value)} ${p.negated ? 'not in' : 'in'} (${p.list.map(literal).join(', ')})`;
      break;
    case 'contains':
      text = `${printValue(p.value)} contains ${str(p.text)}`;
      break;
    case 'exists':
      text = `exists ${field(p.field)}`;
      break;
  }
  return predPrec(p) < minPrec ? `(${text})` : text;
}

function selector(s: Selector): string {
  return s.where ? `${s.stream.name} where ${printPredicate(s.where)}` : s.stream.name;
}

const by = (fields: readonly FieldPath[]): string => (fields.length > 0 ? ` by ${fields.map(field).join(', ')}` : '');
const quiet = (d: Duration | undefined): string => (d ? ` quiet ${dur(d)}` : '');
const threshold = (t: Threshold): string => `${t.op} ${literal(t.value)}`;

function aggCall(a: AggCall): string {
  if ('field' in a) return `${a.fn}(${field(a.field)})`;
  if ('pred' in a) return `ratio(${printPredicate(a.pred)})`;
  return a.fn;
}

/** A rule condition (what follows `when`) in canonical form. */
export function printCondition(c: Condition): string {
  switch (c.kind) {
    case 'occurs':
      return `${selector(c.selector)}${by(c.by)}${quiet(c.quiet)}`;
    case 'latest':
      return `latest ${selector(c.selector)}${by(c.by)} is ${printPredicate(c.is)}`;
    case 'aggregate':
      return `${aggCall(c.agg)} of ${selector(c.selector)} over ${dur(c.over)}${by(c.by)} ${threshold(c.threshold)}${c.clear ? ` clear ${threshold(c.clear)}` : ''}`;
    case 'absent':
      return `absent ${selector(c.selector)} for ${dur(c.for)}${by(c.by)}`;
    case 'sequence':
      return `${selector(c.first)} then ${c.negated ? 'not ' : ''}${selector(c.second)} within ${dur(c.within)}${by(c.by)}${quiet(c.quiet)}`;
    case 'changed':
      return `changed ${field(c.field)} of ${selector(c.selector)}${by(c.by)}${quiet(c.quiet)}`;
  }
}

const labels = (pairs: readonly LabelPair[]): string =>
  pairs.length === 0 ? 'labels {}' : `labels { ${pairs.map((p) => `${p.key.name} = ${str(p.value)}`).join(', ')} }`;
const headers = (list: readonly Header[]): string => list.map((h) => ` header ${str(h.name)} ${str(h.value)}`).join('');

// ---------------------------------------------------------------------------------------
// Declarations as lines

/** A printed line of a declaration and where its source started, for placing comments. */
type Entry = { readonly text: string; readonly pos: number | undefined };

/** A declaration as a header line and, for block declarations, body lines and a `}`. */
type Shape = { readonly header: Entry; readonly body?: readonly Entry[] };

const pos = (loc: Loc | undefined): number | undefined => (loc ? loc.line * 10_000_000 + loc.col : undefined);
const lineOf = (p: number): number => Math.floor(p / 10_000_000);

function ruleShape(r: RuleDecl, at: (key: string, fallback?: Loc) => number | undefined): Shape {
  const body: Entry[] = [{ text: `when ${printCondition(r.when)}`, pos: at('when', r.when.loc) }];
  if (r.for) body.push({ text: `for ${dur(r.for)}`, pos: at('for', r.for.loc) });
  if (r.keep) body.push({ text: `keep ${dur(r.keep)}`, pos: at('keep', r.keep.loc) });
  if (r.severity) body.push({ text: `severity ${r.severity.value}`, pos: at('severity', r.severity.loc) });
  if (r.labels) body.push({ text: labels(r.labels), pos: at('labels', r.labels[0]?.key.loc) });
  if (r.summary) body.push({ text: `summary ${str(r.summary)}`, pos: at('summary', r.summary.loc) });
  if (r.notify && r.notify.length > 0) {
    const [first, ...rest] = r.notify;
    const more = rest.map((s) => ` then ${names(s.channels)}${s.after ? ` after ${dur(s.after)}` : ''}`).join('');
    body.push({ text: `notify ${names(first!.channels)}${more}`, pos: at('notify', first!.loc) });
  }
  if (r.repeat) body.push({ text: `repeat ${dur(r.repeat)}`, pos: at('repeat', r.repeat.loc) });
  if (r.run) body.push({ text: `run ${r.run.name}`, pos: at('run', r.run.loc) });
  if (r.group) body.push({ text: `group by ${r.group.labels.map(field).join(', ')} within ${dur(r.group.within)}`, pos: at('group', r.group.loc) });
  if (r.openWhen) body.push({ text: `open when ${literal(r.openWhen.count)} alerts within ${dur(r.openWhen.within)}`, pos: at('open when', r.openWhen.loc) });
  if (r.flapping) body.push({ text: `flapping ${literal(r.flapping.count)} within ${dur(r.flapping.within)}`, pos: at('flapping', r.flapping.loc) });
  return { header: { text: `rule ${r.name.name} {`, pos: pos(r.loc) }, body };
}

function channelLine(c: ChannelDecl): string {
  const head = `channel ${c.name.name} ${c.type}`;
  switch (c.type) {
    case 'email':
      return `${head} { to ${c.to.map(str).join(', ')}${c.subject ? ` subject ${str(c.subject)}` : ''}${c.batch ? ` batch ${dur(c.batch)}` : ''} }`;
    case 'webhook':
      return (
        `${head} { url ${str(c.url)}${c.format ? ` format ${c.format.value}` : ''}${c.secret ? ` secret env(${c.secret.name})` : ''}` +
        `${headers(c.headers)}${c.batch ? ` batch ${dur(c.batch)}` : ''} }`
      );
    case 'kafka':
      return `${head} { topic ${str(c.topic)} }`;
    case 'log':
      return `${head} { }`;
  }
}

function checkLine(c: CheckDecl): string {
  const target = c.type === 'exec' ? strings(c.argv) : str(c.target);
  let out = `check ${c.name.name} ${c.type} ${target} every ${dur(c.every)}`;
  if (c.timeout) out += ` timeout ${dur(c.timeout)}`;
  if (c.expectStatus) out += ` expect status ${literal(c.expectStatus)}`;
  if (c.expectBodyContains) out += ` expect body contains ${str(c.expectBodyContains)}`;
  if (c.host) out += ` host ${str(c.host)}`;
  if (c.service) out += ` service ${str(c.service)}`;
  if (c.labels) out += ` ${labels(c.labels)}`;
  return out;
}

function stepLine(s: Step): string {
  switch (s.kind) {
    case 'exec':
      return `step exec ${strings(s.argv)}${s.timeout ? ` timeout ${dur(s.timeout)}` : ''}${s.retry ? ` retry ${literal(s.retry)}` : ''}`;
    case 'ssh':
      return `step ssh ${str(s.target)} ${strings(s.argv)}${s.timeout ? ` timeout ${dur(s.timeout)}` : ''}${s.retry ? ` retry ${literal(s.retry)}` : ''}`;
    case 'http':
      return (
        `step http ${s.method.name} ${str(s.url)}${s.body ? ` body ${str(s.body)}` : ''}${headers(s.headers)}` +
        `${s.expectStatus ? ` expect status ${literal(s.expectStatus)}` : ''}${s.timeout ? ` timeout ${dur(s.timeout)}` : ''}`
      );
    case 'docker':
      return `step docker ${s.action} ${str(s.container)}`;
    case 'wait':
      return `step wait ${selector(s.selector)} within ${dur(s.within)}`;
    case 'notify':
      return `step notify ${names(s.channels)}`;
  }
}

function playbookShape(p: PlaybookDecl, at: (key: string, fallback?: Loc) => number | undefined): Shape {
  const body: Entry[] = [];
  if (p.limit) body.push({ text: `limit ${literal(p.limit.count)} per ${dur(p.limit.per)}`, pos: at('limit', p.limit.loc) });
  if (p.cooldown) body.push({ text: `cooldown ${dur(p.cooldown)}`, pos: at('cooldown', p.cooldown.loc) });
  if (p.approve) body.push({ text: 'approve', pos: at('approve') });
  for (const s of p.steps) body.push({ text: stepLine(s), pos: pos(s.loc) });
  if (p.onFailure) body.push({ text: `on failure notify ${names(p.onFailure)}`, pos: at('on failure', p.onFailure[0]?.loc) });
  return { header: { text: `playbook ${p.name.name} {`, pos: pos(p.loc) }, body };
}

function maintenanceShape(m: MaintenanceDecl, at: (key: string, fallback?: Loc) => number | undefined): Shape {
  const body: Entry[] = [{ text: `match ${printPredicate(m.match)}`, pos: at('match', m.match.loc) }];
  for (const s of m.schedules) {
    const text = s.kind === 'weekly' ? `weekly ${s.days.join(', ')} ${s.from}-${s.to} ${str(s.zone)}` : `from ${str(s.from)} to ${str(s.to)}`;
    body.push({ text, pos: pos(s.loc) });
  }
  return { header: { text: `maintenance ${m.name.name} {`, pos: pos(m.loc) }, body };
}

function inhibitShape(i: InhibitDecl, at: (key: string, fallback?: Loc) => number | undefined): Shape {
  const body: Entry[] = [
    { text: `source ${printPredicate(i.source)}`, pos: at('source', i.source.loc) },
    { text: `target ${printPredicate(i.target)}`, pos: at('target', i.target.loc) },
  ];
  if (i.equal.length > 0) body.push({ text: `equal ${i.equal.map(field).join(', ')}`, pos: at('equal', i.equal[0]?.loc) });
  return { header: { text: `inhibit ${i.name.name} {`, pos: pos(i.loc) }, body };
}

/** A `depends` label test; a value is written bare when it reads back as an identifier. */
function labelTest(t: LabelTestNode): string {
  if (t.ref !== undefined) return `${t.label.name}=$${t.ref}`;
  if (t.value === undefined) return t.label.name;
  const bare = /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.value) && !RESERVED_WORDS.includes(t.value);
  return `${t.label.name}=${bare ? t.value : JSON.stringify(t.value)}`;
}

function dependsLine(d: DependsDecl): string {
  return `depends ${d.child.map(labelTest).join(', ')} on ${d.parent.map(labelTest).join(', ')}`;
}

function shapeOf(d: Decl): Shape {
  const layout = sourceLayout(d);
  const at = (key: string, fallback?: Loc) => pos(layout?.items[key] ?? fallback);
  switch (d.kind) {
    case 'rule':
      return ruleShape(d, at);
    case 'channel':
      return { header: { text: channelLine(d), pos: pos(d.loc) } };
    case 'check':
      return { header: { text: checkLine(d), pos: pos(d.loc) } };
    case 'playbook':
      return playbookShape(d, at);
    case 'maintenance':
      return maintenanceShape(d, at);
    case 'inhibit':
      return inhibitShape(d, at);
    case 'depends':
      return { header: { text: dependsLine(d), pos: pos(d.loc) } };
  }
}

// ---------------------------------------------------------------------------------------
// Comments

/** Comments attached to one printed line: own-line ones before it, one at its end. */
class Slot {
  readonly leading: Comment[] = [];
  readonly trailing: Comment[] = [];

  /**
   * Only one comment fits at the end of a line: the last one (from the last source line of a
   * clause that spanned several) stays there, earlier ones go before the line, which is also
   * where they land when the output is read again.
   */
  lines(indent: string, text: string, commentIndent = indent): string[] {
    const extra = this.trailing.slice(0, -1);
    const end = this.trailing[this.trailing.length - 1];
    const before = [...this.leading, ...extra].map((c) => commentIndent + commentText(c));
    return [...before, indent + text + (end ? ` ${commentText(end)}` : '')];
  }
}

const commentText = (c: Comment): string => c.text.trimEnd();

/** A declaration being printed, with the comments that belong to each of its lines. */
type Placed = {
  readonly shape: Shape;
  readonly start: number | undefined;
  /** Position of the declaration's last token; comments up to it (or on its line) are inside. */
  end: number | undefined;
  /** Where each clause, step and schedule was written, from the parser. */
  readonly spans: readonly { readonly start: Loc; readonly end: Loc }[];
  /** Own-line comments before the declaration, with whether a blank line followed each. */
  readonly before: { comment: Comment; gapAfter: boolean }[];
  readonly header: Slot;
  readonly body: Slot[];
  readonly close: Slot;
};

/** Places a comment that falls inside a declaration's source span on one of its lines. */
function placeInside(p: Placed, c: Comment, at: number): void {
  const body = p.shape.body;
  if (!body) {
    // One-line declarations: an own-line comment inside goes before the line.
    (c.trailing ? p.header.trailing : p.header.leading).push(c);
    return;
  }
  if (c.trailing) {
    // At the end of the line that holds the last clause starting before it.
    let slot = p.header;
    let best = p.start ?? -Infinity;
    body.forEach((e, i) => {
      if (e.pos !== undefined && e.pos < at && e.pos >= best) {
        best = e.pos;
        slot = p.body[i]!;
      }
    });
    if (p.end !== undefined && p.end < at) slot = p.close;
    slot.trailing.push(c);
    return;
  }
  // Inside a clause written over several lines: before that clause.
  for (const span of p.spans) {
    const start = pos(span.start)!;
    if (start < at && at < pos(span.end)!) {
      const i = body.findIndex((e) => e.pos === start);
      if (i >= 0) {
        p.body[i]!.leading.push(c);
        return;
      }
    }
  }
  // Otherwise before the first clause written after it, or before the closing brace.
  let slot = p.close;
  let best = Infinity;
  body.forEach((e, i) => {
    if (e.pos !== undefined && e.pos > at && e.pos < best) {
      best = e.pos;
      slot = p.body[i]!;
    }
  });
  slot.leading.push(c);
}

/**
 * Prints a parsed rule file in canonical form: declarations in file order separated by one
 * blank line, block bodies one clause per line in the spec's clause order, and every comment
 * kept next to the declaration or clause it was written with. Comments are placed by source
 * position, so declarations are expected in source order, as `parseRuleFile` returns them;
 * comments without a position (an AST built by hand) go at the end.
 */
export function printRuleFile(file: RuleFile): string {
  const placed: Placed[] = file.decls.map((decl) => {
    const shape = shapeOf(decl);
    const layout = sourceLayout(decl);
    return {
      shape,
      start: pos(decl.loc),
      end: pos(layout?.end),
      spans: layout?.spans ?? [],
      before: [],
      header: new Slot(),
      body: (shape.body ?? []).map(() => new Slot()),
      close: new Slot(),
    };
  });
  // Without a recorded end, a declaration is taken to reach up to the next one.
  const positioned = placed.filter((p) => p.start !== undefined);
  positioned.forEach((p, i) => {
    p.end ??= i + 1 < positioned.length ? positioned[i + 1]!.start! - 1 : Infinity;
  });

  const trailer: Comment[] = [];
  const comments = [...file.comments].sort((a, b) => (pos(a.loc) ?? Infinity) - (pos(b.loc) ?? Infinity));
  // Comments are sorted, so the last declaration starting before each one only moves forward.
  let owner = -1;
  for (const c of comments) {
    const at = pos(c.loc);
    if (at === undefined) {
      trailer.push(c);
      continue;
    }
    while (owner + 1 < positioned.length && positioned[owner + 1]!.start! < at) owner++;
    const p = positioned[owner];
    if (p && (at <= p.end! || (c.trailing && lineOf(at) === lineOf(p.end!)))) {
      placeInside(p, c, at);
    } else if (owner + 1 < positioned.length) {
      positioned[owner + 1]!.before.push({ comment: c, gapAfter: false });
    } else {
      trailer.push(c);
    }
  }

  // A blank line in the source after a leading comment is kept (one at most), so a file
  // header stays apart from the first declaration's own comment.
  for (const p of positioned) {
    p.before.forEach((b, i) => {
      const next = p.before[i + 1]?.comment.loc.line ?? lineOf(p.start!);
      b.gapAfter = next > b.comment.loc.line + 1;
    });
  }

  const out: string[] = [];
  placed.forEach((p, i) => {
    if (i > 0) out.push('');
    for (const b of p.before) {
      out.push(commentText(b.comment));
      if (b.gapAfter) out.push('');
    }
    out.push(...p.header.lines('', p.shape.header.text));
    if (p.shape.body) {
      p.shape.body.forEach((e, j) => out.push(...p.body[j]!.lines(INDENT, e.text)));
      out.push(...p.close.lines('', '}', INDENT));
    }
  });
  const lastEnd = positioned[positioned.length - 1]?.end;
  const lastLine = lastEnd !== undefined && Number.isFinite(lastEnd) ? lineOf(lastEnd) : undefined;
  trailer.forEach((c, i) => {
    // Apart from the last declaration unless written right under it; between comments, as written.
    const prev = i > 0 ? trailer[i - 1]!.loc?.line : lastLine;
    const gap = i === 0 ? out.length > 0 && (prev === undefined || c.loc === undefined || c.loc.line > prev + 1) : prev !== undefined && c.loc !== undefined && c.loc.line > prev + 1;
    if (gap) out.push('');
    out.push(commentText(c));
  });
  return out.length > 0 ? out.join('\n') + '\n' : '';
}
