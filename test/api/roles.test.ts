import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiToken } from '../../api/context.js';
import { startApi } from './api-harness.js';
import { listen, send } from './http-client.js';

const TOKENS: ApiToken[] = [
  { token: 'r-secret', role: 'read', name: 'dashboard' },
  { token: 'w-secret', role: 'write', name: 'alice' },
  { token: 'a-secret', role: 'admin', name: 'root' },
];

/** The documented role table (README, "HTTP API"): every route the API registers must be in it. */
const ROLES: Record<string, 'none' | 'read' | 'write' | 'admin'> = {
  'GET /healthz': 'none',
  'GET /readyz': 'none',
  'GET /metrics': 'none',
  'GET /v1/incidents': 'read',
  'GET /v1/incidents/:id': 'read',
  'POST /v1/incidents/:id/ack': 'write',
  'POST /v1/incidents/:id/resolve': 'write',
  'POST /v1/incidents/:id/comment': 'write',
  'GET /v1/timeline': 'read',
  'GET /v1/stream': 'read',
  'GET /v1/rules': 'read',
  'GET /v1/rules/:name': 'read',
  'POST /v1/rules/reload': 'admin',
  'GET /v1/silences': 'read',
  'POST /v1/silences': 'write',
  'DELETE /v1/silences/:id': 'write',
  'GET /v1/playbooks/runs': 'read',
  'GET /v1/playbooks/runs/:id': 'read',
  'POST /v1/playbooks/runs/:id/approve': 'admin',
  'POST /v1/playbooks/:name/run': 'admin',
  'GET /v1/playbooks/pause': 'read',
  'POST /v1/playbooks/pause': 'admin',
  'GET /v1/audit': 'admin',
  'POST /api/v2/alerts': 'write',
  'POST /api/v1/alerts': 'write',
  'GET /api/v2/alerts': 'read',
  'GET /api/v2/alerts/groups': 'read',
  'GET /api/v2/silences': 'read',
  'POST /api/v2/silences': 'write',
  'GET /api/v2/silence/:id': 'read',
  'DELETE /api/v2/silence/:id': 'write',
  'GET /api/v2/status': 'read',
  'GET /api/v2/receivers': 'read',
  'GET /-/healthy': 'none',
  'GET /-/ready': 'none',
  'POST /-/reload': 'admin',
  'POST /v1/events': 'write',
  'GET /v1/whoami': 'read',
  'GET /v1/checks': 'read',
  'GET /v1/status-page': 'none',
  'GET /': 'none',
  'GET /status': 'none',
  'GET /console/app.js': 'none',
  'GET /console/console.css': 'none',
};

const RANK = { none: 0, read: 1, write: 2, admin: 3 } as const;

test('every registered route checks its role: no token 401, a weaker role 403, enough role allowed', async () => {
  const routes: { method: string; url: string }[] = [];
  const h = await startApi({
    tokens: TOKENS,
    before: (app) => app.addHook('onRoute', (r) => void (Array.isArray(r.method) ? r.method : [r.method]).forEach((method) => routes.push({ method, url: r.url }))),
    routes: [(api) => void api.post('/v1/events', { config: { auth: 'write', bodyTypes: ['application/json', 'application/x-ndjson'] } }, async () => ({ accepted: 0, rejected: [] }))],
  });
  const base = await listen(h);
  const walked = routes.filter((r) => r.method !== 'HEAD');
  // Nothing the API serves is missing from the table, and nothing in the table is missing from the API.
  assert.deepEqual(walked.map((r) => `${r.method} ${r.url}`).sort(), Object.keys(ROLES).sort());
  for (const { method, url } of walked) {
    const needed = ROLES[`${method} ${url}`]!;
    const path = url.replace(/:[a-z]+/g, 'x1');
    for (const who of [undefined, ...TOKENS]) {
      const headers: Record<string, string> = who === undefined ? {} : { authorization: `Bearer ${who.token}` };
      const write = method !== 'GET';
      const res = await send(base, { method, path, headers: write ? { ...headers, 'content-type': 'application/json' } : headers, ...(write ? { body: '{}' } : {}) }, true);
      const label = `${method} ${url} as ${who?.role ?? 'nobody'}`;
      if (needed === 'none') assert.ok(res.status !== 401 && res.status !== 403, `${label}: ${res.status}`);
      else if (who === undefined) assert.equal(res.status, 401, label);
      else if (RANK[who.role] < RANK[needed]) assert.equal(res.status, 403, label);
      else assert.ok(res.status !== 401 && res.status !== 403, `${label}: ${res.status}`);
    }
  }
  await h.close();
});
