import { IANAZone, DateTime } from 'luxon';
import { linearRegexProblem } from '../engine/linear-regex.js';
import { ErrorCode, type Diagnostic } from '../engine/model/errors.js';
import type {
  AggregateCond,
  Condition,
  Decl,
  DependsDecl,
  Duration,
  Ident,
  Literal,
  Loc,
  Pred,
  RuleFile,
  Selector,
  ValueExpr,
} from './ast.js';

/** A parsed rule file and the name it is reported under. */
export interface ParsedFile {
  readonly file: string;
  readonly ast: RuleFile;
}

/** Longest duration the language accepts anywhere. */
export const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

const NUMERIC_AGGS = new Set(['count', 'rate', 'increase', 'sum', 'avg', 'min', 'max', 'distinct', 'ratio', 'p50', 'p90', 'p95', 'p99']);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const RESERVED_LABELS = new Set(['rule', 'severity']);

/**
 * Checks a whole rule set (every file of a rules folder) and returns every problem, the way
 * a compiler does: duplicate names across files, unknown channels and playbooks, regular
 * expressions that do not compile, durations and numbers out of range, aggregates with the
 * wrong argument, `$label` outside playbooks, bad time zones. It reads nothing but the
 * files: an `env(NAME)` secret is checked for its form (the grammar takes a POSIX variable
 * name only), and whether the variable is set is the service's business when it builds its
 * sinks, so the same rules check the same everywhere.
 */
export function checkRuleSet(files: readonly ParsedFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = new Map<string, { file: string; loc: Loc }>();
  const channels = new Set<string>();
  const playbooks = new Set<string>();

  for (const { file, ast } of files) {
    for (const decl of ast.decls) {
      if (decl.kind === 'depends') continue;
      const key = `${decl.kind}:${decl.name.name}`;
      const first = names.get(key);
      if (first !== undefined) {
        report(out, file, decl.name.loc, `duplicate ${decl.kind} name "${decl.name.name}" (first defined at ${first.file}:${first.loc.line}:${first.loc.col})`);
      } else {
        names.set(key, { file, loc: decl.name.loc });
      }
      if (decl.kind === 'channel') channels.add(decl.name.name);
      if (decl.kind === 'playbook') playbooks.add(decl.name.name);
    }
  }

  for (const { file, ast } of files) {
    const c = new DeclChecker(file, out, channels, playbooks);
    for (const decl of ast.decls) c.decl(decl);
  }
  dependsCycles(files, out);
  return out;
}

/**
 * `depends` declarations form a graph from what the left side is about (its first label)
 * to what the right side is about: `depends host on switch=$switch` is host → switch. A
 * cycle (host → switch → host) would make alerts suppress each other, so it is an error,
 * reported at each declaration on it.
 */
function dependsCycles(files: readonly ParsedFile[], out: Diagnostic[]): void {
  const edges = new Map<string, { to: string; file: string; decl: DependsDecl }[]>();
  for (const { file, ast } of files) {
    for (const decl of ast.decls) {
      if (decl.kind !== 'depends') continue;
      const from = decl.child[0]!.label.name;
      const to = decl.parent[0]!.label.name;
      const list = edges.get(from) ?? [];
      list.push({ to, file, decl });
      edges.set(from, list);
    }
  }
  const reported = new Set<DependsDecl>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string, via: { file: string; decl: DependsDecl }[]): void => {
    if (onPath.has(node)) {
      const start = path.indexOf(node);
      const cycle = [...path.slice(start), node].join(' → ');
      for (const e of via.slice(start)) {
        if (reported.has(e.decl)) continue;
        reported.add(e.decl);
        report(out, e.file, e.decl.loc, `depends cycle: ${cycle}`);
      }
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    onPath.add(node);
    for (const e of edges.get(node) ?? []) visit(e.to, [...via, e]);
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of [...edges.keys()].sort()) visit(node, []);
}

function report(out: Diagnostic[], file: string, loc: Loc, message: string): void {
  out.push({ code: ErrorCode.Check, file, line: loc.line, col: loc.col, message });
}

/** Checks the declarations of one file against the names of the whole set. */
class DeclChecker {
  constructor(
    private readonly file: string,
    private readonly out: Diagnostic[],
    private readonly channels: ReadonlySet<string>,
    private readonly playbooks: ReadonlySet<string>,
  ) {}

  decl(decl: Decl): void {
    switch (decl.kind) {
      case 'rule': {
        this.condition(decl.when);
        this.duration(decl.for, 'for', 0);
        this.duration(decl.keep, 'keep', 0);
        this.duration(decl.repeat, 'repeat');
        for (const pair of decl.labels ?? []) {
          if (RESERVED_LABELS.has(pair.key.name)) this.error(pair.key.loc, `label "${pair.key.name}" is set by the engine and cannot be overridden`);
        }
        let previous = 0;
        for (const step of decl.notify ?? []) {
          for (const ch of step.channels) this.channel(ch);
          if (step.after !== undefined) {
            this.duration(step.after, 'after');
            if (step.after.ms <= previous) this.error(step.after.loc, 'escalation delays must increase from one step to the next');
            previous = step.after.ms;
          }
        }
        if (decl.group !== undefined) this.duration(decl.group.within, 'within');
        if (decl.openWhen !== undefined) {
          this.integer(decl.openWhen.count, 'open when', 1, 1_000_000);
          this.duration(decl.openWhen.within, 'within');
        }
        if (decl.flapping !== undefined) {
          this.integer(decl.flapping.count, 'flapping', 1, 1_000);
          this.duration(decl.flapping.within, 'within');
        }
        if (decl.run !== undefined && !this.playbooks.has(decl.run.name)) {
          this.error(decl.run.loc, `unknown playbook "${decl.run.name}"`);
        }
        return;
      }
      case 'channel':
        if (decl.type === 'email') {
          for (const to of decl.to) {
            if (!/^[^\s@]+@[^\s@]+$/.test(to.value)) this.error(to.loc, `"${to.value}" is not an email address`);
          }
          this.duration(decl.batch, 'batch');
        } else if (decl.type === 'webhook') {
          if (!isUrl(decl.url.value, ['http:', 'https:'])) this.error(decl.url.loc, `"${decl.url.value}" is not an http(s) URL`);
          this.duration(decl.batch, 'batch');
        } else if (decl.type === 'kafka') {
          if (decl.topic.value === '') this.error(decl.topic.loc, 'topic must not be empty');
        }
        return;
      case 'check': {
        this.duration(decl.every, 'every');
        this.duration(decl.timeout, 'timeout');
        if (decl.type === 'http') {
          if (!isUrl(decl.target.value, ['http:', 'https:'])) this.error(decl.target.loc, `"${decl.target.value}" is not an http(s) URL`);
        } else if (decl.type === 'exec') {
          if (decl.argv.length === 0) this.error(decl.loc, 'exec needs a program to run');
        } else if (!isHostPort(decl.target.value)) {
          this.error(decl.target.loc, `"${decl.target.value}" is not "host:port"`);
        }
        if (decl.type !== 'http') {
          if (decl.expectStatus !== undefined) this.error(decl.expectStatus.loc, `expect status applies to http checks only`);
          if (decl.expectBodyContains !== undefined) this.error(decl.expectBodyContains.loc, `expect body applies to http checks only`);
        }
        this.integer(decl.expectStatus, 'status', 100, 599);
        return;
      }
      case 'playbook':
        if (decl.limit !== undefined) {
          this.integer(decl.limit.count, 'limit', 1, 1_000_000);
          this.duration(decl.limit.per, 'per');
        }
        this.duration(decl.cooldown, 'cooldown');
        if (decl.steps.length === 0) this.error(decl.loc, 'a playbook needs at least one step');
        for (const step of decl.steps) {
          switch (step.kind) {
            case 'exec':
            case 'ssh':
              if (step.argv.length === 0) this.error(step.loc, `${step.kind} needs a command to run`);
              this.duration(step.timeout, 'timeout');
              this.integer(step.retry, 'retry', 0, 100);
              break;
            case 'http':
              if (!HTTP_METHODS.has(step.method.name)) this.error(step.method.loc, `unknown HTTP method "${step.method.name}"`);
              this.integer(step.expectStatus, 'status', 100, 599);
              this.duration(step.timeout, 'timeout');
              break;
            case 'wait':
              this.selector(step.selector, true);
              this.duration(step.within, 'within');
              break;
            case 'notify':
              for (const ch of step.channels) this.channel(ch);
              break;
            case 'docker':
              break;
          }
        }
        for (const ch of decl.onFailure ?? []) this.channel(ch);
        return;
      case 'maintenance':
        this.pred(decl.match, false);
        for (const s of decl.schedules) {
          if (s.kind === 'weekly') {
            if (!IANAZone.isValidZone(s.zone.value)) this.error(s.zone.loc, `unknown time zone "${s.zone.value}"`);
            const from = minutesOf(s.from);
            const to = minutesOf(s.to);
            if (from === undefined || to === undefined) this.error(s.loc, `"${s.from}-${s.to}" is not a range of times of day (HH:MM-HH:MM)`);
            else if (from === to) this.error(s.loc, 'a maintenance window must not be empty');
          } else {
            const from = DateTime.fromISO(s.from.value, { setZone: true });
            const to = DateTime.fromISO(s.to.value, { setZone: true });
            if (!from.isValid) this.error(s.from.loc, `"${s.from.value}" is not an ISO-8601 time`);
            if (!to.isValid) this.error(s.to.loc, `"${s.to.value}" is not an ISO-8601 time`);
            if (from.isValid && to.isValid && to <= from) this.error(s.to.loc, 'a maintenance window must end after it starts');
          }
        }
        return;
      case 'inhibit':
        this.pred(decl.source, false);
        this.pred(decl.target, false);
        return;
      case 'depends': {
        for (const t of decl.child) if (t.ref !== undefined) this.error(t.loc, `$${t.ref}: a child's label value is referenced on the parent side only (after "on")`);
        const seen = new Set<string>();
        for (const t of [...decl.child, ...decl.parent]) {
          const key = `${decl.child.includes(t) ? 'child' : 'parent'}:${t.label.name}`;
          if (seen.has(key)) this.error(t.loc, `label "${t.label.name}" is tested twice on one side`);
          seen.add(key);
        }
        return;
      }
    }
  }

  private condition(cond: Condition): void {
    switch (cond.kind) {
      case 'occurs':
        this.selector(cond.selector, false);
        this.duration(cond.quiet, 'quiet');
        return;
      case 'latest':
        this.selector(cond.selector, false);
        this.pred(cond.is, false);
        return;
      case 'aggregate':
        this.selector(cond.selector, false);
        this.duration(cond.over, 'over');
        this.aggregate(cond);
        return;
      case 'absent':
        this.selector(cond.selector, false);
        this.duration(cond.for, 'for');
        return;
      case 'sequence':
        this.selector(cond.first, false);
        this.selector(cond.second, false);
        this.duration(cond.within, 'within');
        this.duration(cond.quiet, 'quiet');
        return;
      case 'changed':
        this.selector(cond.selector, false);
        this.duration(cond.quiet, 'quiet');
        return;
    }
  }

  private aggregate(cond: AggregateCond): void {
    const fn = cond.agg.fn;
    if (cond.agg.fn === 'ratio') this.pred(cond.agg.pred, false);
    for (const t of [cond.threshold, cond.clear]) {
      if (t === undefined) continue;
      const v = t.value.value;
      if (NUMERIC_AGGS.has(fn)) {
        if (typeof v !== 'number') {
          this.error(t.value.loc, `${fn} is a number and cannot be compared with ${JSON.stringify(v)}`);
        } else if (!Number.isFinite(v)) {
          this.error(t.value.loc, `number out of range`);
        } else if (fn === 'ratio' && (v < 0 || v > 1)) {
          this.error(t.value.loc, `ratio is a fraction between 0 and 1, not ${v}`);
        } else if ('field' in cond.agg && (fn === 'rate' || fn === 'increase') && ((t.op === '<' && v <= 0) || (t.op === '<=' && v < 0))) {
          // Counter resets count as growth, so the counter functions are never below 0.
          this.error(t.loc, `${fn}(...) is never negative, so "${t.op} ${v}" never holds`);
        }
      }
    }
  }

  private selector(sel: Selector, labelRefs: boolean): void {
    if (sel.where !== undefined) this.pred(sel.where, labelRefs);
  }

  private pred(pred: Pred, labelRefs: boolean): void {
    switch (pred.kind) {
      case 'and':
      case 'or':
        this.pred(pred.left, labelRefs);
        this.pred(pred.right, labelRefs);
        return;
      case 'not':
        this.pred(pred.operand, labelRefs);
        return;
      case 'compare':
        this.value(pred.left, labelRefs);
        this.value(pred.right, labelRefs);
        return;
      case 'match':
        this.value(pred.value, labelRefs);
        this.regex(pred);
        return;
      case 'in':
        this.value(pred.value, labelRefs);
        for (const l of pred.list) this.literal(l);
        return;
      case 'contains':
        this.value(pred.value, labelRefs);
        return;
      case 'exists':
        return;
    }
  }

  private value(v: ValueExpr, labelRefs: boolean): void {
    switch (v.kind) {
      case 'labelRef':
        if (!labelRefs) this.error(v.loc, `$${v.name}: alert-label references are allowed only in playbooks`);
        return;
      case 'literal':
        this.literal(v);
        return;
      case 'binary':
        this.value(v.left, labelRefs);
        this.value(v.right, labelRefs);
        return;
      case 'neg':
        this.value(v.operand, labelRefs);
        return;
      case 'field':
        return;
    }
  }

  /**
   * A `=~` pattern must be JavaScript syntax (the language's definition) that RE2 also
   * accepts: matching runs in linear time, so backreferences, lookaround and the like are
   * refused here with RE2's reason.
   */
  private regex(pred: Extract<Pred, { kind: 'match' }>): void {
    try {
      new RegExp(pred.pattern.value, pred.ignoreCase ? 'i' : '');
    } catch (e) {
      this.error(pred.pattern.loc, `invalid regular expression: ${(e as Error).message}`);
      return;
    }
    const problem = linearRegexProblem({ pattern: pred.pattern.value, ignoreCase: pred.ignoreCase });
    if (problem !== undefined) this.error(pred.pattern.loc, `regular expression not supported (RE2 syntax, matched in linear time): ${problem}`);
  }

  private literal(l: Literal): void {
    if (typeof l.value === 'number' && !Number.isFinite(l.value)) this.error(l.loc, 'number out of range');
  }

  private channel(ch: Ident): void {
    if (!this.channels.has(ch.name)) this.error(ch.loc, `unknown channel "${ch.name}"`);
  }

  private duration(d: Duration | undefined, what: string, min = 1): void {
    if (d === undefined) return;
    if (d.ms < min || d.ms > MAX_DURATION_MS) {
      this.error(d.loc, `${what} duration out of range (${min === 0 ? '0' : '1ms'} to 366d)`);
    }
  }

  private integer(l: Literal | undefined, what: string, min: number, max: number): void {
    if (l === undefined) return;
    const v = l.value;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.error(l.loc, `${what} must be a whole number from ${min} to ${max}`);
    }
  }

  private error(loc: Loc, message: string): void {
    report(this.out, this.file, loc, message);
  }
}

function minutesOf(hhmm: string): number | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 24 || min > 59 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

function isUrl(text: string, protocols: readonly string[]): boolean {
  try {
    // Step and check URLs may carry `{label}` templates; they are filled in before use.
    return protocols.includes(new URL(text.replace(/\{[^}]*\}/g, 'x')).protocol);
  } catch {
    return false;
  }
}

function isHostPort(text: string): boolean {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}
