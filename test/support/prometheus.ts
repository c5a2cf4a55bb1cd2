/**
 * Real Prometheus, Alertmanager and amtool for the Alertmanager-compatibility tests: the
 * Debian packages `prometheus` (prometheus, promtool) and `prometheus-alertmanager`
 * (alertmanager, amtool), installed with apt-get when missing, each server on 127.0.0.1 at
 * a free port in a temp dir of its own.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild } from './children.js';
import { freePort } from './ports.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
export const AMTOOL = '/usr/bin/amtool';

const INSTALL_TIMEOUT_MS = 15 * 60_000;
const READY_TIMEOUT_MS = 30_000;
/** One lock for every test process that runs apt-get, so two installs never collide. */
const APT_LOCK = join(tmpdir(), 'vigil-apt.lock');

/** What a command printed, and whether it exited 0. */
export interface CommandResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (never a shell) and collects its output. */
export function run(file: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
        resolve({ ok: error === null, code, stdout, stderr: `${stderr}${error !== null && code === null ? error.message : ''}` });
      },
    );
  });
}

/** apt-get under one lock (`flock`), without questions. */
function aptGet(args: readonly string[]): Promise<CommandResult> {
  return run('flock', [APT_LOCK, 'apt-get', '-o', 'DPkg::Lock::Timeout=600', ...args], { timeoutMs: INSTALL_TIMEOUT_MS, env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * Makes sure Prometheus, promtool, Alertmanager and amtool are installed, installing the
 * Debian packages with apt-get when one is missing (refreshing the package lists first
 * when apt does not know them).
 */
export async function ensurePrometheusTools(): Promise<void> {
  if ([PROMETHEUS, PROMTOOL, ALERTMANAGER, AMTOOL].every((f) => existsSync(f))) return;
  const install = ['install', '-y', '--no-install-recommends', 'prometheus', 'prometheus-alertmanager'];
  let result = await aptGet(install);
  if (!result.ok && /unable to locate package|has no installation candidate/i.test(result.stdout + result.stderr)) {
    const update = await aptGet(['update']);
    if (!update.ok) throw new Error(`apt-get update failed:\n${update.stderr.slice(-2000)}`);
    result = await aptGet(install);
  }
  if (!result.ok || ![PROMETHEUS, PROMTOOL, ALERTMANAGER, AMTOOL].every((f) => existsSync(f))) {
    throw new Error(`prometheus and prometheus-alertmanager are missing and could not be installed (needs root and apt-get):\n${(result.stdout + result.stderr).slice(-2000)}`);
  }
}

/** A server the tests started. */
export interface Server {
  readonly url: string;
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

async function startServer(file: string, args: (dir: string, port: number) => string[], files: (dir: string) => Record<string, string>): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-prom-'));
  for (const [name, text] of Object.entries(files(dir))) await writeFile(join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(file, args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${file} was not ready within ${READY_TIMEOUT_MS} ms:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Where Prometheus sends its alerts: an Alertmanager's `host:port`, optionally with basic auth. */
export interface AlertTarget {
  readonly hostPort: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

/**
 * Starts Prometheus scraping `scrapeTarget` (`host:port`, path `/metrics`) every second,
 * evaluating `rulesYaml` (a rule file) every second, and sending alerts to `alertmanagers`.
 */
export function startPrometheus(options: { scrapeTarget: string; rulesYaml: string; alertmanagers: readonly AlertTarget[] }): Promise<Server> {
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ['rules.yml'],
    alerting: {
      alertmanagers: options.alertmanagers.map((a) => ({
        api_version: 'v2',
        static_configs: [{ targets: [a.hostPort] }],
        ...(a.basicAuth === undefined ? {} : { basic_auth: a.basicAuth }),
      })),
    },
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets: [options.scrapeTarget] }] }],
  };
  return startServer(
    PROMETHEUS,
    (dir, port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    // JSON is YAML, so the configuration needs no YAML writer.
    () => ({ 'prometheus.yml': JSON.stringify(config), 'rules.yml': options.rulesYaml }),
  );
}

/** Starts an Alertmanager (no clustering) that sends every alert to `webhookUrl` at once (group_wait 0, group_interval 1s). */
export function startAlertmanager(options: { webhookUrl: string }): Promise<Server> {
  const config = {
    route: { receiver: 'hook', group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'hook', webhook_configs: [{ url: options.webhookUrl, send_resolved: true }] }],
  };
  return startServer(
    ALERTMANAGER,
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    () => ({ 'alertmanager.yml': JSON.stringify(config) }),
  );
}

/** Runs amtool against `url` with `args`; `url` may carry `user:password@` for basic auth. */
export function amtool(url: string, args: readonly string[]): Promise<CommandResult> {
  return run(AMTOOL, [`--alertmanager.url=${url}`, ...args]);
}

/** Where and how Prometheus' `remote_write` sends (see `startPrometheusRemoteWrite`). */
export interface RemoteWriteTarget {
  /** The receiver's URL (`http://127.0.0.1:PORT/api/v1/write`). */
  readonly url: string;
  readonly bearerToken?: string;
  /** `queue_config` keys, as Prometheus names them. */
  readonly queueConfig?: Readonly<Record<string, unknown>>;
}

/**
 * Starts Prometheus scraping `scrapeTargets` (`host:port`, path `/metrics`, job `demo`)
 * every second and sending every sample to `remoteWrite`; 429 answers are retried
 * (`retry_on_http_429`), with short backoffs so a test does not wait long.
 */
export function startPrometheusRemoteWrite(options: { scrapeTargets: readonly string[]; remoteWrite: RemoteWriteTarget }): Promise<Server> {
  const rw = options.remoteWrite;
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    remote_write: [
      {
        url: rw.url,
        ...(rw.bearerToken === undefined ? {} : { authorization: { credentials: rw.bearerToken } }),
        queue_config: { batch_send_deadline: '200ms', min_backoff: '50ms', max_backoff: '1s', retry_on_http_429: true, ...rw.queueConfig },
      },
    ],
    scrape_configs: [{ job_name: 'demo', static_configs: [{ targets: options.scrapeTargets }] }],
  };
  return startServer(
    PROMETHEUS,
    (dir, port) => [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    () => ({ 'prometheus.yml': JSON.stringify(config) }),
  );
}
