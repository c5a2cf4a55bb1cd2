import { defaultCheckTimeoutMs, type CheckSpec } from '../engine/model/check-spec.js';
import { DEFAULT_STEP_TIMEOUT_MS, type PlaybookSpec, type StepSpec } from '../engine/playbooks/playbook-spec.js';
import type { CheckDecl, PlaybookDecl, Step } from './ast.js';
import { compilePredicate } from './compile-predicate.js';

/** A check declaration as the scheduler runs it. */
export function checkSpecOf(decl: CheckDecl): CheckSpec {
  return {
    name: decl.name.name,
    kind: decl.type,
    target: decl.type === 'exec' ? '' : decl.target.value,
    argv: decl.type === 'exec' ? decl.argv.map((a) => a.value) : [],
    everyMs: decl.every.ms,
    timeoutMs: decl.timeout?.ms ?? defaultCheckTimeoutMs(decl.every.ms),
    expectStatus: typeof decl.expectStatus?.value === 'number' ? decl.expectStatus.value : undefined,
    expectBodyContains: decl.expectBodyContains?.value,
    host: decl.host?.value,
    service: decl.service?.value,
    labels: decl.labels === undefined ? undefined : Object.fromEntries(decl.labels.map((p) => [p.key.name, p.value.value])),
  };
}

function retryOf(step: { retry?: { value: unknown } }): number {
  return typeof step.retry?.value === 'number' ? step.retry.value : 0;
}

function stepSpecOf(step: Step): StepSpec {
  switch (step.kind) {
    case 'exec':
      return { kind: 'exec', argv: step.argv.map((a) => a.value), timeoutMs: step.timeout?.ms ?? DEFAULT_STEP_TIMEOUT_MS, retry: retryOf(step) };
    case 'ssh':
      return { kind: 'ssh', target: step.target.value, argv: step.argv.map((a) => a.value), timeoutMs: step.timeout?.ms ?? DEFAULT_STEP_TIMEOUT_MS, retry: retryOf(step) };
    case 'http':
      return {
        kind: 'http',
        method: step.method.name,
        url: step.url.value,
        body: step.body?.value,
        headers: step.headers.map((h) => ({ name: h.name.value, value: h.value.value })),
        expectStatus: typeof step.expectStatus?.value === 'number' ? step.expectStatus.value : undefined,
        timeoutMs: step.timeout?.ms ?? DEFAULT_STEP_TIMEOUT_MS,
        retry: 0,
      };
    case 'docker':
      return { kind: 'docker', container: step.container.value, timeoutMs: DEFAULT_STEP_TIMEOUT_MS, retry: 0 };
    case 'wait': {
      const where = step.selector.where;
      return {
        kind: 'wait',
        stream: step.selector.stream.name,
        // `$label` references are bound per run, from the alert that started it.
        match: (labels) => (where === undefined ? () => true : compilePredicate(where, { labels })),
        withinMs: step.within.ms,
      };
    }
    case 'notify':
      return { kind: 'notify', channels: step.channels.map((c) => c.name) };
  }
}

/** A playbook declaration as the runner runs it. */
export function playbookSpecOf(decl: PlaybookDecl): PlaybookSpec {
  const count = decl.limit?.count.value;
  return {
    name: decl.name.name,
    limit: decl.limit === undefined || typeof count !== 'number' ? undefined : { count, perMs: decl.limit.per.ms },
    cooldownMs: decl.cooldown?.ms ?? 0,
    approve: decl.approve,
    steps: decl.steps.map(stepSpecOf),
    onFailure: (decl.onFailure ?? []).map((c) => c.name),
  };
}
