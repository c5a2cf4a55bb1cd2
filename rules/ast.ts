/**
 * The typed syntax tree of the vigil rule language (see the language spec).
 *
 * Every node carries `loc`, the 1-based line and column where it starts, so the checker can
 * report `file:line:col`. Locations are the only thing that differs between a file and its
 * canonical re-print: `stripLocs` removes them for comparisons.
 */

/** A 1-based source position. */
export interface Loc {
  readonly line: number;
  readonly col: number;
}

/** A duration as written, kept in milliseconds; the printer writes it canonically. */
export interface Duration {
  readonly kind: 'duration';
  readonly ms: number;
  readonly loc: Loc;
}

/** A double-quoted string after JSON unescaping. */
export interface Str {
  readonly kind: 'string';
  readonly value: string;
  readonly loc: Loc;
}

/** A reference by name to another declaration (channel, playbook) or a plain identifier. */
export interface Ident {
  readonly kind: 'ident';
  readonly name: string;
  readonly loc: Loc;
}

/** A dotted field path such as `labels.env`, split on dots. */
export interface FieldPath {
  readonly kind: 'field';
  readonly path: readonly string[];
  readonly loc: Loc;
}

/** `env(NAME)`: a secret read from the environment when rules load. */
export interface EnvRef {
  readonly kind: 'env';
  readonly name: string;
  readonly loc: Loc;
}

/** A literal in a literal-only position (`in (...)` lists, thresholds); numbers may be signed. */
export interface Literal {
  readonly kind: 'literal';
  readonly value: string | number | boolean;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------
// Values and predicates

export type ArithOp = '+' | '-' | '*' | '/';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** `$host`: an alert-label reference, allowed only inside playbooks. */
export interface LabelRef {
  readonly kind: 'labelRef';
  readonly name: string;
  readonly loc: Loc;
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: ArithOp;
  readonly left: ValueExpr;
  readonly right: ValueExpr;
  readonly loc: Loc;
}

export interface Neg {
  readonly kind: 'neg';
  readonly operand: ValueExpr;
  readonly loc: Loc;
}

/** A value: a field, a literal (unsigned in value position), `$label`, or arithmetic. */
export type ValueExpr = FieldPath | Literal | LabelRef | Binary | Neg;

export interface OrPred {
  readonly kind: 'or';
  readonly left: Pred;
  readonly right: Pred;
  readonly loc: Loc;
}

export interface AndPred {
  readonly kind: 'and';
  readonly left: Pred;
  readonly right: Pred;
  readonly loc: Loc;
}

export interface NotPred {
  readonly kind: 'not';
  readonly operand: Pred;
  readonly loc: Loc;
}

export interface ComparePred {
  readonly kind: 'compare';
  readonly op: CmpOp;
  readonly left: ValueExpr;
  readonly right: ValueExpr;
  readonly loc: Loc;
}

/** `v =~ "re" [i]` or, with `negated`, `v !~ "re" [i]`. */
export interface MatchPred {
  readonly kind: 'match';
  readonly negated: boolean;
  readonly value: ValueExpr;
  readonly pattern: Str;
  readonly ignoreCase: boolean;
  readonly loc: Loc;
}

/** `v in (l, ...)` or, with `negated`, `v not in (l, ...)`. */
export interface InPred {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly value: ValueExpr;
  readonly list: readonly Literal[];
  readonly loc: Loc;
}

export interface ContainsPred {
  readonly kind: 'contains';
  readonly value: ValueExpr;
  readonly text: Str;
  readonly loc: Loc;
}

export interface ExistsPred {
  readonly kind: 'exists';
  readonly field: FieldPath;
  readonly loc: Loc;
}

/** A predicate. Parentheses leave no node: the printer adds them where precedence needs. */
export type Pred = OrPred | AndPred | NotPred | ComparePred | MatchPred | InPred | ContainsPred | ExistsPred;

/** `stream [where pred]`. */
export interface Selector {
  readonly kind: 'selector';
  readonly stream: Ident;
  readonly where?: Pred;
  readonly loc: Loc;
}

// ---------------------------------------------------------------------------------------
// Conditions (the `when` clause of a rule)

export type NumericAggFn = 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p90' | 'p95' | 'p99';
export type FieldAggFn = NumericAggFn | 'last' | 'distinct';
/** `rate(F)`, `increase(F)`: PromQL's counter functions (counter resets, extrapolation). */
export type CounterAggFn = 'rate' | 'increase';
export type AggFn = 'count' | 'rate' | FieldAggFn | CounterAggFn | 'ratio';

/** `count`, `rate`, `F(field)` (`rate(field)` is the counter rate) or `ratio(pred)`. */
export type AggCall =
  | { readonly fn: 'count' | 'rate'; readonly loc: Loc }
  | { readonly fn: FieldAggFn | CounterAggFn; readonly field: FieldPath; readonly loc: Loc }
  | { readonly fn: 'ratio'; readonly pred: Pred; readonly loc: Loc };

/** `CMP LITERAL`, the threshold of an aggregate and of its `clear`. */
export interface Threshold {
  readonly op: CmpOp;
  readonly value: Literal;
  readonly loc: Loc;
}

/** `SELECTOR [by ...] [quiet D]`: holds from a matching event until `quiet` passes without one. */
export interface OccursCond {
  readonly kind: 'occurs';
  readonly selector: Selector;
  readonly by: readonly FieldPath[];
  readonly quiet?: Duration;
  readonly loc: Loc;
}

/** `latest SELECTOR [by ...] is PRED`. */
export interface LatestCond {
  readonly kind: 'latest';
  readonly selector: Selector;
  readonly by: readonly FieldPath[];
  readonly is: Pred;
  readonly loc: Loc;
}

/** `AGG of SELECTOR over D [by ...] CMP LITERAL [clear CMP LITERAL]`. */
export interface AggregateCond {
  readonly kind: 'aggregate';
  readonly agg: AggCall;
  readonly selector: Selector;
  readonly over: Duration;
  readonly by: readonly FieldPath[];
  readonly threshold: Threshold;
  readonly clear?: Threshold;
  readonly loc: Loc;
}

/** `absent SELECTOR for D [by ...]`. */
export interface AbsentCond {
  readonly kind: 'absent';
  readonly selector: Selector;
  readonly for: Duration;
  readonly by: readonly FieldPath[];
  readonly loc: Loc;
}

/** `A then [not] B within D [by ...] [quiet D]`. */
export interface SequenceCond {
  readonly kind: 'sequence';
  readonly first: Selector;
  readonly negated: boolean;
  readonly second: Selector;
  readonly within: Duration;
  readonly by: readonly FieldPath[];
  readonly quiet?: Duration;
  readonly loc: Loc;
}

/** `changed FIELD of SELECTOR [by ...] [quiet D]`. */
export interface ChangedCond {
  readonly kind: 'changed';
  readonly field: FieldPath;
  readonly selector: Selector;
  readonly by: readonly FieldPath[];
  readonly quiet?: Duration;
  readonly loc: Loc;
}

export type Condition = OccursCond | LatestCond | AggregateCond | AbsentCond | SequenceCond | ChangedCond;

// ---------------------------------------------------------------------------------------
// Declarations

export type Severity = 'info' | 'warning' | 'critical';

/** `KEY = STRING` inside `labels { ... }`. */
export interface LabelPair {
  readonly key: Ident;
  readonly value: Str;
}

/** One escalation step: `notify A, B` is the first (no `after`), `then C after 15m` the next. */
export interface NotifyStep {
  readonly channels: readonly Ident[];
  readonly after?: Duration;
  readonly loc: Loc;
}

export interface RuleDecl {
  readonly kind: 'rule';
  readonly name: Ident;
  readonly when: Condition;
  readonly for?: Duration;
  readonly keep?: Duration;
  readonly severity?: { readonly value: Severity; readonly loc: Loc };
  readonly labels?: readonly LabelPair[];
  readonly summary?: Str;
  readonly notify?: readonly NotifyStep[];
  readonly repeat?: Duration;
  readonly run?: Ident;
  /** `group by LABEL, ... within D`: one notification per group of alerts within D. */
  readonly group?: { readonly labels: readonly FieldPath[]; readonly within: Duration; readonly loc: Loc };
  /** `open when N alerts within D`: incidents open only once N alerts of the rule fire within D. */
  readonly openWhen?: { readonly count: Literal; readonly within: Duration; readonly loc: Loc };
  /** `flapping N within D`: an alert firing more than N times within D pages once until it settles. */
  readonly flapping?: { readonly count: Literal; readonly within: Duration; readonly loc: Loc };
  readonly loc: Loc;
}

export interface EmailChannel {
  readonly kind: 'channel';
  readonly type: 'email';
  readonly name: Ident;
  readonly to: readonly Str[];
  readonly subject?: Str;
  readonly batch?: Duration;
  readonly loc: Loc;
}

export interface Header {
  readonly name: Str;
  readonly value: Str;
}

export interface WebhookChannel {
  readonly kind: 'channel';
  readonly type: 'webhook';
  readonly name: Ident;
  readonly url: Str;
  readonly format?: { readonly value: 'json' | 'slack' | 'alertmanager'; readonly loc: Loc };
  readonly secret?: EnvRef;
  readonly headers: readonly Header[];
  readonly batch?: Duration;
  readonly loc: Loc;
}

export interface KafkaChannel {
  readonly kind: 'channel';
  readonly type: 'kafka';
  readonly name: Ident;
  readonly topic: Str;
  readonly loc: Loc;
}

export interface LogChannel {
  readonly kind: 'channel';
  readonly type: 'log';
  readonly name: Ident;
  readonly loc: Loc;
}

export type ChannelDecl = EmailChannel | WebhookChannel | KafkaChannel | LogChannel;

/** Options shared by every check kind, written after `every D` in any order. */
export interface CheckOptions {
  readonly every: Duration;
  readonly timeout?: Duration;
  readonly expectStatus?: Literal;
  readonly expectBodyContains?: Str;
  readonly host?: Str;
  readonly service?: Str;
  readonly labels?: readonly LabelPair[];
}

export interface NetCheckDecl extends CheckOptions {
  readonly kind: 'check';
  readonly type: 'http' | 'tcp' | 'tls';
  readonly name: Ident;
  /** URL for http, "host:port" for tcp and tls. */
  readonly target: Str;
  readonly loc: Loc;
}

export interface ExecCheckDecl extends CheckOptions {
  readonly kind: 'check';
  readonly type: 'exec';
  readonly name: Ident;
  readonly argv: readonly Str[];
  readonly loc: Loc;
}

export type CheckDecl = NetCheckDecl | ExecCheckDecl;

export interface ExecStep {
  readonly kind: 'exec';
  readonly argv: readonly Str[];
  readonly timeout?: Duration;
  readonly retry?: Literal;
  readonly loc: Loc;
}

export interface SshStep {
  readonly kind: 'ssh';
  readonly target: Str;
  readonly argv: readonly Str[];
  readonly timeout?: Duration;
  readonly retry?: Literal;
  readonly loc: Loc;
}

export interface HttpStep {
  readonly kind: 'http';
  /** An upper-case identifier such as GET or POST. */
  readonly method: Ident;
  readonly url: Str;
  readonly body?: Str;
  readonly headers: readonly Header[];
  readonly expectStatus?: Literal;
  readonly timeout?: Duration;
  readonly loc: Loc;
}

export interface DockerStep {
  readonly kind: 'docker';
  readonly action: 'restart';
  readonly container: Str;
  readonly loc: Loc;
}

export interface WaitStep {
  readonly kind: 'wait';
  readonly selector: Selector;
  readonly within: Duration;
  readonly loc: Loc;
}

export interface NotifyActionStep {
  readonly kind: 'notify';
  readonly channels: readonly Ident[];
  readonly loc: Loc;
}

export type Step = ExecStep | SshStep | HttpStep | DockerStep | WaitStep | NotifyActionStep;

export interface PlaybookDecl {
  readonly kind: 'playbook';
  readonly name: Ident;
  readonly limit?: { readonly count: Literal; readonly per: Duration; readonly loc: Loc };
  readonly cooldown?: Duration;
  readonly approve: boolean;
  readonly steps: readonly Step[];
  readonly onFailure?: readonly Ident[];
  readonly loc: Loc;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** `weekly mon, tue 09:00-17:00 "Europe/Copenhagen"`. */
export interface WeeklySchedule {
  readonly kind: 'weekly';
  readonly days: readonly Weekday[];
  /** `HH:MM` as written. */
  readonly from: string;
  readonly to: string;
  readonly zone: Str;
  readonly loc: Loc;
}

/** `from "2026-01-01T00:00:00Z" to "2026-01-02T00:00:00Z"`. */
export interface AbsoluteSchedule {
  readonly kind: 'absolute';
  readonly from: Str;
  readonly to: Str;
  readonly loc: Loc;
}

export interface MaintenanceDecl {
  readonly kind: 'maintenance';
  readonly name: Ident;
  readonly match: Pred;
  /** One or more windows; the alert is muted while any of them is open. */
  readonly schedules: readonly (WeeklySchedule | AbsoluteSchedule)[];
  readonly loc: Loc;
}

export interface InhibitDecl {
  readonly kind: 'inhibit';
  readonly name: Ident;
  readonly source: Pred;
  readonly target: Pred;
  readonly equal: readonly FieldPath[];
  readonly loc: Loc;
}

/**
 * One label test of a `depends` side: `host` (set), `service=minitwit` or `service="web 1"`
 * (equal to a value), `switch=$switch` (parent side: equal to the child's label).
 */
export interface LabelTestNode {
  readonly label: Ident;
  readonly value?: string;
  readonly ref?: string;
  readonly loc: Loc;
}

/** `depends CHILD on PARENT`: while a parent's incident is open, its children's alerts join it. */
export interface DependsDecl {
  readonly kind: 'depends';
  readonly child: readonly LabelTestNode[];
  readonly parent: readonly LabelTestNode[];
  readonly loc: Loc;
}

export type Decl = RuleDecl | ChannelDecl | CheckDecl | PlaybookDecl | MaintenanceDecl | InhibitDecl | DependsDecl;

/** A `#` comment, kept so `vigil fmt` can put it back. `text` includes the `#`. */
export interface Comment {
  readonly text: string;
  readonly loc: Loc;
  /** True when code precedes it on the same line. */
  readonly trailing: boolean;
}

/** One parsed `.vigil` file. */
export interface RuleFile {
  readonly decls: readonly Decl[];
  readonly comments: readonly Comment[];
}

/** Deep copy of an AST with every `loc` removed, for structural comparison. */
export function stripLocs<T>(node: T): T {
  return JSON.parse(JSON.stringify(node, (key, value) => (key === 'loc' ? undefined : value))) as T;
}
