import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditRecord } from '../engine/audit-log.js';
import { callerOf, isAuthenticated } from './auth.js';
import type { ApiContext } from './context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Marks a write route as audited: `action` names what it does, `target` the path
     * parameter (or body field) that says what it acts on.
     */
    audit?: { readonly action: string; readonly target?: string };
  }
}

/** Longest summary kept per audit entry. */
export const MAX_AUDIT_SUMMARY = 500;

function targetOf(request: FastifyRequest, field: string | undefined): string | null {
  if (field === undefined) return null;
  const params = request.params as Record<string, unknown> | undefined;
  const value = params?.[field] ?? (request.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value.slice(0, 256) : null;
}

/** The body as JSON text; a body nested too deeply to serialise (it was refused anyway) is named, not shown. */
function bodyText(body: unknown): string {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return '';
  try {
    return JSON.stringify(body);
  } catch {
    return '(body nested too deeply to show)';
  }
}

function summaryOf(request: FastifyRequest, status: number, payload: unknown): string {
  let text = bodyText(request.body);
  if (status >= 400 && typeof payload === 'string') {
    try {
      const answer = JSON.parse(payload) as { code?: unknown };
      if (typeof answer.code === 'string') text = text === '' ? answer.code : `${text} → ${answer.code}`;
    } catch {
      // Not JSON: nothing to add.
    }
  }
  return text.length > MAX_AUDIT_SUMMARY ? `${text.slice(0, MAX_AUDIT_SUMMARY - 1)}…` : text;
}

/**
 * Records every audited write (routes with `config.audit`) that got past authorization, as
 * an `audit` input journaled through `ctx.submit`: who (token name), from where (client
 * address), what (action, route, target, a summary of the body) and the status answered.
 * It runs as the answer is sent, so refused and failed writes are recorded too.
 */
export function registerAuditHook(app: FastifyInstance, ctx: ApiContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const audit = request.routeOptions.config.audit;
    if (audit === undefined || !isAuthenticated(request)) return payload;
    const caller = callerOf(request);
    const record: AuditRecord = {
      who: caller.name,
      role: caller.role,
      from: request.ip,
      action: audit.action,
      route: `${request.method} ${request.routeOptions.url ?? request.url}`,
      target: targetOf(request, audit.target),
      status: reply.statusCode,
      summary: summaryOf(request, reply.statusCode, payload),
    };
    ctx.submit({ t: 'audit', record });
    return payload;
  });
}
