import { request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startVigilProcess, writeVigilFiles, type VigilProcess } from '../../test/support/vigil-process.js';
import type { HttpCase } from './http-cases.js';

/** How one request went. */
export type HttpOutcome =
  | { readonly status: number }
  /** No answer within the limit. */
  | { readonly hang: true }
  /** The connection failed while vigil kept running (e.g. closed early after a 413). */
  | { readonly reset: string }
  /** vigil exited. */
  | { readonly crash: string };

const CONFIG = ['rules: ./rules', 'data: ./data', 'http:', '  listen: 127.0.0.1:0', '  bodyLimit: 1048576', 'time:', '  lateness: 100000d', ''].join('\n');

const RULES = {
  'fuzz.vigil': [
    'channel audit log { }',
    'rule down { when latest health by host is status == "down" for 1s severity critical summary "{host} down" notify audit }',
    'rule errors { when count of logs where level == "error" over 1m by host > 3 notify audit }',
    'rule hot { when avg(value) of metrics over 1m by host > 90 }',
    '',
  ].join('\n'),
};

/**
 * A real `vigil run` child process under fire: sends one request at a time and classifies
 * the answer. When vigil dies it is a crash (its output is kept) and a fresh one takes over.
 */
export class HttpTarget {
  private vigil: VigilProcess | undefined;
  private dir = '';
  private exitNote: string | undefined;
  readonly bodyLimit = 1_048_576;

  constructor(private readonly options: { hangMs: number }) {}

  async start(): Promise<void> {
    this.dir = await mkdtemp(path.join(tmpdir(), 'vigil-fuzz-'));
    const file = await writeVigilFiles(this.dir, CONFIG, RULES);
    this.vigil = await startVigilProcess(this.dir, file);
    this.exitNote = undefined;
    const vigil = this.vigil;
    vigil.child.once('exit', (code, signal) => {
      if (this.vigil === vigil) this.exitNote = `vigil exited (${code ?? signal}): ${vigil.stderr().slice(-1500)}`;
    });
  }

  /** Sends one case; after a crash or a hang, starts a fresh vigil for the next one. */
  async send(c: HttpCase): Promise<HttpOutcome> {
    if (this.vigil === undefined || this.exitNote !== undefined) await this.restart();
    const outcome = await this.once(c);
    if (this.exitNote !== undefined) return { crash: this.exitNote };
    if ('reset' in outcome && !(await this.healthy())) {
      // Not answering after a failed connection: dead, or about to be.
      const note = this.exitNote ?? `vigil stopped answering after ${outcome.reset}`;
      await this.restart();
      return { crash: note };
    }
    if ('hang' in outcome) await this.restart();
    return outcome;
  }

  /** vigil still answers `/healthz` (after the run). */
  async healthy(): Promise<boolean> {
    const r = await this.once({ kind: 'health', method: 'GET', path: '/healthz', headers: {} });
    return 'status' in r && r.status === 200;
  }

  async stop(): Promise<void> {
    const vigil = this.vigil;
    this.vigil = undefined;
    if (vigil !== undefined && vigil.child.exitCode === null && vigil.child.signalCode === null) await vigil.stop();
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }

  private async restart(): Promise<void> {
    const vigil = this.vigil;
    this.vigil = undefined;
    if (vigil !== undefined && vigil.child.exitCode === null && vigil.child.signalCode === null) await vigil.kill();
    await rm(this.dir, { recursive: true, force: true });
    await this.start();
  }

  private once(c: HttpCase): Promise<HttpOutcome> {
    const url = new URL(c.path, this.vigil!.url);
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: HttpOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const headers: Record<string, string | number> = { ...c.headers };
      if (c.body !== undefined) headers['content-length'] = c.body.length;
      const req = request(url, { method: c.method, headers, agent: false }, (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', () => done({ status: res.statusCode ?? 0 }));
      });
      const timer = setTimeout(() => {
        req.destroy();
        done({ hang: true });
      }, this.options.hangMs);
      req.on('error', (e: NodeJS.ErrnoException) => done(this.exitNote !== undefined ? { crash: this.exitNote } : { reset: e.code ?? e.message }));
      req.end(c.body);
    });
  }
}
