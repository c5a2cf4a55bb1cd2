import type { Incident } from '../model/incident.js';
import type { Labels } from './policy.js';

/**
 * `depends` declarations as the notifier applies them: while a parent's incident is open,
 * the alerts of its children become part of it instead of paging.
 */

/** One side's label test: `host` (the label is set), `service=minitwit` or `host=$host` (the child's value). */
export interface LabelTest {
  readonly label: string;
  /** The value the label must have; absent with `ref` absent: any value. */
  readonly value?: string;
  /** Parent side only: the child label whose value this label must have. */
  readonly ref?: string;
}

/** `depends CHILD on PARENT`. */
export interface DependsSpec {
  readonly child: readonly LabelTest[];
  readonly parent: readonly LabelTest[];
}

function passes(tests: readonly LabelTest[], labels: Labels, child: Labels): boolean {
  for (const t of tests) {
    const v = labels[t.label];
    if (v === undefined) return false;
    if (t.value !== undefined && v !== t.value) return false;
    if (t.ref !== undefined && v !== child[t.ref]) return false;
  }
  return true;
}

/** True when `labels` are a child's of the declaration (its left side). */
export function isChildOf(spec: DependsSpec, labels: Labels): boolean {
  return passes(spec.child, labels, labels);
}

/**
 * The first open, firing incident that `incident` depends on. A parent must pass the right
 * side with the child's values filled in and must not carry the labels the left side names:
 * for `depends host on switch=$switch`, the parent of a host's alert is the switch's alert,
 * not another host's alert on the same switch.
 */
export function dependencyParent(specs: readonly DependsSpec[], incident: Incident, open: () => Iterable<Incident>): Incident | undefined {
  const child = incident.labels;
  for (const spec of specs) {
    if (!isChildOf(spec, child)) continue;
    if (spec.parent.some((t) => t.ref !== undefined && child[t.ref] === undefined)) continue;
    for (const parent of open()) {
      if (parent.id === incident.id || !parent.alertFiring || parent.state === 'resolved') continue;
      if (spec.child.some((t) => parent.labels[t.label] !== undefined)) continue;
      if (passes(spec.parent, parent.labels, child)) return parent;
    }
  }
  return undefined;
}
