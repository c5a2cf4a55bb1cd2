import type { FastifyPluginAsync } from 'fastify';
import type { AuditEntry } from '../engine/audit-log.js';
import type { ApiContext } from './context.js';
import { isoTime, parseInstant } from './times.js';
import { instantSchema } from './validation.js';

/** Most audit entries one page may hold. */
export const MAX_AUDIT_PAGE = 1000;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: instantSchema,
    after: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1, maximum: MAX_AUDIT_PAGE, default: 100 },
  },
} as const;

/** An audit entry as the API shows it. */
export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    time: isoTime(entry.time),
    who: entry.who,
    role: entry.role,
    from: entry.from,
    action: entry.action,
    route: entry.route,
    target: entry.target,
    status: entry.status,
    summary: entry.summary,
  };
}

/**
 * `GET /v1/audit?since=&after=&limit=`: every write made over the API (who, when, from
 * where, what, and the status answered), oldest first, paged with `after` and the `next`
 * cursor. Admin only: it shows who did what from which address.
 */
export const auditRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  api.get<{ Querystring: { since?: string; after?: number; limit: number } }>(
    '/v1/audit',
    { schema: { querystring: listQuery }, config: { auth: 'admin' } },
    async (request) => {
      const { since, after, limit } = request.query;
      const query = { since: since === undefined ? undefined : parseInstant(since), after };
      const entries = ctx.queries.audit({ ...query, limit });
      const last = entries[entries.length - 1];
      const more = last !== undefined && entries.length === limit && ctx.queries.audit({ ...query, after: last.id, limit: 1 }).length > 0;
      return { entries: entries.map(auditView), next: more ? last.id : null };
    },
  );
};
