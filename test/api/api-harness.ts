import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import type { ApiContext, ApiRoutes, ApiToken, ApiUser } from '../../api/context.js';
import { createApiMetrics, type ApiMetrics } from '../../api/metrics.js';
import { registerApi, type ApiOptions } from '../../api/server.js';
import type { AuditRecord } from '../../engine/audit-log.js';
import { Core, type Input, type InputBody, type ResultOf } from '../../engine/core.js';
import type { Event } from '../../engine/model/event.js';
import type { TimelineEntry } from '../../engine/model/incident.js';
import { checkRuleSet } from '../../rules/check.js';
import { compileRuleSet, type RuleSet } from '../../rules/compile.js';
import { parseRuleFile } from '../../rules/parse.js';

/** The clock's start: 2026-01-01T00:00:00Z, so times in assertions read as ISO. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** ISO text of `T0 + ms`. */
export function iso(ms: number): string {
  return new Date(T0 + ms).toISOString();
}

/** A channel that is never delivered to in these tests (nothing reads the outbox). */
export const CHANNELS = 'channel chat webhook { url "http://127.0.0.1:1/chat" }\n';

/** The default rules: `down` fires at once and notifies chat; `slow` waits 10 s (`for`). */
export const RULES =
  CHANNELS +
  'rule down { when latest health by host is status == "down" severity critical summary "{host} is down" notify chat }\n' +
  'rule slow { when latest health by host is status == "slow" for 10s }\n';

type Compiled = { ok: true; set: RuleSet } | { ok: false; diagnostics: ReturnType<typeof checkRuleSet> };

function compile(source: string): Compiled {
  const { ast, diagnostics } = parseRuleFile('rules.vigil', source);
  const files = [{ file: 'rules.vigil', ast }];
  const all = [...diagnostics, ...checkRuleSet(files)];
  return all.length > 0 ? { ok: false, diagnostics: all } : { ok: true, set: compileRuleSet(files) };
}

/** How a test wants its API: rules, tokens, readiness, and hooks into the app. */
export interface HarnessOptions {
  readonly rules?: string;
  readonly tokens?: readonly ApiToken[];
  readonly users?: readonly ApiUser[];
  readonly ready?: boolean;
  readonly heartbeatMs?: number;
  /** Replaces ctx.reload (e.g. one that throws). */
  readonly reload?: ApiContext['reload'];
  /** Called with the app before the API is registered (hooks on the whole app). */
  readonly before?: (app: FastifyInstance) => void;
  /** Routes of sources, registered inside the API context (like the event intake). */
  readonly routes?: readonly ApiRoutes[];
  /** The API's limits and cross-site settings, as the service passes them from `http.*`. */
  readonly api?: Omit<ApiOptions, 'metrics' | 'routes' | 'heartbeatMs'>;
}

/**
 * A real core on a virtual clock, an ApiContext over it whose `submit` journals to memory and
 * applies to the core, and a fastify app with the API registered.
 */
export interface Harness {
  readonly app: FastifyInstance;
  readonly clock: { advance(time: number): void; now(): number };
  readonly core: Core;
  readonly ctx: ApiContext;
  readonly metrics: ApiMetrics;
  /** Every input submitted, in order, except audit records (those are in `audits`). */
  readonly journal: Input[];
  /** Every audit record submitted, in order. */
  readonly audits: AuditRecord[];
  /** The rules text `ctx.reload` compiles. */
  rules: string;
  ready: boolean;
  /** Stream listeners currently subscribed to the book. */
  readonly listeners: () => number;
  /** Moves the clock to `T0 + ms`. */
  advance(ms: number): void;
  /** Moves the clock to `T0 + ms` and submits one health event there. */
  event(ms: number, fields: Record<string, unknown>): void;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Every timeline entry so far. */
  entries(): TimelineEntry[];
  close(): Promise<void>;
}

/** Starts a harness (see `Harness`); the app is ready for `inject` or `listen`. */
export async function startApi(options: HarnessOptions = {}): Promise<Harness> {
  const first = compile(options.rules ?? RULES);
  if (!first.ok) throw new Error(`test rules do not compile: ${JSON.stringify(first.diagnostics)}`);
  const core = new Core({
    start: T0,
    rules: { rules: first.set.rules, policies: first.set.policies, playbooks: first.set.playbookSpecs, ruleRuns: first.set.ruleRuns },
    externalChannels: ['chat'],
    incidentUrl: (id) => `http://vigil.test/v1/incidents/${id}`,
    maxGroupsPerRule: 1000,
  });
  core.start();
  // The core keeps its own clock; the harness moves it.
  const clock = { advance: (time: number): void => void core.advance(time), now: () => core.now };

  // Counts the book's stream listeners through the unsubscribe functions it hands out.
  let listening = 0;
  const subscribe = core.book.onEntry.bind(core.book);
  core.book.onEntry = (listener) => {
    const off = subscribe(listener);
    listening++;
    let on = true;
    return () => {
      if (on) listening--;
      on = false;
      off();
    };
  };

  const journal: Input[] = [];
  const audits: AuditRecord[] = [];
  let nextId = 1;
  const h: Harness = {
    app: Fastify({ logger: false }),
    clock,
    core,
    metrics: createApiMetrics({ defaultMetrics: false }),
    journal,
    audits,
    rules: options.rules ?? RULES,
    ready: options.ready ?? true,
    listeners: () => listening,
    ctx: undefined as unknown as ApiContext,
    advance: (ms) => clock.advance(T0 + ms),
    event: (ms, fields) => {
      clock.advance(T0 + ms);
      h.ctx.submit({ t: 'events', events: [{ stream: 'health', time: T0 + ms, ...fields } as Event] });
    },
    inject: (o) => h.app.inject(o),
    entries: () => core.book.entries({ limit: 10_000 }),
    close: async () => {
      await h.app.close();
      h.metrics.close();
    },
  };
  const ctx: ApiContext = {
    queries: core.queries,
    submit: <I extends InputBody>(input: I) => {
      const full = { ...input, at: clock.now() } as Input;
      if (full.t === 'audit') audits.push(full.record);
      else journal.push(full);
      return core.apply(full).result as ResultOf<I>;
    },
    reload:
      options.reload ??
      (async () => {
        const next = compile(h.rules);
        if (!next.ok) return { ok: false, diagnostics: next.diagnostics };
        const kept = core.reload({ rules: next.set.rules, policies: next.set.policies, playbooks: next.set.playbookSpecs, ruleRuns: next.set.ruleRuns });
        return { ok: true, rules: next.set.rules.length, kept };
      }),
    ready: () => h.ready,
    now: () => clock.now(),
    tokens: options.tokens ?? [],
    users: options.users ?? [],
    newId: () => `s-${nextId++}`,
  };
  (h as { ctx: ApiContext }).ctx = ctx;
  options.before?.(h.app);
  registerApi(h.app, ctx, {
    ...options.api,
    metrics: h.metrics,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.routes === undefined ? {} : { routes: options.routes }),
  });
  await h.app.ready();
  return h;
}
