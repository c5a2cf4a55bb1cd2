import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startNodeExporter, type NodeExporter } from '../support/node-exporter.js';
import { freePort } from '../support/ports.js';
import { eventually, startVigilProcess, writeVigilFiles, type VigilProcess } from '../support/vigil-process.js';

/**
 * `vigil run` scraping a real node exporter every second: a rule on `node_load1` fires, a
 * rate over a real counter fires, a target nobody listens on gives `up` = 0, and a target
 * whose page has a line that does not parse still delivers its other samples while the
 * bad line is counted as refused.
 */

let dir: string;
let exporter: NodeExporter;
let broken: HttpServer;
let vigil: VigilProcess;
let deadTarget: string;

/** The alert changes vigil printed, parsed. */
function changes(): { rule: string; state: string; labels: Record<string, string>; value: unknown }[] {
  return vigil
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"rule"') && l.includes('"state"'))
    .map((l) => JSON.parse(l));
}

before(async () => {
  exporter = await startNodeExporter();
  // A page with one good sample, one line that does not parse, and a histogram.
  broken = createServer((_req, res) =>
    res.end(
      [
        '# TYPE app_ok gauge',
        'app_ok{job="inner"} 1',
        'app_broken{unclosed="x" 3',
        '# TYPE app_latency_seconds histogram',
        'app_latency_seconds_bucket{le="0.1"} 4',
        'app_latency_seconds_bucket{le="+Inf"} 5',
        'app_latency_seconds_sum 0.7',
        'app_latency_seconds_count 5',
        '',
      ].join('\n'),
    ),
  );
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  deadTarget = `127.0.0.1:${await freePort()}`;
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-scrape-'));
  const config = [
    'rules: ./rules',
    'data: ./data',
    'http:',
    '  listen: 127.0.0.1:0',
    'scrape:',
    `  - {job: node, targets: ["${exporter.hostPort}", "${deadTarget}"], interval: 1s, timeout: 900ms, labels: {env: test}}`,
    `  - {job: app, targets: ["127.0.0.1:${(broken.address() as AddressInfo).port}"], interval: 1s, path: /metrics}`,
    '',
  ].join('\n');
  const rules = {
    'scrape.vigil': [
      'rule load_seen { when latest metrics where name == "node_load1" and labels.env == "test" by instance is value >= 0 }',
      'rule cpu_busy { when rate(value) of metrics where name == "node_cpu_seconds_total" and labels.mode == "idle" and labels.cpu == "0" over 30s by instance >= 0 }',
      'rule target_down { when latest metrics where name == "up" by job, instance is value == 0 }',
      'rule app_ok { when latest metrics where name == "app_ok" by job, instance is value == 1 }',
      'rule app_slow { when latest metrics where name == "app_latency_seconds_bucket" and labels.le == "+Inf" by instance is value == 5 }',
      '',
    ].join('\n'),
  };
  vigil = await startVigilProcess(dir, await writeVigilFiles(dir, config, rules));
});

after(async () => {
  await vigil?.stop();
  await exporter?.stop();
  await new Promise((resolve) => broken?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a rule on node_load1 of a real node exporter fires (its predicate reads the configured env label)', async () => {
  const fired = await eventually(() => changes().find((c) => c.rule === 'load_seen' && c.state === 'firing'), 'load_seen firing');
  assert.equal(fired.labels.instance, exporter.hostPort);
});

test('rate over the node exporter\'s idle CPU counter fires once two scrapes are in the window', async () => {
  const fired = await eventually(() => changes().find((c) => c.rule === 'cpu_busy' && c.state === 'firing'), 'cpu_busy firing');
  assert.equal(fired.labels.instance, exporter.hostPort);
  assert.equal(typeof fired.value, 'number');
  // Idle seconds per second of one CPU: between 0 and a little over 1 (scrape timing).
  assert.ok((fired.value as number) >= 0 && (fired.value as number) < 2, String(fired.value));
});

test('a target nobody listens on gives up == 0, and only that target', async () => {
  const fired = await eventually(() => changes().find((c) => c.rule === 'target_down' && c.state === 'firing'), 'target_down firing');
  assert.deepEqual({ job: fired.labels.job, instance: fired.labels.instance }, { job: 'node', instance: deadTarget });
  assert.ok(!changes().some((c) => c.rule === 'target_down' && c.labels.instance !== deadTarget), 'the live targets are up');
  assert.match(vigil.stderr(), new RegExp(`scrape node ${deadTarget.replace(/\./g, '\\.')}: scrape failed: ECONNREFUSED`));
});

test('a line that does not parse is counted and logged; the rest of the page arrives, the target label wins over the page\'s', async () => {
  const ok = await eventually(() => changes().find((c) => c.rule === 'app_ok' && c.state === 'firing'), 'app_ok firing');
  // The target's job wins over the page's own `job` label.
  assert.equal(ok.labels.job, 'app');
  await eventually(() => changes().find((c) => c.rule === 'app_slow' && c.state === 'firing'), 'the histogram bucket arrives with its le label');
  assert.match(vigil.stderr(), /scrape app 127\.0\.0\.1:\d+: 1 samples refused; first: line 3: /);
  const refused = await eventually(async () => {
    const text = await fetch(`${vigil.url}/metrics`).then((r) => r.text());
    const m = /vigil_events_rejected_total\{stream="metrics"\} (\d+)/.exec(text);
    return m !== null && Number(m[1]) >= 1 ? Number(m[1]) : undefined;
  }, 'the refused line counted');
  assert.ok(refused >= 1);
});
