import { alertmanagerAlert } from '../../engine/alertmanager-alert.js';
import type { Incident } from '../../engine/model/incident.js';
import type { Silence } from '../../engine/silences.js';
import type { CoreQueries } from '../../engine/core-queries.js';
import { isoTime } from '../times.js';
import { silenceStatus } from '../views.js';
import { ROOT_RECEIVER } from './routing-config.js';

/**
 * The JSON shapes of Alertmanager's API v2 (`gettableAlert`, `gettableSilence`), built from
 * vigil's incidents and silences.
 */

/** Go's zero time: the `endsAt` of an alert that has no end. */
const GO_ZERO_TIME = '0001-01-01T00:00:00.000Z';

/** An open incident as Alertmanager's `gettableAlert`, with its silence and inhibition status at `now`. */
export function gettableAlert(queries: CoreQueries, incident: Incident, now: number) {
  const a = alertmanagerAlert(incident, queries.incidentUrl(incident.id));
  const silencedBy = queries.silencedBy(incident, now);
  const inhibitedBy = queries.inhibitedBy(incident).map((source) => alertmanagerAlert(source, '').fingerprint);
  const channels = queries.channelsOf(incident);
  return {
    annotations: a.annotations,
    endsAt: a.endsAt === null ? GO_ZERO_TIME : isoTime(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: (channels.length > 0 ? channels : [ROOT_RECEIVER]).map((name) => ({ name })),
    startsAt: isoTime(a.startsAt),
    status: { inhibitedBy, silencedBy, state: silencedBy.length > 0 || inhibitedBy.length > 0 ? 'suppressed' : 'active' },
    updatedAt: isoTime(incident.posted?.updatedAt ?? incident.ackedAt ?? incident.openedAt),
    generatorURL: a.generatorURL,
    labels: a.labels,
  };
}

/** The type of one `gettableAlert`. */
export type GettableAlert = ReturnType<typeof gettableAlert>;

/** A silence as Alertmanager's `gettableSilence`; an expired silence ends when it was expired. */
export function gettableSilence(silence: Silence, now: number) {
  const endsAt = silence.expiredAt !== null && silence.expiredAt < silence.endsAt ? silence.expiredAt : silence.endsAt;
  return {
    id: silence.id,
    status: { state: silenceStatus(silence, now) },
    updatedAt: isoTime(silence.expiredAt ?? silence.createdAt),
    comment: silence.comment,
    createdBy: silence.createdBy,
    endsAt: isoTime(endsAt),
    matchers: silence.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: isoTime(silence.startsAt),
  };
}
