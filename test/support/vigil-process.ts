import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { trackChild } from './children.js';
import { VIGIL } from './cli.js';

/** A `vigil run` child process, with what it printed. */
export interface VigilProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to save anything. */
  kill(): Promise<void>;
}

/** Writes `vigil.yaml` and the rule files into `dir` (rules under `dir/rules`). */
export async function writeVigilFiles(dir: string, config: string, rules: Record<string, string>): Promise<string> {
  await mkdir(path.join(dir, 'rules'), { recursive: true });
  for (const [name, text] of Object.entries(rules)) await writeFile(path.join(dir, 'rules', name), text);
  const file = path.join(dir, 'vigil.yaml');
  await writeFile(file, config);
  return file;
}

/** Starts `vigil run --config FILE` in `dir` and waits until it listens. */
export async function startVigilProcess(dir: string, configFile: string, env: NodeJS.ProcessEnv = {}): Promise<VigilProcess> {
  const child = spawn(process.execPath, [VIGIL, 'run', '--config', configFile], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  trackChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    // A limit for a stuck start only: a loaded machine makes a start slow, not wrong.
    const timer = setTimeout(() => {
      // A vigil left running would keep the test process alive after the failure.
      child.kill('SIGKILL');
      reject(new Error(`vigil did not start in time:\n${stderr}`));
    }, 120_000);
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil exited with ${code}:\n${stderr}`));
    });
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `ms`
 * (a limit for what never happens, generous so a loaded machine only makes it slower).
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** POSTs JSON and returns the parsed answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** GETs JSON. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}
