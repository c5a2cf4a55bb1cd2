import type { FastifyInstance } from 'fastify';
import type { PlaybookRun } from '../engine/playbooks/playbook-runner.js';
import type { RunRequestResult } from '../engine/playbooks/playbook-runner.js';
import { callerOf } from './auth.js';
import type { ApiContext } from './context.js';
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

/**
 * Remediation runs: the list, one run with its steps, approval of a run that waits for it,
 * a manual run (for an incident, or for given labels), and the global pause switch.
 * Changes go through `ctx.submit`, so they are journaled.
 */
export function registerPlaybooks(app: FastifyInstance, ctx: ApiContext): void {
  const runner = ctx.core.runner;
  const answer = (result: ReturnType<ApiContext['submit']>, reply: { code(n: number): { send(b: unknown): unknown } }) => {
    const r = result as RunRequestResult | undefined;
    if (r === undefined) return reply.code(500).send({ error: 'internal error' });
    if (r.ok) return runView(r.run);
    if (r.error === 'not_found') return reply.code(404).send({ error: 'no such run' });
    if (r.error === 'unknown_playbook') return reply.code(404).send({ error: 'no such playbook' });
    return reply.code(409).send({ error: 'the run is not waiting for approval' });
  };

  app.get<{ Querystring: { limit: number } }>('/v1/playbooks/runs', { schema: { querystring: listQuery } }, async (request) => ({
    runs: runner.list(request.query.limit).map(runView),
    paused: runner.isPaused,
  }));

  app.get<{ Params: { id: string } }>('/v1/playbooks/runs/:id', { schema: { params: idParams } }, async (request, reply) => {
    const run = runner.get(request.params.id);
    return run === undefined ? reply.code(404).send({ error: 'no such run' }) : runView(run);
  });

  app.post<{ Params: { id: string }; Body: { by?: string } }>(
    '/v1/playbooks/runs/:id/approve',
    { schema: { params: idParams, body: byBody }, preValidation: emptyBodyAsObject },
    async (request, reply) => answer(ctx.submit({ t: 'approve', run: request.params.id, by: request.body.by ?? callerOf(request).name }), reply),
  );

  app.post<{ Params: { name: string }; Body: { by?: string; incident?: string; labels?: Record<string, string> } }>(
    '/v1/playbooks/:name/run',
    { schema: { params: nameParams, body: runBody }, preValidation: emptyBodyAsObject },
    async (request, reply) => {
      const { incident, labels, by } = request.body;
      if (incident !== undefined && ctx.core.book.get(incident) === undefined) return reply.code(404).send({ error: `no incident ${incident}` });
      return answer(ctx.submit({ t: 'run', playbook: request.params.name, incident: incident ?? null, labels: labels ?? {}, by: by ?? callerOf(request).name }), reply);
    },
  );

  app.get('/v1/playbooks/pause', async () => ({ paused: runner.isPaused }));
  app.post<{ Body: { paused: boolean; by?: string } }>('/v1/playbooks/pause', { schema: { body: pauseBody }, config: { auth: 'admin' } }, async (request) => {
    ctx.submit({ t: 'pause', paused: request.body.paused, by: request.body.by ?? callerOf(request).name });
    return { paused: runner.isPaused };
  });
}
