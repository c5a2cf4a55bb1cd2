import type { Core } from '../../engine/core.js';
import type { CoreQueries } from '../../engine/core-queries.js';
import { incidentLimit } from '../../engine/model/incident-query.js';
import type { Incident, IncidentState } from '../../engine/model/incident.js';

/** The id prefix of partition `p`'s incidents: ids stay unique across the cluster and say their partition. */
export function incidentPrefix(partition: number): string {
  return `p${partition}-inc-`;
}

/** The partition an incident id belongs to, or undefined for an id of another shape. */
export function partitionOfIncident(id: string): number | undefined {
  const m = /^p(\d{1,6})-inc-\d+$/.exec(id);
  return m === null ? undefined : Number(m[1]);
}

/** Where the view finds each partition's core: the live one where this instance owns it, else one restored from the changelog. */
export interface ClusterViewSource {
  /** Every partition's core as of now (owned ones live, the others as last committed). */
  cores(): readonly Core[];
  core(partition: number): Core | undefined;
}

const newestFirst = (a: Incident, b: Incident): number => b.openedAt - a.openedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The API's questions answered over every partition of the cluster, so `GET /v1/incidents`
 * and the timeline read the same on any instance: incident questions are merged across the
 * partitions' cores; the rest (rules, silences, playbooks) come from this instance's own.
 */
export function clusterQueries(local: CoreQueries, source: ClusterViewSource): CoreQueries {
  const of = (id: string): CoreQueries | undefined => {
    const p = partitionOfIncident(id);
    return p === undefined ? undefined : source.core(p)?.queries;
  };
  return {
    ...local,
    incidents(query) {
      const { before, ...rest } = query;
      let all = source
        .cores()
        .flatMap((c) => c.queries.incidents({ ...rest, limit: 1000 }))
        .sort(newestFirst);
      if (before !== undefined) {
        const at = all.findIndex((i) => i.id === before);
        all = at < 0 ? [] : all.slice(at + 1);
      }
      return all.slice(0, incidentLimit(query));
    },
    incident: (id) => of(id)?.incident(id),
    openIncident: (rule, labels) => {
      for (const c of source.cores()) {
        const found = c.queries.openIncident(rule, labels);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    incidentTimeline: (incident) => of(incident.id)?.incidentTimeline(incident) ?? [],
    incidentCount: () => source.cores().reduce((n, c) => n + c.queries.incidentCount(), 0),
    incidentCountByState: () => {
      const total: Record<IncidentState, number> = { firing: 0, acknowledged: 0, resolved: 0 };
      for (const c of source.cores()) for (const [k, v] of Object.entries(c.queries.incidentCountByState())) total[k as IncidentState] += v;
      return total;
    },
    timeline: (query) =>
      source
        .cores()
        .flatMap((c) => c.queries.timeline(query))
        .sort((a, b) => a.time - b.time),
    openIncidents: () => source.cores().flatMap((c) => c.queries.openIncidents()),
    notifyState: (id) => of(id)?.notifyState(id),
    silencedBy: (incident, time) => of(incident.id)?.silencedBy(incident, time) ?? [],
    inhibitedBy: (incident) => of(incident.id)?.inhibitedBy(incident) ?? [],
    channelsOf: (incident) => of(incident.id)?.channelsOf(incident) ?? local.channelsOf(incident),
  };
}
