import { compileLinearRegex } from '../engine/linear-regex.js';
import type { Event } from '../engine/model/event.js';
import { arith, compareValues, isNumericString, toNumber } from '../engine/values.js';
import type { CmpOp, FieldPath, Pred, ValueExpr } from './ast.js';

/**
 * Compiles predicates and values of the rule language into closures, once per rule load:
 * nothing is interpreted per event, and no user text ever becomes code (literals are
 * captured as values, field names only index the event).
 */

/** Reads a value from an event. */
export type Getter = (e: Event) => unknown;

/** Names an ordinary object inherits: reading them must check the event's own fields. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

function ownField(name: string): Getter {
  if (INHERITED.has(name)) return (e) => (Object.hasOwn(e, name) ? (e as Record<string, unknown>)[name] : undefined);
  return (e) => (e as Record<string, unknown>)[name];
}

/** A getter for a dotted field path; a path through a non-object gives missing. */
export function compileField(path: readonly string[]): Getter {
  const [head, ...rest] = path;
  const first = ownField(head!);
  if (rest.length === 0) return first;
  if (rest.length === 1) {
    const key = rest[0]!;
    const inherited = INHERITED.has(key);
    return (e) => {
      const o = first(e);
      if (o === null || typeof o !== 'object') return undefined;
      if (inherited && !Object.hasOwn(o, key)) return undefined;
      return (o as Record<string, unknown>)[key];
    };
  }
  // `labels.origin.ip` also reads a key with dots in it (`origin.ip`, syslog structured data), which comes first.
  const dotted = rest.join('.');
  return (e) => {
    let o: unknown = first(e);
    if (o !== null && typeof o === 'object' && Object.hasOwn(o, dotted)) return (o as Record<string, unknown>)[dotted];
    for (const key of rest) {
      if (o === null || typeof o !== 'object' || !Object.hasOwn(o, key)) return undefined;
      o = (o as Record<string, unknown>)[key];
    }
    return o;
  };
}

/** Context for compiling: alert labels bound to `$label` references (playbook `wait` only). */
export interface PredicateContext {
  readonly labels?: Readonly<Record<string, string>>;
}

/** Compiles a value expression into a getter. */
export function compileValue(expr: ValueExpr, ctx: PredicateContext = {}): Getter {
  switch (expr.kind) {
    case 'field':
      return compileField(expr.path);
    case 'literal': {
      const v = expr.value;
      return () => v;
    }
    case 'labelRef': {
      const labels = ctx.labels;
      const v = labels !== undefined && Object.hasOwn(labels, expr.name) ? labels[expr.name] : undefined;
      return () => v;
    }
    case 'neg': {
      const inner = compileValue(expr.operand, ctx);
      return (e) => {
        const n = toNumber(inner(e));
        return n === undefined ? undefined : n === 0 ? 0 : -n;
      };
    }
    case 'binary': {
      const left = compileValue(expr.left, ctx);
      const right = compileValue(expr.right, ctx);
      const op = expr.op;
      return (e) => arith(left(e), op, right(e));
    }
  }
}

/** The literal value of a constant expression, if it is one. */
function constantOf(expr: ValueExpr): { value: string | number | boolean } | undefined {
  return expr.kind === 'literal' ? { value: expr.value } : undefined;
}

const FLIP: Record<CmpOp, CmpOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** `value OP literal`, specialised for the common literal kinds. */
function compareWithLiteral(get: Getter, op: CmpOp, lit: string | number | boolean): (e: Event) => boolean {
  if (typeof lit === 'string' && !isNumericString(lit)) {
    // A non-numeric string equals only the same string.
    if (op === '==') return (e) => get(e) === lit;
    if (op === '!=') {
      return (e) => {
        const v = get(e);
        return v !== undefined && v !== null && v !== lit;
      };
    }
  }
  if (typeof lit === 'number') {
    switch (op) {
      case '>':
        return (e) => {
          const v = get(e);
          return typeof v === 'number' ? v > lit : compareValues(v, op, lit);
        };
      case '>=':
        return (e) => {
          const v = get(e);
          return typeof v === 'number' ? v >= lit : compareValues(v, op, lit);
        };
      case '<':
        return (e) => {
          const v = get(e);
          return typeof v === 'number' ? v < lit : compareValues(v, op, lit);
        };
      case '<=':
        return (e) => {
          const v = get(e);
          return typeof v === 'number' ? v <= lit : compareValues(v, op, lit);
        };
      case '==':
        return (e) => {
          const v = get(e);
          return typeof v === 'number' ? v === lit : compareValues(v, op, lit);
        };
      default:
        break;
    }
  }
  return (e) => compareValues(get(e), op, lit);
}

/** Text a regular expression or `contains` is applied to: strings and numbers only. */
function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * Compiles a predicate into a test. Regular expressions must already be checked; they run
 * in linear time (RE2), so no event can stall the engine on a backtracking pattern.
 */
export function compilePredicate(pred: Pred, ctx: PredicateContext = {}): (e: Event) => boolean {
  switch (pred.kind) {
    case 'and': {
      const a = compilePredicate(pred.left, ctx);
      const b = compilePredicate(pred.right, ctx);
      return (e) => a(e) && b(e);
    }
    case 'or': {
      const a = compilePredicate(pred.left, ctx);
      const b = compilePredicate(pred.right, ctx);
      return (e) => a(e) || b(e);
    }
    case 'not': {
      const a = compilePredicate(pred.operand, ctx);
      return (e) => !a(e);
    }
    case 'compare': {
      const right = constantOf(pred.right);
      if (right !== undefined) return compareWithLiteral(compileValue(pred.left, ctx), pred.op, right.value);
      const left = constantOf(pred.left);
      if (left !== undefined) return compareWithLiteral(compileValue(pred.right, ctx), FLIP[pred.op], left.value);
      const a = compileValue(pred.left, ctx);
      const b = compileValue(pred.right, ctx);
      const op = pred.op;
      return (e) => compareValues(a(e), op, b(e));
    }
    case 'match': {
      const get = compileValue(pred.value, ctx);
      const re = compileLinearRegex({ pattern: pred.pattern.value, ignoreCase: pred.ignoreCase });
      const negated = pred.negated;
      return (e) => {
        const s = textOf(get(e));
        return s !== undefined && re.test(s) !== negated;
      };
    }
    case 'in': {
      const get = compileValue(pred.value, ctx);
      const list = pred.list.map((l) => l.value);
      const negated = pred.negated;
      return (e) => {
        const v = get(e);
        if (v === undefined || v === null) return false;
        let found = false;
        for (const l of list) {
          if (compareValues(v, '==', l)) {
            found = true;
            break;
          }
        }
        return found !== negated;
      };
    }
    case 'contains': {
      const get = compileValue(pred.value, ctx);
      const text = pred.text.value;
      return (e) => {
        const s = textOf(get(e));
        return s !== undefined && s.includes(text);
      };
    }
    case 'exists': {
      const get = compileField(pred.field.path);
      return (e) => {
        const v = get(e);
        return v !== undefined && v !== null;
      };
    }
  }
}

/** Splits a predicate into its top-level `and` terms. */
export function conjuncts(pred: Pred): Pred[] {
  return pred.kind === 'and' ? [...conjuncts(pred.left), ...conjuncts(pred.right)] : [pred];
}

/**
 * An equality test `field == "text"` among the top-level `and` terms that an index can
 * serve (a non-numeric string: only an event string equal to it can match), with the other
 * terms compiled as the rest.
 */
export function indexableEquality(
  pred: Pred,
): { field: FieldPath; value: string; rest: Pred[] } | undefined {
  const terms = conjuncts(pred);
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    if (t.kind !== 'compare' || t.op !== '==') continue;
    const [field, lit] =
      t.left.kind === 'field' && t.right.kind === 'literal'
        ? [t.left, t.right]
        : t.right.kind === 'field' && t.left.kind === 'literal'
          ? [t.right, t.left]
          : [undefined, undefined];
    if (field === undefined || lit === undefined) continue;
    if (typeof lit.value !== 'string' || isNumericString(lit.value)) continue;
    return { field, value: lit.value, rest: terms.filter((_, j) => j !== i) };
  }
  return undefined;
}
