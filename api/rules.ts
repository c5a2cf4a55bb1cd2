import type { FastifyPluginAsync } from 'fastify';
import type { AlertPhase } from '../engine/alert-state.js';
import { formatDiagnostic } from '../engine/model/errors.js';
import type { GroupView } from '../engine/rule-runtime.js';
import type { RuleInfo } from '../engine/core-queries.js';
import type { ApiContext, ReloadOutcome } from './context.js';
import { ApiErrors, withDetails } from './errors.js';
import { isoTime } from './times.js';
import { emptyBodyAsObject } from './validation.js';

/** Most groups one rule's answer lists. */
export const MAX_GROUPS_LISTED = 10_000;

const nameParams = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

/** Reload takes no parameters; an empty object (or no body) is all it accepts. */
const reloadBody = { type: 'object', additionalProperties: false, properties: {} } as const;

const PHASES: readonly AlertPhase[] = ['inactive', 'pending', 'firing', 'keeping'];

const groupsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    phase: { type: 'string', enum: PHASES },
    limit: { type: 'integer', minimum: 1, maximum: MAX_GROUPS_LISTED, default: 1000 },
  },
} as const;

/** `keeping` is still firing to the outside: the condition stopped but `keep` holds the alert. */
function isFiring(phase: AlertPhase): boolean {
  return phase === 'firing' || phase === 'keeping';
}

function summaryOf(runtime: RuleInfo) {
  let firing = 0;
  let pending = 0;
  for (const g of runtime.groups()) {
    if (isFiring(g.phase)) firing++;
    else if (g.phase === 'pending') pending++;
  }
  const rule = runtime.spec;
  return { name: rule.name, where: rule.where ?? null, severity: rule.severity, forMs: rule.forMs, keepMs: rule.keepMs, groupCount: runtime.groupCount, firing, pending };
}

function groupView(g: GroupView) {
  return { labels: g.labels, phase: g.phase, since: isoTime(g.since), holds: g.holds, value: g.value ?? null };
}

/**
 * The compiled rules: the list with group, firing and pending counts, one rule with its
 * per-group state, and `POST /v1/rules/reload`, which recompiles from disk (a set that does
 * not compile is refused with 422 and its diagnostics, and the running one stays).
 */
export const ruleRoutes: FastifyPluginAsync<{ ctx: ApiContext }> = async (api, { ctx }) => {
  // One reload at a time: a second request waits for the first, then reloads again.
  let reloading: Promise<unknown> = Promise.resolve();

  api.get('/v1/rules', async () => ({ rules: ctx.queries.rules().map(summaryOf) }));

  api.get<{ Params: { name: string }; Querystring: { phase?: AlertPhase; limit: number } }>(
    '/v1/rules/:name',
    { schema: { params: nameParams, querystring: groupsQuery } },
    async (request) => {
      const runtime = ctx.queries.rule(request.params.name);
      if (runtime === undefined) throw new ApiErrors.NoRule(request.params.name);
      const { phase, limit } = request.query;
      const groups = [];
      let truncated = false;
      for (const g of runtime.groups()) {
        if (phase !== undefined && g.phase !== phase) continue;
        if (groups.length >= limit) {
          truncated = true;
          break;
        }
        groups.push(groupView(g));
      }
      const rule = runtime.spec;
      return {
        ...summaryOf(runtime),
        streams: [...new Set(rule.selectors.map((s) => s.stream))],
        text: rule.signature === undefined || rule.signature === '' ? null : rule.signature,
        groups,
        truncated,
      };
    },
  );

  api.post(
    '/v1/rules/reload',
    {
      config: { auth: 'admin', audit: { action: 'reload' } },
      schema: { body: reloadBody },
      preValidation: emptyBodyAsObject,
    },
    async () => {
      const run = reloading.then(() => ctx.reload());
      reloading = run.catch(() => undefined);
      const outcome: ReloadOutcome = await run;
      if (outcome.ok) return { ok: true, rules: outcome.rules, kept: outcome.kept };
      throw withDetails(new ApiErrors.RulesInvalid(), { ok: false, diagnostics: outcome.diagnostics.map(formatDiagnostic) });
    },
  );
};
