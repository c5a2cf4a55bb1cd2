/**
 * The `http` step executor: one HTTP request (a service's restart or flush endpoint, a
 * load balancer's drain call), judged by its status.
 */

import { deadline } from '../../runtime/deadline.js';
import { OUTPUT_EXCERPT_CHARS, type ResolvedStep, type StepExecutor, type StepOutcome } from '../../engine/playbooks/step.js';
import { OutputCapture, scrub } from './scrub.js';

/** What `createHttpExecutor` may be given. */
export interface HttpExecutorOptions {
  /** Values hidden from output and errors. */
  readonly secrets?: readonly string[];
}

/** The most of a response body read; the rest is not waited for. */
const MAX_BODY_BYTES = 1 << 20;

/** Header names whose values are credentials, hidden should the server echo them. */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|key|password/i;

/**
 * Creates the executor for `http` steps. It sends the step's method, body and headers to
 * its URL with fetch, without following redirects (a 3xx is an answer like any other, and
 * credentials never travel to another host). A user name and password in the URL are sent
 * as `Authorization: Basic` (fetch itself refuses such URLs) unless the step sets that
 * header itself.
 *
 * ok iff the status equals `expectStatus`, or is 2xx when there is none. The output is the
 * status line and a head-and-tail excerpt of the body (at most 1 MiB is read), scrubbed of
 * the configured secrets, the URL's password and credential-like header values. Errors
 * name the URL as `scheme://host:port` only: paths and queries often carry tokens.
 * The timeout covers the whole exchange, body included. `run` never throws.
 */
export function createHttpExecutor(options: HttpExecutorOptions = {}): StepExecutor {
  const baseSecrets = [...(options.secrets ?? [])];
  return {
    async run(step: ResolvedStep, signal: AbortSignal): Promise<StepOutcome> {
      if (step.kind !== 'http') return refused(`the http executor cannot run a ${step.kind} step`);
      if (!Number.isFinite(step.timeoutMs) || step.timeoutMs <= 0) {
        return refused('the step timeout must be a positive number of ms');
      }
      const secrets = [...baseSecrets, ...headerSecrets(step.headers)];

      let url: URL;
      try {
        url = new URL(step.url);
      } catch {
        return refused('the url is not a valid URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused('the url must be http or https');
      const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
      const where = `${step.method} ${url.protocol}//${url.hostname}:${port}`;

      const headers = new Headers();
      for (const { name, value } of step.headers) {
        try {
          headers.append(name, value);
        } catch {
          return refused(scrub(`header "${name}" is not a valid header`, secrets));
        }
      }
      if (url.username !== '' || url.password !== '') {
        const user = percentDecoded(url.username);
        const password = percentDecoded(url.password);
        secrets.push(url.password, password);
        if (!headers.has('authorization')) {
          const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
          headers.set('authorization', `Basic ${basic}`);
          secrets.push(basic);
        }
        url.username = '';
        url.password = '';
      }
      if (signal.aborted) return { ok: false, output: '', error: `${where}: aborted` };

      const limit = deadline(signal, step.timeoutMs);
      let status: number | undefined;
      let statusLine = '';
      const body = new OutputCapture();
      try {
        const response = await fetch(url, {
          method: step.method,
          headers,
          body: step.body,
          redirect: 'manual',
          signal: limit.signal,
        });
        status = response.status;
        statusLine = `HTTP ${response.status}${response.statusText !== '' ? ` ${response.statusText}` : ''}`;
        await readBody(response, body);
      } catch (error) {
        const output = outputOf(statusLine, body, secrets);
        const stage = status === undefined ? '' : ' while reading the body';
        if (limit.expired()) {
          return failed(status, output, `${where}: timed out after ${step.timeoutMs} ms${stage}`);
        }
        if (signal.aborted) return failed(status, output, `${where}: aborted${stage}`);
        return failed(status, output, `${where}: ${requestFailure(error)}${stage}`);
      } finally {
        limit.dispose();
      }

      const output = outputOf(statusLine, body, secrets);
      const ok = step.expectStatus !== undefined ? status === step.expectStatus : status >= 200 && status < 300;
      if (ok) return { ok: true, code: status, output };
      const expected = step.expectStatus !== undefined ? String(step.expectStatus) : 'a 2xx status';
      return { ok: false, code: status, output, error: `${where}: HTTP ${status}, expected ${expected}` };
    },
  };
}

/** Reads up to `MAX_BODY_BYTES` of the body into `into`, then lets the rest go. */
async function readBody(response: Response, into: OutputCapture): Promise<void> {
  if (response.body === null) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.byteLength;
      into.push(decoder.decode(value, { stream: true }));
      if (read >= MAX_BODY_BYTES) {
        into.push('\n[body truncated]');
        await reader.cancel().catch(() => {});
        return;
      }
    }
    into.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}

function outputOf(statusLine: string, body: OutputCapture, secrets: readonly string[]): string {
  if (statusLine === '') return '';
  const text = body.result(secrets, OUTPUT_EXCERPT_CHARS - statusLine.length - 1);
  return text === '' ? statusLine : `${statusLine}\n${text}`;
}

/** URL userinfo as typed; a stray `%` that is no escape stays as it is. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function failed(status: number | undefined, output: string, error: string): StepOutcome {
  return status === undefined ? { ok: false, output, error } : { ok: false, code: status, output, error };
}

function refused(error: string): StepOutcome {
  return { ok: false, output: '', error };
}

function headerSecrets(headers: readonly { readonly name: string; readonly value: string }[]): string[] {
  const values: string[] = [];
  for (const { name, value } of headers) {
    if (!SENSITIVE_HEADER.test(name)) continue;
    values.push(value);
    // `Bearer abc` / `Basic abc`: the credential alone may be echoed too.
    const credential = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (credential !== undefined) values.push(credential);
  }
  return values;
}

/**
 * Why a request failed, from the system error code only: undici's messages may quote the
 * URL, query and all.
 */
function requestFailure(error: unknown): string {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return `request failed (${code})`;
  }
  // fetch's own refusals (a body on GET, a bad method) are TypeErrors about the request.
  if (error instanceof TypeError && /body|method/i.test(error.message)) {
    return `request refused: ${error.message.replace(/https?:\/\/\S*/g, '<url>')}`;
  }
  return 'request failed';
}
