import type { Condition as EngineCondition } from '../engine/condition.js';
import { absentCondition } from '../engine/conditions/absent.js';
import { aggregateCondition, type ThresholdSpec } from '../engine/conditions/aggregate.js';
import { changedCondition } from '../engine/conditions/changed.js';
import { latestCondition } from '../engine/conditions/latest.js';
import { occursCondition } from '../engine/conditions/occurs.js';
import { sequenceAbsentCondition } from '../engine/conditions/sequence-absent.js';
import { sequenceCondition } from '../engine/conditions/sequence.js';
import type { RuleSpec, SelectorSpec } from '../engine/rule-spec.js';
import { renderTemplate } from '../engine/template.js';
import { createCounterAggregate } from '../engine/windows/counter-window.js';
import { createWindowAggregate } from '../engine/windows/windows.js';
import type { Condition, DependsDecl, FieldPath, InhibitDecl, MaintenanceDecl, RuleDecl, Selector, Threshold } from './ast.js';
import type { ChannelSpec } from '../engine/model/channel-spec.js';
import type { NotifierPolicies } from '../engine/notify/notifier.js';
import type { ParsedFile } from './check.js';
import { compilePolicies } from './compile-policies.js';
import { checkSpecOf, playbookSpecOf } from './compile-actions.js';
import { channelSpecOf } from './compile-channel.js';
import type { CheckSpec } from '../engine/model/check-spec.js';
import type { PlaybookSpec } from '../engine/playbooks/playbook-spec.js';
import { printRuleFile } from './print.js';
import { compileField, compilePredicate, indexableEquality } from './compile-predicate.js';

/** Default `quiet` of the occurrence forms (language spec). */
export const DEFAULT_QUIET_MS = 5 * 60 * 1000;

/**
 * A checked, compiled rule set: the rules the engine runs and, as plain data, what the rest
 * of vigil acts on (notification policies, channels, checks, playbooks). It holds no syntax
 * tree: everything a consumer needs was taken out of it here.
 */
export interface RuleSet {
  readonly rules: readonly RuleSpec[];
  /** Who hears about which rule, escalation, maintenance windows and inhibitions. */
  readonly policies: NotifierPolicies;
  /** Every declared channel, by name, as the service builds its sinks from them. */
  readonly channels: ReadonlyMap<string, ChannelSpec>;
  /** Checks as the scheduler runs them. */
  readonly checkSpecs: readonly CheckSpec[];
  /** Playbooks as the runner runs them, and which playbook each rule runs. */
  readonly playbookSpecs: ReadonlyMap<string, PlaybookSpec>;
  readonly ruleRuns: ReadonlyMap<string, string>;
}

/** Compiles checked files (no diagnostics) into a rule set. */
export function compileRuleSet(files: readonly ParsedFile[]): RuleSet {
  const rules: RuleSpec[] = [];
  const ruleDecls: RuleDecl[] = [];
  const channels = new Map<string, ChannelSpec>();
  const checkSpecs: CheckSpec[] = [];
  const playbookSpecs = new Map<string, PlaybookSpec>();
  const maintenance: MaintenanceDecl[] = [];
  const inhibits: InhibitDecl[] = [];
  const depends: DependsDecl[] = [];
  for (const { file, ast } of files) {
    for (const decl of ast.decls) {
      switch (decl.kind) {
        case 'rule':
          ruleDecls.push(decl);
          rules.push({ ...compileRule(decl), where: `${file}:${decl.loc.line}` });
          break;
        case 'channel':
          channels.set(decl.name.name, channelSpecOf(decl, file));
          break;
        case 'check':
          checkSpecs.push(checkSpecOf(decl));
          break;
        case 'playbook':
          playbookSpecs.set(decl.name.name, playbookSpecOf(decl));
          break;
        case 'maintenance':
          maintenance.push(decl);
          break;
        case 'inhibit':
          inhibits.push(decl);
          break;
        case 'depends':
          depends.push(decl);
          break;
      }
    }
  }
  return {
    rules,
    policies: compilePolicies({ rules: ruleDecls, channels: channels.values(), maintenance, inhibits, depends }),
    channels,
    checkSpecs,
    playbookSpecs,
    ruleRuns: new Map(ruleDecls.flatMap((d) => (d.run === undefined ? [] : [[d.name.name, d.run.name] as const]))),
  };
}

/** Compiles one rule declaration into what the engine runs. */
export function compileRule(decl: RuleDecl): RuleSpec {
  const when = decl.when;
  const labelTemplates = (decl.labels ?? []).map((p) => [p.key.name, p.value.value] as const);
  return {
    name: decl.name.name,
    severity: decl.severity?.value ?? 'warning',
    forMs: decl.for?.ms ?? 0,
    keepMs: decl.keep?.ms ?? 0,
    selectors: when.kind === 'sequence' ? [compileSelector(when.first), compileSelector(when.second)] : [compileSelector(when.selector)],
    by: when.by.map((f) => ({ label: labelOf(f), get: compileField(f.path) })),
    condition: compileCondition(when),
    extraLabels: (group) => {
      const out: Record<string, string> = {};
      for (const [k, v] of labelTemplates) out[k] = renderTemplate(v, group);
      return out;
    },
    startsAtStart: when.kind === 'absent' && when.by.length === 0,
    signature: printRuleFile({ decls: [decl], comments: [] }),
  };
}

/** The alert label a `by` field becomes: its dotted path. */
function labelOf(field: FieldPath): string {
  return field.path.join('.');
}

/** Compiles a selector, with an equality test the router can index on when there is one. */
export function compileSelector(sel: Selector): SelectorSpec {
  const stream = sel.stream.name;
  if (sel.where === undefined) return { stream, match: () => true };
  const match = compilePredicate(sel.where);
  const eq = indexableEquality(sel.where);
  if (eq === undefined) return { stream, match };
  const restPreds = eq.rest.map((p) => compilePredicate(p));
  const rest =
    restPreds.length === 0
      ? null
      : restPreds.length === 1
        ? restPreds[0]!
        : (e: Parameters<typeof match>[0]) => restPreds.every((p) => p(e));
  return { stream, match, index: { field: labelOf(eq.field), get: compileField(eq.field.path), value: eq.value, rest } };
}

function threshold(t: Threshold): ThresholdSpec {
  return { op: t.op, value: t.value.value };
}

function compileCondition(cond: Condition): EngineCondition<any> {
  switch (cond.kind) {
    case 'occurs':
      return occursCondition({ quietMs: cond.quiet?.ms ?? DEFAULT_QUIET_MS });
    case 'latest':
      return latestCondition({ is: compilePredicate(cond.is) });
    case 'absent':
      return absentCondition({ forMs: cond.for.ms });
    case 'sequence': {
      const options = { withinMs: cond.within.ms, quietMs: cond.quiet?.ms ?? DEFAULT_QUIET_MS };
      return cond.negated ? sequenceAbsentCondition(options) : sequenceCondition(options);
    }
    case 'changed':
      return changedCondition({ field: compileField(cond.field.path), quietMs: cond.quiet?.ms ?? DEFAULT_QUIET_MS });
    case 'aggregate': {
      const agg = cond.agg;
      const window =
        'field' in agg && (agg.fn === 'rate' || agg.fn === 'increase')
          ? createCounterAggregate({ fn: agg.fn, windowMs: cond.over.ms, field: compileField(agg.field.path) })
          : createWindowAggregate({
              fn: agg.fn as Exclude<typeof agg.fn, 'increase'>,
              windowMs: cond.over.ms,
              field: 'field' in agg ? compileField(agg.field.path) : undefined,
              pred: agg.fn === 'ratio' ? compilePredicate(agg.pred) : undefined,
            });
      return aggregateCondition({
        window,
        threshold: threshold(cond.threshold),
        clear: cond.clear === undefined ? undefined : threshold(cond.clear),
      });
    }
  }
}
