import type { FastifyPluginAsync } from 'fastify';
import type { PlaybookRun, RunRequestResult } from '../engine/playbooks/playbook-runner.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiErrors } from './errors.js';
import { emptyBodyAsObject } from './validation.js';

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** A run as the API shows it. */
export function runView(run: PlaybookRun) {
  return {
    id: run.id,
    playbook: run.playbook,
    incident: run.incident,
    rule: run.rule,
    labels: run.labels,
    state: run.state,
    dryRun: run.dryRun,
    requestedBy: run.requestedBy,
    approvedBy: run.approvedBy,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    reason: run.reason,
    steps: run.steps.map((s) => ({ ...s, startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt) })),
  };
}

const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } as const;
const nameParams = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 256 } } } as const;
const byBody = { type: 'object', additionalProperties: false, properties: { by: { type: 'string', minLength: 1, maxLength: 256 } } } as const;
const runBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    by: { type: 'string', minLength: 1, maxLength: 256 },
    incident: { type: 'string', minLength: 1, maxLength: 128 },
    labels: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', maxLength: 1024 } },
  },
} as const;
const pauseBody = { type: 'object', additionalProperties: false, required: ['paused'], properties: { paused: { type: 'boolean' }, by: { type: 'string', maxLength: 256 } } } as const;
const listQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } } as const;

/** A run request's outcome as the answer: the run, or the registry's error. */
function answer(result: RunRequestResult, run: string, playbook: string) {
  if (result.ok) return runView(result.run);
  if (result.error === 'not_found') throw new ApiErrors.NoRun(run);
  if (result.error === 'unknown_playbook') throw new ApiErrors.NoPlaybook(playbook);
  throw new ApiErrors.RunNotWaiting(run);
}

/**
 * Remediation runs: the list, one run with its steps, approval of a run that waits for it,
 * a manual run (for an incident, or for given labels), and the global pause switch.
 * Changes go through `ctx.submit`, so they are journaled. Approving, running by hand and
 * pausing act on machines, so they need the admin role.
 */
export const playbookRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  const q = ctx.queries;

  api.get<{ Querystring: { limit: number } }>('/v1/playbooks/runs', { schema: { querystring: listQuery } }, async (request) => ({
    runs: q.playbookRuns(request.query.limit).map(runView),
    paused: q.playbooksPaused(),
  }));

  api.get<{ Params: { id: string } }>('/v1/playbooks/runs/:id', { schema: { params: idParams } }, async (request) => {
    const run = q.playbookRun(request.params.id);
    if (run === undefined) throw new ApiErrors.NoRun(request.params.id);
    return runView(run);
  });

  api.post<{ Params: { id: string }; Body: { by?: string } }>(
    '/v1/playbooks/runs/:id/approve',
    { schema: { params: idParams, body: byBody }, preValidation: emptyBodyAsObject, config: { auth: 'admin', audit: { action: 'approve', target: 'id' } } },
    async (request) => answer(ctx.submit({ t: 'approve', run: request.params.id, by: request.body.by ?? callerOf(request).name }), request.params.id, ''),
  );

  api.post<{ Params: { name: string }; Body: { by?: string; incident?: string; labels?: Record<string, string> } }>(
    '/v1/playbooks/:name/run',
    { schema: { params: nameParams, body: runBody }, preValidation: emptyBodyAsObject, config: { auth: 'admin', audit: { action: 'run', target: 'name' } } },
    async (request) => {
      const { incident, labels, by } = request.body;
      if (incident !== undefined && q.incident(incident) === undefined) throw new ApiErrors.NoIncident(incident);
      const name = request.params.name;
      return answer(ctx.submit({ t: 'run', playbook: name, incident: incident ?? null, labels: labels ?? {}, by: by ?? callerOf(request).name }), '', name);
    },
  );

  api.get('/v1/playbooks/pause', async () => ({ paused: q.playbooksPaused() }));
  api.post<{ Body: { paused: boolean; by?: string } }>(
    '/v1/playbooks/pause',
    { schema: { body: pauseBody }, config: { auth: 'admin', audit: { action: 'pause' } } },
    async (request) => {
      ctx.submit({ t: 'pause', paused: request.body.paused, by: request.body.by ?? callerOf(request).name });
      return { paused: q.playbooksPaused() };
    },
  );
};
