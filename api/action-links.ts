import type { FastifyInstance } from 'fastify';
import { alertmanagerLabels } from '../engine/alertmanager-labels.js';
import type { ActionLinkSigner } from '../engine/model/action-link.js';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';

// The token travels in the query: path parameters are capped far below a token's length.
const tokenQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['t'],
  properties: { t: { type: 'string', minLength: 1, maxLength: 4096 } },
} as const;

/** What marks a link used: the text its action leaves (the ack's reason, the silence's comment). */
const usedMark = (id: string): string => `one-click link ${id}`;

/**
 * `GET /v1/links?t=TOKEN`: a signed one-click link from a notification acknowledges the
 * incident, or silences its alert for the link's duration, without a bearer token (the
 * signature is the credential). It is refused when altered (403), expired (410) or used
 * already (409): the use is journaled like any action (the ack's reason, the silence's
 * comment carry the link's id), so "once" holds across restarts.
 */
export function actionLinkRoutes(options: {
  readonly signer: ActionLinkSigner;
  readonly ctx: Pick<ApiContext, 'queries' | 'submit' | 'now' | 'newId'>;
}): (api: FastifyInstance) => void {
  const { signer, ctx } = options;
  return (api) => {
    api.get<{ Querystring: { t: string } }>('/v1/links', { schema: { querystring: tokenQuery }, config: { auth: 'none' } }, async (request) => {
      const now = ctx.now();
      const checked = signer.check(request.query.t, now);
      if (!checked.ok) throw checked.reason === 'expired' ? new ApiErrors.LinkExpired() : new ApiErrors.LinkInvalid();
      const { link, id } = checked;
      const incident = ctx.queries.incident(link.incident);
      if (incident === undefined) throw new ApiErrors.NoIncident(link.incident);
      const mark = usedMark(id);
      if (link.action === 'ack') {
        if (ctx.queries.incidentTimeline(incident).some((e) => e.kind === 'acked' && e.detail.why === mark)) throw new ApiErrors.LinkUsed();
        const result = ctx.submit({ t: 'ack', id: incident.id, by: 'link', text: mark });
        if (!result.ok) throw result.error === 'already_resolved' ? new ApiErrors.AlreadyResolved(incident.id) : new ApiErrors.NoIncident(incident.id);
        return { done: 'acknowledged', incident: incident.id };
      }
      if (ctx.queries.silences().some((s) => s.comment === mark)) throw new ApiErrors.LinkUsed();
      const labels = alertmanagerLabels(incident);
      const silence = {
        id: ctx.newId(),
        matchers: Object.keys(labels).map((name) => ({ name, value: labels[name]!, isRegex: false, isEqual: true })),
        startsAt: now,
        endsAt: now + link.silenceMs,
        createdBy: 'link',
        comment: mark,
        createdAt: now,
        expiredAt: null,
      };
      ctx.submit({ t: 'silence', silence });
      return { done: 'silenced', incident: incident.id, silence: silence.id, endsAt: new Date(silence.endsAt).toISOString() };
    });
  };
}
