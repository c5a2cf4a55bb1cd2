import type { Incident, PostedAlert, TimelineEntry } from '../engine/model/incident.js';
import type { IncidentNotifyState } from '../engine/notify/notifier.js';
import type { OutboxItem } from '../engine/notify/outbox.js';
import { silenceActive, type Silence } from '../engine/silences.js';
import { isoOrNull, isoTime } from './times.js';

/**
 * The JSON shapes the API answers with: the engine's plain data with times as ISO-8601
 * and internal bookkeeping (fingerprints, entry id lists) left out.
 */

/** An incident as listed. */
export function incidentView(incident: Incident) {
  return {
    id: incident.id,
    rule: incident.rule,
    severity: incident.severity,
    state: incident.state,
    labels: incident.labels,
    value: incident.value,
    summary: incident.summary,
    openedAt: isoTime(incident.openedAt),
    ackedAt: isoOrNull(incident.ackedAt),
    ackedBy: incident.ackedBy,
    resolvedAt: isoOrNull(incident.resolvedAt),
    resolvedBy: incident.resolvedBy,
    alertFiring: incident.alertFiring,
    ...(incident.parent === undefined ? {} : { parent: incident.parent }),
    ...(incident.children === undefined ? {} : { children: incident.children }),
    ...(incident.posted === undefined ? {} : { posted: postedView(incident.posted) }),
  };
}

/** What an incident keeps of a posted alert (Alertmanager API): fingerprint, annotations, link, times. */
export function postedView(posted: PostedAlert) {
  return {
    fingerprint: posted.fingerprint,
    annotations: posted.annotations,
    generatorURL: posted.generatorURL,
    startsAt: isoTime(posted.startsAt),
    endsAt: isoTime(posted.endsAt),
    updatedAt: isoTime(posted.updatedAt),
  };
}

/** A timeline entry (interfaces spec: id, time, incident, rule, kind, labels, detail). */
export function entryView(entry: TimelineEntry) {
  return {
    id: entry.id,
    time: isoTime(entry.time),
    incident: entry.incident,
    rule: entry.rule,
    kind: entry.kind,
    labels: entry.labels,
    detail: entry.detail,
  };
}

/** Where an open incident stands in its notification policy, and what waits in the outbox for it. */
export function notificationView(state: IncidentNotifyState, queued: readonly OutboxItem[]) {
  return {
    step: state.step,
    channels: state.channels,
    heldBy: state.heldBy,
    firstNotifiedAt: isoOrNull(state.firstNotifiedAt),
    nextEscalationAt: isoOrNull(state.nextEscalationAt),
    nextRepeatAt: isoOrNull(state.nextRepeatAt),
    repeats: state.repeats,
    queued: queued.map((item) => ({
      channel: item.channel,
      kind: item.kind,
      step: item.step,
      notBefore: isoTime(item.notBefore),
      status: item.status,
      attempts: item.attempts,
    })),
  };
}

/** Where a silence stands at a time: not started, in force, or over (ended or deleted). */
export type SilenceStatus = 'pending' | 'active' | 'expired';

/** The status of a silence at `now`. */
export function silenceStatus(silence: Silence, now: number): SilenceStatus {
  if (silenceActive(silence, now)) return 'active';
  return silence.expiredAt === null && now < silence.startsAt ? 'pending' : 'expired';
}

/** A silence with its status at `now`. */
export function silenceView(silence: Silence, now: number) {
  return {
    id: silence.id,
    status: silenceStatus(silence, now),
    matchers: silence.matchers,
    startsAt: isoTime(silence.startsAt),
    endsAt: isoTime(silence.endsAt),
    createdBy: silence.createdBy,
    comment: silence.comment,
    createdAt: isoTime(silence.createdAt),
    expiredAt: isoOrNull(silence.expiredAt),
    ...(silence.notify === undefined ? {} : { notify: silence.notify }),
  };
}
