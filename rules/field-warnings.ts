import { ErrorCode, type Diagnostic } from '../engine/model/errors.js';
import type { Condition, FieldPath, Pred, RuleFile, Selector, ValueExpr } from './ast.js';
import type { ParsedFile } from './check.js';

/**
 * Warnings for field names that look like typos (`tatus == "down"`, `by service, hst`):
 * a field in a rule's condition, `by` list or a `step wait` predicate that no source is
 * known to send on that stream. Warnings never stop a rule set from loading.
 *
 * What a stream carries is known for `health` (the events vigil's own checks send, events
 * spec): any other field there is warned about. `logs` and `metrics` events may carry any
 * field besides their well-known ones (events spec: `path`, `status_code`, ...), so there
 * only a near miss of a well-known field is warned about. Other streams are not checked.
 * Fields seen in recorded events next to the rules (`sent`) count as sent on their stream.
 */

/** Fields every event has. */
const EVERY_STREAM = ['stream', 'time', 'host', 'service', 'labels'];

/** Streams whose fields are all known: nothing else is ever sent on them. */
const CLOSED_STREAMS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['health', new Set([...EVERY_STREAM, 'check', 'status', 'latency_ms', 'message', 'days_left'])],
]);

/** Streams with well-known fields that may also carry others. */
const OPEN_STREAMS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['logs', new Set([...EVERY_STREAM, 'level', 'message'])],
  ['metrics', new Set([...EVERY_STREAM, 'name', 'value'])],
]);

/** Field names seen on each stream (stream → fields), from recorded or test events. */
export type SentFields = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The warnings for a parsed rule set, in file and position order, each
 * `warning: field "tatus" is not sent on stream health (did you mean "status"?)`.
 */
export function fieldWarnings(files: readonly ParsedFile[], sent: SentFields = new Map()): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { file, ast } of files) fileWarnings(file, ast, sent, out);
  return out;
}

function fileWarnings(file: string, ast: RuleFile, sent: SentFields, out: Diagnostic[]): void {
  const warn = (field: FieldPath, stream: string): void => {
    if (sent.get(stream)?.has(field.path[0]!) === true) return;
    const problem = unknownField(field.path[0]!, stream);
    if (problem !== undefined) out.push({ code: ErrorCode.Check, file, line: field.loc.line, col: field.loc.col, message: `warning: ${problem}` });
  };
  const onSelector = (selector: Selector, extra: readonly FieldPath[] = []): void => {
    const stream = selector.stream.name;
    const fields: FieldPath[] = [];
    if (selector.where !== undefined) predFields(selector.where, fields);
    fields.push(...extra);
    for (const f of fields) warn(f, stream);
  };
  for (const decl of ast.decls) {
    if (decl.kind === 'rule') conditionWarnings(decl.when, onSelector);
    if (decl.kind === 'playbook') {
      for (const step of decl.steps) if (step.kind === 'wait') onSelector(step.selector);
    }
  }
}

/** Hands each selector of a condition to `onSelector` with the other fields read from its events. */
function conditionWarnings(cond: Condition, onSelector: (selector: Selector, extra?: readonly FieldPath[]) => void): void {
  switch (cond.kind) {
    case 'occurs':
    case 'absent':
      onSelector(cond.selector, cond.by);
      return;
    case 'latest': {
      const fields = [...cond.by];
      predFields(cond.is, fields);
      onSelector(cond.selector, fields);
      return;
    }
    case 'aggregate': {
      const fields = [...cond.by];
      if ('field' in cond.agg) fields.push(cond.agg.field);
      if ('pred' in cond.agg) predFields(cond.agg.pred, fields);
      onSelector(cond.selector, fields);
      return;
    }
    case 'changed':
      onSelector(cond.selector, [cond.field, ...cond.by]);
      return;
    case 'sequence':
      onSelector(cond.first, cond.by);
      onSelector(cond.second, cond.by);
      return;
  }
}

function predFields(pred: Pred, into: FieldPath[]): void {
  switch (pred.kind) {
    case 'or':
    case 'and':
      predFields(pred.left, into);
      predFields(pred.right, into);
      return;
    case 'not':
      predFields(pred.operand, into);
      return;
    case 'compare':
      valueFields(pred.left, into);
      valueFields(pred.right, into);
      return;
    case 'match':
    case 'in':
    case 'contains':
      valueFields(pred.value, into);
      return;
    case 'exists':
      into.push(pred.field);
      return;
  }
}

function valueFields(value: ValueExpr, into: FieldPath[]): void {
  switch (value.kind) {
    case 'field':
      into.push(value);
      return;
    case 'binary':
      valueFields(value.left, into);
      valueFields(value.right, into);
      return;
    case 'neg':
      valueFields(value.operand, into);
      return;
    default:
      return;
  }
}

/** Why `field` is suspicious on `stream`, or undefined when it is not. */
function unknownField(field: string, stream: string): string | undefined {
  const closed = CLOSED_STREAMS.get(stream);
  if (closed !== undefined) {
    if (closed.has(field)) return undefined;
    const near = nearest(field, closed);
    return `field "${field}" is not sent on stream ${stream}${near === undefined ? '' : ` (did you mean "${near}"?)`}`;
  }
  const open = OPEN_STREAMS.get(stream);
  if (open === undefined || open.has(field)) return undefined;
  const near = nearest(field, open);
  return near === undefined ? undefined : `field "${field}" is not sent on stream ${stream} (did you mean "${near}"?)`;
}

/** The known field a typo most likely meant: one or two edits away (one for short names). */
function nearest(field: string, known: ReadonlySet<string>): string | undefined {
  const limit = field.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = editDistance(field, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Levenshtein distance, with an adjacent swap counting as one edit (`stauts`). Hand-written:
 * it is a dozen lines over names of a few characters, not worth a dependency.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
