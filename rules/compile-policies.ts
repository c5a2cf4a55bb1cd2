import { DateTime } from 'luxon';
import type { Event } from '../engine/model/event.js';
import type { NotifierPolicies } from '../engine/notify/notifier.js';
import type { ChannelPolicy, InhibitSpec, Labels, MaintenanceSpec, MaintenanceWindow, NotifyPolicy } from '../engine/notify/policy.js';
import type { ChannelSpec } from '../engine/model/channel-spec.js';
import type { DependsDecl, InhibitDecl, LabelTestNode, MaintenanceDecl, Pred, RuleDecl } from './ast.js';
import type { DependsSpec, LabelTest } from '../engine/notify/depends.js';
import { compilePredicate } from './compile-predicate.js';

const WEEKDAYS = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 } as const;

/** A predicate over alert labels: the labels are the fields it reads. */
function labelPredicate(pred: Pred): (labels: Labels) => boolean {
  const test = compilePredicate(pred);
  return (labels) => test(labels as unknown as Event);
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** A rule's notification policy: escalation steps, repeat and summary. */
export function notifyPolicyOf(decl: RuleDecl): NotifyPolicy {
  return {
    rule: decl.name.name,
    steps: (decl.notify ?? []).map((s) => ({ channels: s.channels.map((c) => c.name), afterMs: s.after?.ms ?? 0 })),
    repeatMs: decl.repeat?.ms ?? 0,
    summary: decl.summary?.value ?? '',
    ...(decl.group === undefined ? {} : { group: { labels: decl.group.labels.map((f) => f.path.join('.')), withinMs: decl.group.within.ms } }),
    ...(decl.openWhen === undefined ? {} : { openWhen: { count: Number(decl.openWhen.count.value), withinMs: decl.openWhen.within.ms } }),
    ...(decl.flapping === undefined ? {} : { flapping: { count: Number(decl.flapping.count.value), withinMs: decl.flapping.within.ms } }),
  };
}

function channelPolicy(spec: ChannelSpec): ChannelPolicy {
  return { name: spec.name, batchMs: spec.type === 'email' || spec.type === 'webhook' ? spec.batchMs : 0 };
}

function maintenanceSpec(decl: MaintenanceDecl): MaintenanceSpec {
  const windows: MaintenanceWindow[] = decl.schedules.map((s) =>
    s.kind === 'weekly'
      ? { kind: 'weekly', days: s.days.map((d) => WEEKDAYS[d]), fromMin: minutes(s.from), toMin: minutes(s.to), zone: s.zone.value }
      : {
          kind: 'absolute',
          from: DateTime.fromISO(s.from.value, { zone: 'utc' }).toMillis(),
          to: DateTime.fromISO(s.to.value, { zone: 'utc' }).toMillis(),
        },
  );
  return { name: decl.name.name, match: labelPredicate(decl.match), windows };
}

function inhibitSpec(decl: InhibitDecl): InhibitSpec {
  return {
    name: decl.name.name,
    source: labelPredicate(decl.source),
    target: labelPredicate(decl.target),
    equal: decl.equal.map((f) => f.path.join('.')),
  };
}

function labelTest(t: LabelTestNode): LabelTest {
  return { label: t.label.name, ...(t.value === undefined ? {} : { value: t.value }), ...(t.ref === undefined ? {} : { ref: t.ref }) };
}

function dependsSpec(decl: DependsDecl): DependsSpec {
  return { child: decl.child.map(labelTest), parent: decl.parent.map(labelTest) };
}

/** The notification policies of a checked rule set. */
export function compilePolicies(decls: {
  rules: Iterable<RuleDecl>;
  channels: Iterable<ChannelSpec>;
  maintenance: Iterable<MaintenanceDecl>;
  inhibits: Iterable<InhibitDecl>;
  depends?: Iterable<DependsDecl>;
}): NotifierPolicies {
  return {
    rules: new Map([...decls.rules].map((d) => [d.name.name, notifyPolicyOf(d)])),
    channels: new Map([...decls.channels].map((c) => [c.name, channelPolicy(c)])),
    maintenance: [...decls.maintenance].map(maintenanceSpec),
    inhibits: [...decls.inhibits].map(inhibitSpec),
    depends: [...(decls.depends ?? [])].map(dependsSpec),
  };
}
