import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { amtool, ensurePrometheusTools, PROMTOOL, startAlertmanager, startPrometheus, type Server } from '../support/prometheus.js';
import { eventually, getJson, postJson, startVigilProcess, writeVigilFiles, type VigilProcess } from '../support/vigil-process.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * vigil as a drop-in Alertmanager: a real Prometheus sends the same alerts to a real
 * Alertmanager 0.25 and to vigil; amtool talks to vigil; both send webhooks to one receiver.
 */

const PROM_PASSWORD = 'prom-secret-for-tests';
const OPS_PASSWORD = 'ops-secret-for-tests';
const ADMIN_TOKEN = 'admin-token-for-tests';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

const PROMETHEUS_RULES = JSON.stringify({
  groups: [
    {
      name: 'demo',
      rules: [
        {
          alert: 'TargetDown',
          expr: 'demo_ok == 0',
          labels: { severity: 'critical', rule: 'users-own-rule-label' },
          annotations: {
            summary: '{{ $labels.service }} is down',
            description: 'demo_ok is {{ $value }}',
            runbook_url: 'https://runbooks.example/target-down',
          },
        },
      ],
    },
  ],
});

let ok = 1;
let metrics: HttpServer;
let hook: WebhookReceiver;
let vigil: VigilProcess;
let alertmanager: Server;
let prometheus: Server;
let amUrl: string;

before(async () => {
  await ensurePrometheusTools();
  hook = await startWebhookReceiver();
  metrics = createServer((_req, res) => res.end(`# TYPE demo_ok gauge\ndemo_ok{service="web"} ${ok}\n`));
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-am-'));
  const config = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'auth:',
    '  tokens: [{name: admin, role: admin, env: VIGIL_ADMIN_TOKEN}]',
    '  users: [{name: prom, role: write, passwordEnv: VIGIL_PROM_PASSWORD}, {name: ops, role: write, passwordEnv: VIGIL_OPS_PASSWORD}]',
    'notifications:',
    '  alertsChannels: [am]',
    '  backoff: 100ms',
    '',
  ].join('\n');
  const rules = {
    'rules.vigil': [
      `channel am webhook { url "${hook.origin}/vigil" format alertmanager }`,
      'rule down { when latest health by host is status == "down" severity critical summary "{host} is down" notify am }',
      // A rule on the posted alerts' stream: Prometheus decides, vigil routes.
      'rule web_target_down { when latest alerts by service is alertname == "TargetDown" and status == "firing" severity critical notify am }',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules), {
    VIGIL_ADMIN_TOKEN: ADMIN_TOKEN,
    VIGIL_PROM_PASSWORD: PROM_PASSWORD,
    VIGIL_OPS_PASSWORD: OPS_PASSWORD,
  });
  amUrl = vigil.url.replace('http://', `http://ops:${OPS_PASSWORD}@`);
  alertmanager = await startAlertmanager({ webhookUrl: `${hook.origin}/alertmanager` });
  prometheus = await startPrometheus({
    scrapeTarget: `127.0.0.1:${(metrics.address() as AddressInfo).port}`,
    rulesYaml: PROMETHEUS_RULES,
    alertmanagers: [
      { hostPort: vigil.url.replace('http://', ''), basicAuth: { username: 'prom', password: PROM_PASSWORD } },
      { hostPort: `127.0.0.1:${alertmanager.port}` },
    ],
  });
});

after(async () => {
  await prometheus?.stop();
  await alertmanager?.stop();
  await vigil?.stop();
  await hook?.stop();
  await new Promise((resolve) => metrics?.close(resolve));
});

/** Alertmanager's webhook message, version 4, as a receiver written for Alertmanager checks it. */
const webhookSchema = {
  type: 'object',
  required: ['receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts'],
  properties: {
    version: { const: '4' },
    status: { enum: ['firing', 'resolved'] },
    receiver: { type: 'string' },
    groupKey: { type: 'string' },
    truncatedAlerts: { type: 'integer' },
    externalURL: { type: 'string' },
    groupLabels: { type: 'object', additionalProperties: { type: 'string' } },
    commonLabels: { type: 'object', additionalProperties: { type: 'string' } },
    commonAnnotations: { type: 'object', additionalProperties: { type: 'string' } },
    alerts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'],
        properties: {
          status: { enum: ['firing', 'resolved'] },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          annotations: { type: 'object', additionalProperties: { type: 'string' } },
          startsAt: { type: 'string' },
          endsAt: { type: 'string' },
          generatorURL: { type: 'string' },
          fingerprint: { type: 'string', pattern: '^[0-9a-f]{16}$' },
        },
      },
    },
  },
} as const;
const checkWebhook = new Ajv({ allErrors: true }).compile(webhookSchema);

/** The one code path a receiver uses: check the body, then read its alerts. */
function receive(request: ReceivedRequest) {
  assert.ok(checkWebhook(request.json), JSON.stringify(checkWebhook.errors));
  return request.json as { status: string; alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; fingerprint: string }[] };
}

/** The key paths and JSON types of a value (to compare two bodies' shapes). */
function shape(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return [`${at}:array`, ...(value.length > 0 ? shape(value[0], `${at}[]`) : [])];
  if (value !== null && typeof value === 'object') {
    // Label and annotation maps hold whatever the alert has: only their type counts.
    if (/(labels|Labels|annotations|Annotations)$/.test(at)) return [`${at}:object`];
    return [`${at}:object`, ...Object.entries(value).flatMap(([k, v]) => shape(v, `${at}.${k}`))].sort();
  }
  return [`${at}:${typeof value}`];
}

const hooksTo = (where: string, status: string, alertname: string) =>
  hook.requests.filter((r) => r.url === `/${where}` && (r.json as { status?: string })?.status === status && JSON.stringify(r.json).includes(`"alertname":"${alertname}"`));

test('a Prometheus alert fires and resolves in vigil with labels, annotations and times intact, as in Alertmanager', async () => {
  ok = 0;
  const [inVigil] = await eventually(async () => {
    const list = (await getJson(`${vigil.url}/api/v2/alerts?filter=alertname%3D%22TargetDown%22`, admin)).json as { labels: Record<string, string> }[];
    return list.length > 0 ? list : undefined;
  }, 'TargetDown in vigil', 60_000);
  const [inAm] = await eventually(async () => {
    const list = (await getJson(`${alertmanager.url}/api/v2/alerts`)).json as unknown[];
    return list.length > 0 ? list : undefined;
  }, 'TargetDown in Alertmanager', 60_000);
  const pick = (a: any) => ({ labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, generatorURL: a.generatorURL, fingerprint: a.fingerprint, status: a.status.state });
  const vigilView = pick(inVigil);
  const amView = pick(inAm);
  // Times: Alertmanager prints nanoseconds, vigil milliseconds.
  assert.equal(Date.parse(vigilView.startsAt), Date.parse(amView.startsAt));
  assert.deepEqual({ ...vigilView, startsAt: 0 }, { ...amView, startsAt: 0 });
  assert.equal(vigilView.labels.rule, 'users-own-rule-label');
  assert.equal(vigilView.annotations.runbook_url, 'https://runbooks.example/target-down');

  // Both send a webhook a receiver for Alertmanager reads the same way.
  const fromAm = receive(await eventually(() => hooksTo('alertmanager', 'firing', 'TargetDown')[0], 'Alertmanager webhook', 30_000));
  const fromVigil = receive(await eventually(() => hooksTo('vigil', 'firing', 'TargetDown')[0], 'vigil webhook', 30_000));
  assert.deepEqual(shape(fromVigil), shape(fromAm));
  const alertOf = (body: typeof fromAm) => {
    const a = body.alerts.find((x) => x.labels.alertname === 'TargetDown')!;
    return { labels: a.labels, annotations: a.annotations, startsAt: Date.parse(a.startsAt), generatorURL: a.generatorURL, fingerprint: a.fingerprint, status: a.status };
  };
  assert.deepEqual(alertOf(fromVigil), alertOf(fromAm));

  // The rule on the stream `alerts` fired on it too.
  await eventually(async () => {
    const list = (await getJson(`${vigil.url}/v1/incidents?rule=web_target_down`, admin)).json.incidents as { state: string }[];
    return list.some((i) => i.state === 'firing');
  }, 'web_target_down incident', 30_000);

  ok = 1;
  const resolved = await eventually(async () => {
    const list = (await getJson(`${vigil.url}/v1/incidents?rule=TargetDown`, admin)).json.incidents as { state: string; resolvedAt: string; posted: { endsAt: string } }[];
    return list.find((i) => i.state === 'resolved');
  }, 'TargetDown resolved in vigil', 60_000);
  // Resolved when Prometheus says it ended, not when the post arrived.
  assert.equal(resolved.resolvedAt, resolved.posted.endsAt);
  const resolvedHook = receive(await eventually(() => hooksTo('vigil', 'resolved', 'TargetDown')[0], 'vigil resolved webhook', 30_000));
  assert.equal(resolvedHook.alerts[0]!.status, 'resolved');
});

test('every amtool command works against vigil, and an amtool silence silences a vigil rule and a posted alert', async () => {
  const add = await amtool(amUrl, ['silence', 'add', 'alertname=~"down|Posted"', '--comment=maintenance', '--author=ops', '--duration=1h']);
  assert.ok(add.ok, add.stderr);
  const id = add.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);

  assert.equal((await postJson(`${vigil.url}/v1/events`, { stream: 'health', host: 'web9', status: 'down' }, admin)).status, 200);
  const grafana = [{ labels: { alertname: 'Posted', team: 'web' }, annotations: { summary: 'from Grafana' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', UpdatedAt: new Date().toISOString(), Timeout: false }];
  assert.equal((await postJson(`${vigil.url}/api/v1/alerts`, grafana, basic('prom', PROM_PASSWORD))).status, 200);

  const query = await eventually(async () => {
    const r = await amtool(amUrl, ['alert', 'query', '--silenced', '-o', 'json']);
    assert.ok(r.ok, r.stderr);
    const alerts = JSON.parse(r.stdout) as { labels: Record<string, string>; status: { state: string; silencedBy: string[] } }[];
    const names = alerts.filter((a) => a.status.silencedBy.includes(id)).map((a) => a.labels.alertname).sort();
    return names.length === 2 ? names : undefined;
  }, 'both alerts silenced', 20_000);
  assert.deepEqual(query, ['Posted', 'down']);
  const active = await amtool(amUrl, ['alert', 'query', '-o', 'json']);
  assert.ok(active.ok, active.stderr);
  assert.equal((JSON.parse(active.stdout) as { labels: Record<string, string> }[]).some((a) => a.labels.alertname === 'down'), false);

  const timeline = (await getJson(`${vigil.url}/v1/timeline?limit=1000`, admin)).json.entries as { kind: string; rule: string; detail: { by?: string } }[];
  assert.deepEqual(timeline.filter((e) => e.kind === 'silenced' && e.detail.by === `silence ${id}`).map((e) => e.rule).sort(), ['Posted', 'down']);
  assert.equal(hooksTo('vigil', 'firing', 'down').length + hooksTo('vigil', 'firing', 'Posted').length, 0);

  const silences = await amtool(amUrl, ['silence', 'query', '-o', 'json']);
  assert.ok(silences.ok, silences.stderr);
  assert.deepEqual((JSON.parse(silences.stdout) as { id: string }[]).map((s) => s.id), [id]);
  const v1 = (await getJson(`${vigil.url}/v1/silences`, admin)).json.silences as { id: string }[];
  assert.ok(v1.some((s) => s.id === id));

  const expire = await amtool(amUrl, ['silence', 'expire', id]);
  assert.ok(expire.ok, expire.stderr);
  const after = await amtool(amUrl, ['silence', 'query', '--expired', '-o', 'json']);
  assert.deepEqual((JSON.parse(after.stdout) as { id: string; status: { state: string } }[]).map((s) => [s.id, s.status.state]), [[id, 'expired']]);

  const show = await amtool(amUrl, ['config', 'show']);
  assert.ok(show.ok, show.stderr);
  assert.match(show.stdout, /receiver: am/);
  const routes = await amtool(amUrl, ['config', 'routes']);
  assert.ok(routes.ok, routes.stderr);
  assert.match(routes.stdout, /\{alertname="down"\}  continue: true  receiver: am/);

  const wrong = await amtool(vigil.url.replace('http://', 'http://ops:wrong@'), ['alert', 'query']);
  assert.equal(wrong.ok, false);
});

test('amtool silence update changes a silence in place or replaces it as Alertmanager does, and silence import restores a saved set', async () => {
  const add = await amtool(amUrl, ['silence', 'add', 'service="db"', '--comment=first', '--author=ops', '--duration=1h']);
  assert.ok(add.ok, add.stderr);
  const id = add.stdout.trim();

  // A new comment and end: the same silence.
  const update = await amtool(amUrl, ['silence', 'update', id, '--comment=longer', '--duration=2h']);
  assert.ok(update.ok, update.stderr);
  const same = (await getJson(`${vigil.url}/api/v2/silence/${id}`, admin)).json as { comment: string; startsAt: string; endsAt: string; status: { state: string } };
  assert.equal(same.comment, 'longer');
  assert.equal(same.status.state, 'active');
  assert.ok(Date.parse(same.endsAt) - Date.parse(same.startsAt) > 90 * 60_000);

  // A new start for an active silence would rewrite what it silenced: a new silence, the old one expired.
  const later = new Date(Date.now() + 10 * 60_000).toISOString();
  const moved = await amtool(amUrl, ['silence', 'update', id, `--start=${later}`]);
  assert.ok(moved.ok, moved.stderr);
  const newId = moved.stdout.trim().split(/\s+/).find((w) => /^[0-9a-f-]{36}$/.test(w) && w !== id);
  assert.ok(newId !== undefined, moved.stdout);
  assert.equal(((await getJson(`${vigil.url}/api/v2/silence/${id}`, admin)).json as { status: { state: string } }).status.state, 'expired');
  assert.equal(((await getJson(`${vigil.url}/api/v2/silence/${newId}`, admin)).json as { status: { state: string } }).status.state, 'pending');

  // Saved, expired, imported again: in force once more, under a new id.
  const saved = await amtool(amUrl, ['silence', 'query', '-o', 'json', 'service=db']);
  assert.ok(saved.ok, saved.stderr);
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'vigil-amtool-')), 'silences.json');
  await writeFile(file, saved.stdout);
  assert.ok((await amtool(amUrl, ['silence', 'expire', newId])).ok);
  const imported = await amtool(amUrl, ['silence', 'import', file]);
  assert.ok(imported.ok, imported.stderr);
  const now = await amtool(amUrl, ['silence', 'query', '-o', 'json', 'service=db']);
  const inForce = JSON.parse(now.stdout) as { id: string; comment: string; status: { state: string } }[];
  assert.equal(inForce.length, 1);
  assert.notEqual(inForce[0]!.id, newId);
  assert.equal(inForce[0]!.comment, 'longer');
  assert.ok((await amtool(amUrl, ['silence', 'expire', inForce[0]!.id])).ok);

  // amtool alert add posts an alert as a client would; it opens an incident.
  const added = await amtool(amUrl, ['alert', 'add', 'AmtoolAdded', 'team=db', '--annotation=summary=added by hand']);
  assert.ok(added.ok, added.stderr);
  const listedAlert = await eventually(async () => {
    const r = await amtool(amUrl, ['alert', 'query', '-o', 'json', 'alertname=AmtoolAdded']);
    const list = JSON.parse(r.stdout) as { labels: Record<string, string>; annotations: Record<string, string> }[];
    return list[0];
  }, 'the added alert', 20_000);
  assert.deepEqual(listedAlert.labels, { alertname: 'AmtoolAdded', team: 'db' });
  assert.equal(listedAlert.annotations.summary, 'added by hand');
});

/** Status and body shape of one request, as Grafana's Alertmanager data source sends it. */
async function grafanaRequest(origin: string, method: string, pathAndQuery: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${origin}${pathAndQuery}`, {
    method,
    headers: { accept: 'application/json, text/plain, */*', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

test('the requests of Grafana\'s Alertmanager data source get the answers Alertmanager gives', async () => {
  // Requests as Grafana's data source and alerting pages send them (health check,
  // feature discovery, alert list and groups with state filters, silences), through its
  // proxy with the data source's basic auth.
  ok = 0;
  for (const origin of [vigil.url, alertmanager.url]) {
    await eventually(async () => ((await getJson(`${origin}/api/v2/alerts?filter=alertname%3D%22TargetDown%22`, admin)).json as unknown[]).length > 0, `TargetDown at ${origin}`, 60_000);
  }
  const auth = basic('ops', OPS_PASSWORD);
  const filter = `filter=${encodeURIComponent('alertname="TargetDown"')}`;
  const reads = [
    '/api/v2/status',
    '/alertmanager/api/v2/status',
    '/api/v1/status/buildinfo',
    `/api/v2/alerts?${filter}&silenced=true&active=true&inhibited=true&unprocessed=true`,
    `/api/v2/alerts?${filter}&silenced=false&inhibited=false`,
    `/api/v2/alerts/groups?${filter}&active=true&silenced=false&inhibited=false`,
    '/api/v2/receivers',
    '/api/v2/silences',
  ];
  for (const read of reads) {
    const fromVigil = await grafanaRequest(vigil.url, 'GET', read, auth);
    const fromAm = await grafanaRequest(alertmanager.url, 'GET', read, {});
    // Grafana tells Prometheus's Alertmanager from Mimir by which status path answers 200.
    assert.equal(fromVigil.status, fromAm.status, `${read}: vigil ${fromVigil.status}, Alertmanager ${fromAm.status}`);
    // An empty list has no shape to compare (vigil holds silences of the tests before).
    const empty = (v: unknown) => Array.isArray(v) && v.length === 0;
    if (fromAm.status === 200 && !empty(fromAm.json) && !empty(fromVigil.json)) assert.deepEqual(shape(fromVigil.json), shape(fromAm.json), read);
  }

  // A silence as Grafana's silence editor makes it, then expired from its list.
  const payload = {
    matchers: [{ name: 'alertname', value: 'TargetDown', isEqual: true, isRegex: false }],
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
    comment: 'from Grafana',
    createdBy: 'grafana-user',
  };
  const madeVigil = await grafanaRequest(vigil.url, 'POST', '/api/v2/silences', auth, payload);
  const madeAm = await grafanaRequest(alertmanager.url, 'POST', '/api/v2/silences', {}, payload);
  assert.equal(madeVigil.status, madeAm.status);
  assert.deepEqual(shape(madeVigil.json), shape(madeAm.json));
  const silencedVigil = await eventually(async () => {
    const r = await grafanaRequest(vigil.url, 'GET', `/api/v2/alerts?${filter}&silenced=true&active=false&inhibited=false`, auth);
    const list = r.json as { status: { state: string } }[];
    return list.length > 0 && list.every((a) => a.status.state === 'suppressed') ? list : undefined;
  }, 'TargetDown silenced in vigil', 20_000);
  assert.ok(silencedVigil.length > 0);
  const listed = [await grafanaRequest(vigil.url, 'GET', '/api/v2/silences', auth), await grafanaRequest(alertmanager.url, 'GET', '/api/v2/silences', {})];
  assert.deepEqual(shape(listed[0]!.json), shape(listed[1]!.json));
  for (const [origin, made, headers] of [[vigil.url, madeVigil, auth], [alertmanager.url, madeAm, {}]] as const) {
    const id = (made.json as { silenceID: string }).silenceID;
    const expired = await grafanaRequest(origin, 'DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, headers);
    assert.equal(expired.status, 200, origin);
  }
  ok = 1;
});

test('vigil\'s metrics pass promtool check metrics', async () => {
  const text = await (await fetch(`${vigil.url}/metrics`)).text();
  assert.match(text, /vigil_events_received_total\{stream="health"\}/);
  const { spawn } = await import('node:child_process');
  const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  child.stdin.end(text);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  assert.equal(out.trim(), '');
});
