import type { Core } from '../engine/core.js';
import type { RuleRuntime } from '../engine/rule-runtime.js';
import type { CoreQueries, RuleQueryView } from './context.js';

function ruleView(runtime: RuleRuntime): RuleQueryView {
  return { rule: runtime.rule, groupCount: runtime.groupCount, groups: () => runtime.view() };
}

/**
 * The API's read-only view of a core: the one file that knows where in the core each piece
 * of state lives, so routes read through `CoreQueries` alone.
 */
export function coreQueries(core: Core): CoreQueries {
  return {
    incidents: (query) => core.book.list(query),
    incident: (id) => core.book.get(id),
    incidentTimeline: (incident) => core.book.entriesOf(incident),
    incidentCounts: () => core.book.countByState(),
    timeline: (query) => core.book.entries(query),
    onTimeline: (listener) => core.book.onEntry(listener),
    rules: () => [...core.ruleEngine.runtimes.values()].map(ruleView),
    rule: (name) => {
      const runtime = core.ruleEngine.runtimes.get(name);
      return runtime === undefined ? undefined : ruleView(runtime);
    },
    silences: () => core.listSilences(),
    silence: (id) => core.getSilence(id),
    runs: (limit) => core.runner.list(limit),
    run: (id) => core.runner.get(id),
    paused: () => core.runner.isPaused,
    notificationState: (id) => core.notifier.stateOf(id),
    pendingNotifications: (id) => core.notifier.outbox.due(Infinity).filter((item) => item.incident.id === id),
    openIncidents: () => [...core.book.openIncidents()],
    silencedBy: (incident, time) => core.notifier.silencedBy(incident, time),
    inhibitedBy: (incident) => core.notifier.inhibitedBy(incident),
    channelsOf: (incident) => core.notifier.channelsOf(incident),
    incidentUrl: (id) => core.incidentUrl(id),
    policies: () => core.policies,
    audit: (query) => core.audit.list(query),
  };
}
